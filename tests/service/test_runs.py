"""The monthly service run end to end: figures in, compute on the runner, publish (suspensions decided
with legal basis and notices), export with checksum and delivery log, the retailer's page and objection,
automatic lifting."""
import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from app.common.errors import ServiceError
from app.credit import recording
from app.extensions import db
from app.jobs import services as jobs
from app.notices.models import Notice
from app.service import figures, runs
from app.service.models import ServiceDelivery, ServiceRow, ServiceRun, SupplySuspension
from tests.background import run_jobs
from tests.service.conftest import out_of_area, veto

DAY = date(2027, 1, 20)


@pytest.fixture
def world(clock, shops, make_user, mkt):
    clock(DAY)
    a, d, c = shops(3)
    sup = make_user("supervisor", city=True)
    veto(d, sup)
    circ = out_of_area(c, sup, 60)
    accounts = {k: make_user("retailer", retailers=[s]) for k, s in (("a", a), ("d", d), ("c", c))}
    csv = ("licence_no,month,base_tier,class_code,order_amount,order_cartons\r\n"
           f"{a.licence_no},2026-12,12,CZ1,18650.50,420\r\n"
           f"{d.licence_no},2026-12,11,CB2,9000,200\r\n"
           f"{c.licence_no},2026-12,15,,12000,300\r\n").encode()
    figures.run(csv, actor=mkt, dry_run=False, source="upload")
    db.session.commit()
    return {"a": a, "d": d, "c": c, "sup": sup, "circ": circ, "accounts": accounts}


def compute(cycle, actor):
    job = jobs.start("service.run", {"cycle": cycle}, actor)
    db.session.commit()
    jobs.run_long(job.id)  # the worker's call (skipped when the runner already ran it after the commit)
    db.session.expire_all()
    job = db.session.get(type(job), job.id)
    assert job.state == "done", job.error
    return db.session.get(ServiceRun, job.result["run_id"])


def rows(run):
    return {r.retailer_id: r for r in db.session.scalars(select(ServiceRow).where(ServiceRow.run_id == run.id))}


def test_run_publish_export_and_the_retailers_side(world, mkt, signed_in, ordering):
    a, d, c = world["a"], world["d"], world["c"]
    run = compute("2027-02", mkt)
    got = rows(run)
    assert run.state == "draft" and run.licence_count == 3
    assert (got[a.id].tier, got[a.id].coefficient_pct, got[a.id].base_source) == (12, 100, "ordering")
    assert got[d.id].suspended and got[d.id].tier == 9 and got[d.id].proposal["kind"] == "grade"
    assert got[c.id].grade == "C" and got[c.id].suspended and got[c.id].proposal["kind"] == "circulation"
    assert got[c.id].tier == 15 - 2 - 4
    assert db.session.scalar(select(func.count(SupplySuspension.id))) == 0  # proposals only until published

    s = signed_in(mkt)
    refused = s.post(f"/service/runs/{run.id}/publish", data={"note": "月度复核"})
    assert refused.status_code == 422 and "勾选" in refused.get_data(as_text=True)
    assert s.post(f"/service/runs/{run.id}/publish", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    run = db.session.get(ServiceRun, run.id)
    assert run.state == "published" and len(run.export_sha256) == 64
    held = {x.retailer_id: x for x in db.session.scalars(select(SupplySuspension))}
    assert set(held) == {d.id, c.id}
    assert held[d.id].kind == "grade" and held[d.id].ends_on is None and "D级" in held[d.id].legal_basis
    assert held[c.id].kind == "circulation" and held[c.id].record_id == world["circ"].id
    assert held[c.id].ends_on == date(2027, 5, 15) and held[c.id].quantity == 60
    assert held[d.id].objection_until == date(2027, 2, 10) and held[d.id].decided_by_id == mkt.id
    note = db.session.scalars(select(Notice).where(Notice.user_id == world["accounts"]["d"].id,
                                                   Notice.kind == "supply_suspended")).one()
    assert note.link == f"/me/service/{d.id}" and "异议" in note.body
    told = db.session.scalars(select(Notice).where(Notice.user_id == world["accounts"]["a"].id,
                                                   Notice.kind == "service_tier")).one()
    assert "12" in told.title and "信用等级" in told.body
    # a second publication is refused
    assert s.post(f"/service/runs/{run.id}/publish", data={"confirm": "y"}).status_code == 409

    # export: the same bytes every time, checksum in the run, each download logged
    response = s.post(f"/service/runs/{run.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert hashlib.sha256(body).hexdigest() == run.export_sha256 == response.headers["X-Checksum-SHA256"]
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("licence_no,cycle,grade,base_tier")
    assert f"{d.licence_no},2027-02,D,11,CB2,CB3,9,0.00,0,1,{held[d.id].id}," in text
    assert db.session.scalar(select(func.count(ServiceDelivery.id))) == 1

    # the ordering system: list, fetch, confirm receipt (a wrong checksum is logged as unmatched)
    user, raw = ordering
    client = s.client.application.test_client()
    auth = {"Authorization": f"Bearer {raw}"}
    listed = client.get("/api/ordering/service-runs", headers=auth)
    assert listed.status_code == 200 and listed.get_json()[0]["export_sha256"] == run.export_sha256
    fetched = client.get(f"/api/ordering/service-runs/{run.id}/export", headers=auth)
    assert fetched.status_code == 200 and fetched.get_data() == body
    ok = client.post(f"/api/ordering/service-runs/{run.id}/receipt", headers=auth,
                     json={"sha256": hashlib.sha256(fetched.get_data()).hexdigest(), "rows": 3})
    assert ok.status_code == 200 and ok.get_json()["matched"] is True
    bad = client.post(f"/api/ordering/service-runs/{run.id}/receipt", headers=auth, json={"sha256": "0" * 64})
    assert bad.status_code == 200 and bad.get_json()["matched"] is False
    assert client.post(f"/api/ordering/service-runs/{run.id}/receipt", headers=auth,
                       json={"sha256": "xyz"}).status_code == 422
    assert db.session.scalar(select(func.count(ServiceDelivery.id)).where(ServiceDelivery.channel == "receipt")) == 2

    # the retailer's page: tier, coefficient, why, what would raise them, the decision and the way to object
    shop = signed_in(world["accounts"]["d"])
    page = shop.get(f"/me/service/{d.id}").get_data(as_text=True)
    assert "暂停" in page and "D级" in page and 'data-testid="object-form"' in page
    refused = shop.post(f"/me/service/{d.id}/suspensions/{held[d.id].id}/object", data={"reasons": "太短"})
    assert refused.status_code == 422 and "至少 10" in refused.get_data(as_text=True).replace("至少10", "至少 10")
    assert shop.post(f"/me/service/{d.id}/suspensions/{held[d.id].id}/object",
                     data={"reasons": "该批卷烟系误认，已提交进货凭证，请复核。"}).status_code == 302
    other = signed_in(world["accounts"]["a"])
    assert other.get(f"/me/service/{d.id}").status_code == 404
    assert other.post(f"/me/service/{a.id}/suspensions/{held[d.id].id}/object",
                      data={"reasons": "x" * 20}).status_code == 404
    db.session.expire_all()
    susp = db.session.get(SupplySuspension, held[d.id].id)
    assert susp.objection_status == "open" and susp.answer_due is not None
    assert s.post(f"/service/suspensions/{susp.id}/answer", data={"outcome": "upheld", "answer": "经复核，撤销暂停。"}
                  ).status_code == 302
    db.session.expire_all()
    susp = db.session.get(SupplySuspension, susp.id)
    assert susp.status == "lifted" and susp.lift_reason == "objection" and susp.objection_status == "upheld"
    # staff see it on the licence's page: marketers the coefficient, the supervisor of the monopoly no card
    card = s.get(f"/retailers/{c.id}").get_data(as_text=True)
    assert 'data-testid="service-card"' in card and "暂停货源" in card and 'service-card-suspension' in card
    assert 'data-testid="service-card"' not in signed_in(world["sup"]).get(f"/retailers/{c.id}").get_data(as_text=True)
    a_page = other.get(f"/me/service/{a.id}").get_data(as_text=True)
    assert "×1.00" in a_page and "AA" in a_page  # the hints name the better grades


def test_suspensions_lift_themselves_when_the_period_ends_or_the_grade_recovers(world, mkt, clock):
    run = compute("2027-02", mkt)
    runs.publish(run, mkt)
    db.session.commit()
    d_susp = db.session.scalars(select(SupplySuspension).where(SupplySuspension.kind == "grade")).one()
    c_susp = db.session.scalars(select(SupplySuspension).where(SupplySuspension.kind == "circulation")).one()
    assert run_jobs("service.lift")["service.lift"] == {"period_ended": 0, "grade_recovered": 0}
    # the veto record is dismissed (e.g. on objection): the grade recovers, the suspension ends by itself
    veto_rec = db.session.scalars(select(type(world["circ"])).where(type(world["circ"]).indicator_code == "ZM01")).one()
    recording.dismiss(veto_rec, "复核撤销", world["sup"])
    db.session.commit()
    clock(date(2027, 5, 16))
    assert run_jobs("service.lift")["service.lift"] == {"period_ended": 1, "grade_recovered": 1}
    db.session.expire_all()
    assert db.session.get(SupplySuspension, d_susp.id).lift_reason == "grade_recovered"
    assert db.session.get(SupplySuspension, c_susp.id).lift_reason == "period_ended"
    assert db.session.scalar(select(func.count(Notice.id)).where(Notice.kind == "supply_lifted")) == 2
    # the next month's run: nothing suspended any more, the changes told
    june = compute("2027-06", mkt)
    assert not any(r.suspended for r in rows(june).values())


def test_rules_of_a_run(world, mkt, make_user):
    with pytest.raises(ServiceError) as refused:
        runs.check_request("2026-10")
    assert "cycle" in refused.value.errors
    first = compute("2027-02", mkt)
    again = compute("2027-02", mkt)  # a draft computed again replaces the old one
    assert again.state == "draft" and again.cycle == "2027-02" and first is not None
    assert db.session.scalar(select(func.count(ServiceRun.id)).where(ServiceRun.cycle == "2027-02")) == 1
    county = make_user("mkt_supervisor")
    with pytest.raises(ServiceError) as refused:
        runs.publish(again, county)
    assert refused.value.status == 403
    runs.publish(again, mkt)
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        runs.check_request("2027-02")
    assert refused.value.status == 409
    # the next run compares with the published one: unchanged rows are not told again
    march = compute("2027-01", mkt)
    assert march.summary["changed"] <= 3
