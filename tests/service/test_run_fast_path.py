"""The set-based service run gives exactly the rows and summary of the engine run licence by licence
(``per_row``), on a mixed city: grades AAA to D, ordering figures of several months and letter classes,
register tiers, out-of-area records of each band, a hardship flag, a suspension in force, a missing
stored grade, a closed licence and a previous published month to compare with."""
from datetime import date, timedelta

from sqlalchemy import delete, select

from app.credit.models import RetailerGrade
from app.extensions import db
from app.service import figures, hardship, runs
from app.service.models import ServiceRow, SupplySuspension
from tests.service.conftest import out_of_area, veto

DAY = date(2027, 1, 20)
COLUMNS = ("unit_id", "grade", "base_tier", "base_source", "class_code", "tier", "coefficient_pct",
           "scarce_priority", "suspended", "changed", "reasons", "proposal")


def snapshot(run):
    return {r.retailer_id: {c: getattr(r, c) for c in COLUMNS}
            for r in db.session.scalars(select(ServiceRow).where(ServiceRow.run_id == run.id))}


def test_set_based_run_equals_the_engine_licence_by_licence(clock, shops, make_user, mkt):
    clock(DAY)
    sup = make_user("supervisor", city=True)
    s = shops(14, tier=14)
    closed = shops(1, status="cancelled")[0]
    veto(s[0], sup)                       # D: proposes a grade suspension
    veto(s[1], sup)                       # D with a grade suspension in force
    out_of_area(s[2], sup, 5)             # band 1
    out_of_area(s[3], sup, 30)            # band 3
    out_of_area(s[4], sup, 120)           # a suspending band
    out_of_area(s[5], sup, 8)             # B with a hardship flag
    hardship.set_flag(s[5], mkt, category="low_income", evidence="低保证（清江浦区民政局 2026年）",
                      review_on=DAY + timedelta(days=90))
    db.session.commit()
    lines = ["licence_no,month,base_tier,class_code,order_amount,order_cartons"]
    for i, shop in enumerate(s[:10]):
        lines.append(f"{shop.licence_no},2026-11,{8 + i},CZ{1 + i % 3},1000,20")
        if i % 2:
            lines.append(f"{shop.licence_no},2026-12,{30 - i},{'XB2' if i % 4 == 1 else ''},1200,25")
    figures.run(("\r\n".join(lines) + "\r\n").encode(), actor=mkt, dry_run=False, source="upload")
    db.session.commit()
    from app.credit import grading

    grading.recompute_many(s, "test", as_of=DAY)  # stored live grades, as the nightly regrade keeps them
    db.session.commit()
    # last month, published: the rows to compare with
    january = runs.compute("2027-01", mkt, today=DAY)
    db.session.commit()
    runs.publish(january, mkt, today=DAY)
    db.session.commit()
    held = db.session.scalars(select(SupplySuspension).where(SupplySuspension.retailer_id == s[0].id)).one()
    # s[1]'s suspension is in force from January; s[0]'s January one is lifted by review: it is proposed again
    held.status = "lifted"
    db.session.execute(delete(RetailerGrade).where(RetailerGrade.retailer_id == s[6].id))  # missing: computed
    late = ["licence_no,month,base_tier,class_code,order_amount,order_cartons",
            f"{s[7].licence_no},2026-12,3,CS3,100,2", f"{s[11].licence_no},2026-12,29,,9000,100"]
    figures.run(("\r\n".join(late) + "\r\n").encode(), actor=mkt, dry_run=False, source="upload")
    db.session.commit()

    inputs = runs._Inputs(__import__("app.service.policy", fromlist=["x"]).in_force(date(2027, 2, 1)),
                          date(2027, 2, 1), DAY)
    assert s[6].id in inputs.special() and s[8].id not in inputs.special()

    fast = runs.compute("2027-02", mkt, today=DAY)
    db.session.commit()
    fast_rows, fast_summary = snapshot(fast), dict(fast.summary)
    slow = runs.compute("2027-02", mkt, today=DAY, per_row=True)
    db.session.commit()
    slow_rows = snapshot(slow)

    assert set(fast_rows) == {x.id for x in s} and closed.id not in fast_rows
    assert fast_rows == slow_rows
    assert fast_summary == slow.summary
    assert fast.licence_count == slow.licence_count == 14
    # the mix really is mixed
    got = fast_rows
    assert got[s[0].id]["proposal"]["kind"] == "grade" and got[s[1].id]["proposal"] is None
    assert got[s[1].id]["suspended"] and got[s[4].id]["proposal"]["kind"] == "circulation"
    assert got[s[5].id]["coefficient_pct"] == 100 and got[s[12].id]["base_source"] == "register"
    assert got[s[7].id]["class_code"] == "CS3" and got[s[7].id]["changed"]
    assert not got[s[13].id]["changed"] and fast_summary["protected"] == 1
