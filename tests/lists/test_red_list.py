"""The red list: AAA in two consecutive published quarters with no deduction in force is proposed; a
single AAA quarter, or a deduction in force, is not; an effective red entry whose retailer falls out of
the criteria gets an exit proposal after the next evaluation, which a supervisor confirms."""
from datetime import date, datetime

from app.credit import recording
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.lists import services
from app.lists.models import ListEntry


def _run(quarter, as_of, grades: dict):
    run = EvaluationRun(quarter=quarter, as_of=as_of, status="published", published_at=datetime(2026, 1, 1),
                        objection_closes_on=as_of, retailer_count=len(grades), summary={})
    db.session.add(run)
    db.session.flush()
    for shop, grade in grades.items():
        db.session.add(EvaluationRow(run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, score=125, monopoly=0,
                                     marketing=25, social=0, score_grade=grade, grade=grade))
    db.session.commit()
    return run


def test_red_needs_two_quarters_and_no_deduction_then_exit_is_proposed(app, make_retailer, make_user, clock):
    clock(date(2026, 7, 5))
    steady, new, stained = make_retailer(), make_retailer(shop_name="新星超市"), make_retailer(shop_name="东方便利")
    sup = make_user("supervisor")
    recording.create_record(stained, "YX01", occurred_on=date(2026, 5, 2), source="supervisor", actor=sup,
                            status="confirmed", decided_on=date(2026, 5, 3))
    _run("2026Q1", date(2026, 3, 31), {steady: "AAA", stained: "AAA"})
    _run("2026Q2", date(2026, 6, 30), {steady: "AAA", new: "AAA", stained: "AAA"})
    out = services.propose_after_evaluations()
    db.session.commit()
    assert out["red"] == 1 and out["runs"] == 2
    entry = db.session.scalars(db.select(ListEntry)).one()
    assert (entry.retailer_id, entry.kind, entry.criterion) == (steady.id, "red", "red_grade")
    assert services.propose_after_evaluations()["runs"] == 0  # each run is read once

    services.review(entry, True, "", sup)
    clock(date(2026, 7, 13))
    services.take_effect_due(date(2026, 7, 13))
    db.session.commit()
    assert entry.status == "effective" and entry.expires_on == date(2027, 7, 13)

    clock(date(2026, 10, 5))
    _run("2026Q3", date(2026, 9, 30), {steady: "AA", new: "AAA"})
    out = services.propose_after_evaluations()
    db.session.commit()
    db.session.refresh(entry)
    assert out["exit"] == 1 and entry.exit_reason == "no_longer_meets" and entry.status == "effective"
    services.confirm_exit(entry, "", sup)
    db.session.commit()
    assert (entry.status, entry.exited_on) == ("exited", date(2026, 10, 5))
    new_entry = db.session.scalars(db.select(ListEntry).where(ListEntry.retailer_id == new.id)).one()
    assert new_entry.status == "proposed"


def test_an_entry_exits_on_expiry_and_is_withdrawn_from_the_platform_files(app, make_retailer, clock, monkeypatch,
                                                                         tmp_path):
    import json
    from pathlib import Path

    from tests.background import run_jobs

    monkeypatch.setitem(app.config, "EXCHANGE_DIR", str(tmp_path))
    clock(date(2026, 7, 1))
    shop = make_retailer()
    e = ListEntry(kind="red", retailer_id=shop.id, unit_id=shop.unit_id, status="effective", policy_version="2026.1",
                  criterion="red_grade", effective_on=date(2025, 7, 1), expires_on=date(2026, 7, 1))
    db.session.add(e)
    db.session.commit()
    run_jobs("exchange.daily")  # files only (no URL): written is delivered
    assert json.loads(next(Path(tmp_path).rglob("lists.json")).read_text())[0]["名单类型"] == "红名单"
    run_jobs("lists.daily", "exchange.daily")
    db.session.refresh(e)
    assert (e.status, e.exit_reason, e.exited_on) == ("exited", "expiry", date(2026, 7, 1))
    withdrawals = [json.loads(p.read_text()) for p in Path(tmp_path).rglob("withdrawals.json")]
    assert [w["编号"] for rows in withdrawals for w in rows] == [f"list:{e.id}"]
    assert [w["撤销原因"] for rows in withdrawals for w in rows] == ["有效期届满"]


def test_supervisors_are_told_once_of_an_overdue_objection(app, make_retailer, make_user, clock):
    from app.lists.models import ListObjection
    from app.notices.models import Notice
    from tests.background import run_jobs

    clock(date(2026, 7, 1))
    shop = make_retailer(shop_name="和平超市")
    sup = make_user("supervisor")
    e = ListEntry(kind="black", retailer_id=shop.id, unit_id=shop.unit_id, status="notice", policy_version="2026.1",
                  criterion="black_serious", notice_from=date(2026, 6, 1), notice_until=date(2026, 6, 8))
    db.session.add(e)
    db.session.flush()
    db.session.add(ListObjection(entry_id=e.id, retailer_id=shop.id, reasons="有误", answer_due=date(2026, 6, 30)))
    db.session.commit()
    run_jobs("lists.daily")
    run_jobs("lists.daily")
    titles = [n.title for n in db.session.scalars(db.select(Notice).where(Notice.user_id == sup.id))]
    assert titles == ["名单异议已逾期未答复：和平超市（应于 2026-06-30 前答复）"]
    db.session.refresh(e)
    assert e.status == "notice"  # still waiting for the answer
