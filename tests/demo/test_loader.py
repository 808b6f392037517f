"""`flask demo load`: 2,000 retailers load, deterministically for a seed; a second load refuses or resets."""
import hashlib
from datetime import date

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Operator, Retailer


TODAY = date(2026, 11, 29)  # the clock is pinned here: the demo is anchored to it


def _digest():
    rows = db.session.execute(
        select(Retailer.licence_no, Retailer.shop_name, Retailer.operator_name, Retailer.phone, Retailer.address,
               Retailer.lat, Retailer.lng, OrgUnit.code, Retailer.market_type, Retailer.business_format,
               Retailer.licence_issued_on, Retailer.licence_expires_on, Retailer.status, Retailer.tier,
               Operator.id_hash)
        .join(OrgUnit, Retailer.unit_id == OrgUnit.id).join(Operator, Retailer.operator_id == Operator.id)
        .order_by(Retailer.licence_no)).all()
    users = db.session.execute(select(User.username, User.role, User.display_name).order_by(User.username)).all()
    # the past inspections (who, where, when, what) and the published quarter's grades
    from sqlalchemy.orm import aliased

    from app.evaluation.models import EvaluationRow, EvaluationRun
    from app.inspections.models import Inspection

    first, second = aliased(User), aliased(User)
    inspections = db.session.execute(
        select(Retailer.licence_no, Inspection.occurred_on, Inspection.outcome, first.username, second.username,
               Inspection.started_at, Inspection.lat, Inspection.lng, Inspection.signature_status,
               Inspection.content_hash, Inspection.client_uuid)
        .join(Retailer, Inspection.retailer_id == Retailer.id).join(first, Inspection.inspector_id == first.id)
        .join(second, Inspection.second_officer_id == second.id)
        .order_by(Inspection.occurred_on, Retailer.licence_no, Inspection.started_at)).all()
    assert inspections
    # (not the inputs hash: it covers database ids, which PostgreSQL's sequences do not repeat after a reset)
    runs = db.session.execute(select(EvaluationRun.quarter, EvaluationRun.status, EvaluationRun.retailer_count,
                                     EvaluationRun.published_at, EvaluationRun.objection_closes_on)
                              .order_by(EvaluationRun.quarter, EvaluationRun.status)).all()
    # the demo publishes two quarters: each licence has a row in each (ordered, PostgreSQL keeps no order)
    grades = db.session.execute(
        select(Retailer.licence_no, EvaluationRun.quarter, EvaluationRow.grade, EvaluationRow.score)
        .join(Retailer, EvaluationRow.retailer_id == Retailer.id).join(EvaluationRun, EvaluationRow.run_id == EvaluationRun.id)
        .order_by(Retailer.licence_no, EvaluationRun.quarter)).all()
    assert runs and grades
    return hashlib.sha256(repr((rows, users, inspections, runs, grades)).encode()).hexdigest()


def test_demo_load_2000_is_deterministic_and_refuses_a_second_load(app, clock):
    clock(TODAY)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load", "--seed", "7", "--retailers", "2000"])
    assert first.exit_code == 0, first.output
    assert "loaded 2000 retailers" in first.output
    assert "Demo-2026" in first.output and "admin" in first.output and "retailer_demo" in first.output
    assert db.session.scalar(select(func.count(Retailer.id))) == 2000
    # every role has users; the ID numbers are not stored in clear
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"admin", "supervisor", "inspector", "marketer", "retailer", "partner", "mkt_supervisor",
                     "ordering"}
    digest_a = _digest()
    assert all(len(h) == 64 for h in db.session.scalars(select(Operator.id_hash)))

    again = runner.invoke(args=["demo", "load", "--seed", "7", "--retailers", "2000"])
    assert again.exit_code == 2 and "--reset" in again.output
    assert db.session.scalar(select(func.count(Retailer.id))) == 2000  # nothing half-loaded

    idle = runner.invoke(args=["demo", "load", "--if-empty", "--seed", "7", "--retailers", "2000"])
    assert idle.exit_code == 0 and "already loaded" in idle.output and "Demo-2026" in idle.output

    reset = runner.invoke(args=["demo", "load", "--reset", "--seed", "7", "--retailers", "2000"])
    assert reset.exit_code == 0, reset.output
    db.session.expire_all()
    assert _digest() == digest_a  # same seed, same city

    other = runner.invoke(args=["demo", "load", "--reset", "--seed", "8", "--retailers", "2000"])
    assert other.exit_code == 0
    db.session.expire_all()
    assert _digest() != digest_a

    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_demo_users_can_sign_in(app, clock):
    clock(TODAY)
    from tests.conftest import Session

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load", "--seed", "7", "--retailers", "300"]).exit_code == 0
    s = Session(app.test_client())
    assert s.login("retailer_demo", "Demo-2026").status_code == 302
    s.csrf()
    mine = s.get("/api/me/retailers").get_json()
    assert len(mine) >= 1
    assert all("operator_id" not in r for r in mine)


def test_the_demo_retailer_was_told_when_things_happened(app, clock):
    clock(TODAY)
    """The notices of the demo retailer carry the day of the record, grade change and publication,
    not the moment of the load; their objection windows have closed, as in a city already running."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.common.time import to_local
    from app.credit.models import CreditRecord
    from app.extensions import db
    from app.notices.models import Notice

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load", "--seed", "7", "--retailers", "300"]).exit_code == 0
    demo = db.session.scalars(select(User).where(User.username == "retailer_demo")).one()
    notices = {n.kind: n for n in db.session.scalars(select(Notice).where(Notice.user_id == demo.id))}
    record = db.session.get(CreditRecord, int(notices["new_record"].dedupe_key.split(":")[1]))
    assert to_local(notices["new_record"].created_at).date() == record.decided_on
    assert to_local(record.recorded_at).date() == record.decided_on
    from app.evaluation.models import EvaluationRun

    run = db.session.scalars(select(EvaluationRun).where(EvaluationRun.status == "published")
                             .order_by(EvaluationRun.quarter.desc())).first()
    assert notices["official_grade"].created_at == run.published_at
    if "grade_changed" in notices:
        assert to_local(notices["grade_changed"].created_at).date() == record.decided_on
