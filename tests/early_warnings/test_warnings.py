"""Early warnings 失信预警: the nightly signals (pinned clock), one open warning per shop and kind
under a re-run, county scope, the page forms' refusals, the close with its outcome, the guidance
notice to the retailer and the licence check a 虚假户 warning opens."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.licences.models import LicenceCheck
from app.notices.models import Notice
from app.warnings.models import EarlyWarning
from tests.background import run_jobs
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.early_warnings.helpers import overdue_item, set_score, suspected_record, visit

DAY = date(2026, 11, 2)


def _warnings(**where):
    db.session.expire_all()
    stmt = select(EarlyWarning).order_by(EarlyWarning.id)
    for k, v in where.items():
        stmt = stmt.where(getattr(EarlyWarning, k) == v)
    return list(db.session.scalars(stmt))


@pytest.fixture
def world(make_retailer, make_user):
    class W:
        pass

    w = W()
    w.shop = make_retailer(shop_name="华兴便利店")
    w.clean = make_retailer(shop_name="平安超市")
    w.far = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    w.owner_account = make_user("retailer", retailers=[w.shop])
    w.sup = make_user("supervisor", COUNTY, username="sup_here")
    w.city = make_user("supervisor", city=True, username="sup_city")
    w.other = make_user("supervisor", OTHER_COUNTY, username="sup_there")
    w.inspector = make_user("inspector", COUNTY)
    w.second = make_user("inspector", COUNTY)
    return w


def test_each_signal_raises_its_warning_with_a_readable_reason(world, clock, app):
    clock(DAY)
    w = world
    set_score(w.shop, 87, "B", -13)  # 2 points above the B boundary (85)
    set_score(w.clean, 100, "A", 0)  # at the start score with nothing against it: no warning
    suspected_record(w.shop, DAY - timedelta(days=3))
    first = visit(w.shop, w.inspector, w.second, DAY - timedelta(days=100), failed=2)
    suspected_record(w.shop, DAY - timedelta(days=20), points=-2)  # with the 2 failed items: 3 minor findings
    overdue_item(w.shop, first, DAY - timedelta(days=1))
    visit(w.far, w.inspector, w.second, DAY - timedelta(days=60), outcome="closed")
    visit(w.far, w.inspector, w.second, DAY - timedelta(days=10), outcome="not_found")
    clock(DAY + timedelta(days=1), 4)
    out = run_jobs("warnings.raise")["warnings.raise"]
    assert out == {"near_boundary": 1, "falling_trend": 0, "suspected": 1, "repeated_minor": 1,
                   "overdue_rectification": 1, "shop_absent": 1, "ordering_volume": 0, "no_orders": 0}
    kinds = {(x.retailer_id, x.kind) for x in _warnings()}
    assert kinds == {(w.shop.id, "near_boundary"), (w.shop.id, "suspected"), (w.shop.id, "repeated_minor"),
                     (w.shop.id, "overdue_rectification"), (w.far.id, "shop_absent")}
    from app.warnings.services import reason

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        from flask_babel import force_locale

        with force_locale("zh_Hans_CN"):
            near = _warnings(kind="near_boundary")[0]
            text = reason(near)
            assert "87" in text and "85" in text and "C" in text
            absent = reason(_warnings(kind="shop_absent")[0])
            assert "虚假户" in absent


def test_a_rerun_the_same_night_changes_nothing_and_a_gone_condition_stays_open(world, clock):
    clock(DAY)
    suspected_record(world.shop, DAY - timedelta(days=3))
    run_jobs("warnings.raise")
    before = [(x.id, x.status, x.open_key) for x in _warnings()]
    assert len(before) == 1
    audits = db.session.scalar(select(func.count(AuditEntry.id)))
    again = run_jobs("warnings.raise")["warnings.raise"]
    assert again["suspected"] == 0
    assert [(x.id, x.status, x.open_key) for x in _warnings()] == before
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audits  # nothing opened: nothing audited
    # The suspicion is dismissed: the warning stays open for its owner to close.
    from app.credit.models import CreditRecord

    db.session.execute(CreditRecord.__table__.update().values(status="dismissed"))
    db.session.commit()
    run_jobs("warnings.raise")
    assert [(x.id, x.status) for x in _warnings()] == [(before[0][0], "open")]


def test_a_closed_warning_frees_the_shop_for_a_new_one(world, clock, signed_in):
    clock(DAY)
    suspected_record(world.shop, DAY - timedelta(days=3))
    run_jobs("warnings.raise")
    wid = _warnings()[0].id
    s = signed_in(world.sup)
    assert s.post(f"/api/warnings/{wid}/act", json={"owner_id": world.sup.id, "action": "inspection"}).status_code == 200
    r = s.post(f"/api/warnings/{wid}/close", json={"outcome": "escalated", "note": "已立案调查"})
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    assert s.post(f"/api/warnings/{wid}/close", json={"outcome": "resolved", "note": "再次"}).status_code == 409
    run_jobs("warnings.raise")
    rows = _warnings()
    assert [(x.status, x.open_key) for x in rows] == [("closed", None), ("open", f"{world.shop.id}:suspected")]


def test_falling_trend_over_the_last_three_published_quarters(world, clock):
    from app.evaluation.models import EvaluationRow, EvaluationRun

    clock(DAY)
    for quarter, as_of, a, b in (("2026Q1", date(2026, 3, 31), 104, 100), ("2026Q2", date(2026, 6, 30), 101, 100),
                                 ("2026Q3", date(2026, 9, 30), 98, 100)):
        run = EvaluationRun(quarter=quarter, as_of=as_of, status="published")
        db.session.add(run)
        db.session.flush()
        for shop, score in ((world.shop, a), (world.clean, b)):
            db.session.add(EvaluationRow(run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, score=score,
                                         monopoly=0, marketing=0, social=0, score_grade="A", grade="A"))
    db.session.commit()
    run_jobs("warnings.raise")
    rows = _warnings(kind="falling_trend")
    assert [(x.retailer_id, x.facts["scores"]) for x in rows] == [(world.shop.id, [104, 101, 98])]


def test_scope_county_city_and_other_county(world, clock, signed_in, make_user):
    clock(DAY)
    suspected_record(world.shop, DAY - timedelta(days=3))
    suspected_record(world.far, DAY - timedelta(days=3))
    run_jobs("warnings.raise")
    mine = _warnings(retailer_id=world.shop.id)[0].id
    theirs = _warnings(retailer_id=world.far.id)[0].id
    here = signed_in(world.sup)
    assert [x["id"] for x in here.get("/api/warnings").get_json()] == [mine]
    assert here.get(f"/api/warnings/{theirs}").status_code == 404
    assert here.get(f"/warnings/{theirs}").status_code == 404
    assert here.post(f"/api/warnings/{theirs}/act", json={"owner_id": world.sup.id,
                                                           "action": "guidance"}).status_code == 404
    assert len(signed_in(world.city).get("/api/warnings").get_json()) == 2
    page = here.get("/warnings?status=open&kind=suspected").get_data(as_text=True)
    assert "华兴便利店" in page and "别家超市" not in page
    assert "华兴便利店" not in here.get("/warnings?older_than=30").get_data(as_text=True)
    insp = signed_in(world.inspector)
    assert insp.get("/warnings").status_code == 403
    # An owner from another county is refused.
    r = here.post(f"/api/warnings/{mine}/act", json={"owner_id": world.other.id, "action": "guidance"})
    assert r.status_code == 422 and "owner_id" in r.get_json()["errors"]


def test_page_forms_refuse_field_by_field_and_keep_the_input(world, clock, signed_in):
    clock(DAY)
    suspected_record(world.shop, DAY - timedelta(days=3))
    run_jobs("warnings.raise")
    wid = _warnings()[0].id
    s = signed_in(world.sup)
    r = s.post(f"/warnings/{wid}/act", data={"action": "licence_check", "action_note": "已电话联系店主"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422
    assert 'data-testid="error-owner_id"' in page and 'data-testid="error-action"' in page
    assert "已电话联系店主" in page
    assert _warnings()[0].action is None
    # Closing before any action is refused too.
    r = s.post(f"/warnings/{wid}/close", data={"outcome": "resolved", "close_note": "无"})
    assert r.status_code == 422 and "关闭预警前请先采取处置措施" in r.get_data(as_text=True)
    assert _warnings()[0].status == "open"


def test_act_then_close_with_outcome_is_audited(world, clock, signed_in):
    clock(DAY)
    suspected_record(world.shop, DAY - timedelta(days=3))
    run_jobs("warnings.raise")
    wid = _warnings()[0].id
    s = signed_in(world.sup)
    r = s.post(f"/warnings/{wid}/act", data={"owner_id": str(world.inspector.id), "action": "interview",
                                            "action_note": "约谈店主"})
    assert r.status_code == 302
    r = s.post(f"/warnings/{wid}/close", data={"outcome": "resolved", "close_note": ""})
    assert r.status_code == 422 and 'data-testid="error-close_note"' in r.get_data(as_text=True)
    r = s.post(f"/warnings/{wid}/close", data={"outcome": "resolved", "close_note": "约谈后已整改"})
    assert r.status_code == 302
    w = _warnings()[0]
    assert (w.status, w.outcome, w.owner_id, w.action, w.open_key) == ("closed", "resolved", world.inspector.id,
                                                                        "interview", None)
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "EarlyWarning",
                                                                      AuditEntry.target_id == str(wid))
                                      .order_by(AuditEntry.id)))
    assert actions == ["warning.act", "warning.close"]
    page = s.get(f"/warnings/{wid}").get_data(as_text=True)
    assert "约谈后已整改" in page


def test_guidance_tells_the_retailer_without_internal_detail(world, clock, signed_in):
    clock(DAY)
    suspected_record(world.shop, DAY - timedelta(days=3))
    run_jobs("warnings.raise")
    wid = _warnings()[0].id
    s = signed_in(world.sup)
    assert s.post(f"/api/warnings/{wid}/act", json={"owner_id": world.sup.id, "action": "guidance"}).status_code == 200
    notes = list(db.session.scalars(select(Notice).where(Notice.user_id == world.owner_account.id)))
    assert len(notes) == 1
    n = notes[0]
    assert n.kind == "warning_guidance" and "华兴便利店" in n.title
    assert "疑似" not in n.body and "ZM01" not in n.body and str(wid) not in n.body
    assert n.body  # the readable reason, in Chinese
    # A second action is refused: the notice is not sent twice.
    r = s.post(f"/api/warnings/{wid}/act", json={"owner_id": world.sup.id, "action": "guidance"})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count(Notice.id)).where(Notice.user_id == world.owner_account.id)) == 1


def test_licence_check_action_opens_the_verification_task(world, clock, signed_in, make_retailer):
    clock(DAY)
    visit(world.shop, world.inspector, world.second, DAY - timedelta(days=50), outcome="closed")
    visit(world.shop, world.inspector, world.second, DAY - timedelta(days=5), outcome="closed")
    suspected_record(world.clean, DAY - timedelta(days=3))
    run_jobs("warnings.raise")
    absent = _warnings(kind="shop_absent")[0]
    other = _warnings(kind="suspected")[0]
    s = signed_in(world.sup)
    r = s.post(f"/api/warnings/{other.id}/act", json={"owner_id": world.sup.id, "action": "licence_check"})
    assert r.status_code == 422 and "action" in r.get_json()["errors"]
    r = s.post(f"/api/warnings/{absent.id}/act", json={"owner_id": world.sup.id, "action": "licence_check"})
    assert r.status_code == 200
    checks = list(db.session.scalars(select(LicenceCheck)))
    assert len(checks) == 1 and checks[0].reason == "early_warning" and checks[0].retailer_id == world.shop.id
    assert r.get_json()["licence_check_id"] == checks[0].id
    assert len(checks[0].inspection_ids) == 2


def test_a_check_finding_the_shop_gone_proposes_cancellation_for_a_supervisor_to_decide(world, clock, signed_in):
    from app.retailers.models import Retailer

    clock(DAY)
    visit(world.shop, world.inspector, world.second, DAY - timedelta(days=50), outcome="not_found")
    visit(world.shop, world.inspector, world.second, DAY - timedelta(days=5), outcome="closed")
    run_jobs("warnings.raise")
    wid = _warnings(kind="shop_absent")[0].id
    s = signed_in(world.sup)
    check_id = s.post(f"/api/warnings/{wid}/act", json={"owner_id": world.sup.id,
                                                        "action": "licence_check"}).get_json()["licence_check_id"]
    r = s.post(f"/api/licence-checks/{check_id}/close", json={"outcome": "closed_down", "note": "门面已转租他人"})
    assert r.status_code == 200 and r.get_json()["cancellation"] == "proposed"
    assert db.session.get(Retailer, world.shop.id).status == "active"  # proposed only: nobody decided yet
    r = s.post(f"/licence-checks/{check_id}/cancellation", data={"decision": "cancel"})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="error-cancellation_note"' in page
    db.session.expire_all()
    assert db.session.get(Retailer, world.shop.id).status == "active"
    r = s.post(f"/licence-checks/{check_id}/cancellation",
               data={"decision": "cancel", "cancellation_note": "淮烟专注〔2026〕5号"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Retailer, world.shop.id).status == "cancelled"
    check = db.session.get(LicenceCheck, check_id)
    assert (check.cancellation, check.cancellation_decided_by_id) == ("cancelled", world.sup.id)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"retailer.cancel", "licence_check.cancellation"} <= actions
    r = s.post(f"/licence-checks/{check_id}/cancellation", data={"decision": "keep", "cancellation_note": "x"})
    assert r.status_code == 409
    r = s.post(f"/api/licence-checks/{check_id}/cancellation", json={"decision": "keep", "note": "x"})
    assert r.status_code == 409
    # A check that found the shop trading proposes nothing.
    assert s.post(f"/api/licence-checks/{check_id}/close", json={"outcome": "trading", "note": "x"}).status_code == 422
