"""信息告知 for warning interviews (警示约谈): announced to the retailer when the task is created and
again when an approved plan fixes the day; unannounced random checks are never told."""
from sqlalchemy import select

from app.extensions import db
from app.notices.models import Notice
from app.scheduling import planning, replan
from app.scheduling.models import Visit
from tests.conftest import COUNTY
from tests.scheduling.conftest import grade_event


def _titles(user):
    return [n.title for n in db.session.scalars(select(Notice).where(Notice.user_id == user.id,
                                                                      Notice.kind == "interview")
                                                 .order_by(Notice.id))]


def test_interview_task_then_its_day_are_told_and_checks_are_not(county, plan, make_user):
    shop = next(s for s in county["shops"] if county["grades"][s.id] == "A")
    owner = make_user("retailer", COUNTY, username="owner_iv", retailers=[shop])
    checked = next(v for v in plan.visits if v.retailer_id != shop.id)
    other_owner = make_user("retailer", COUNTY, username="owner_chk",
                            retailers=[next(s for s in county["shops"] if s.id == checked.retailer_id)])
    today = plan.period_start
    grade_event(shop.id, "A", "B", today)
    replan.consume_grade_changes(today=today)
    db.session.commit()
    iv = db.session.scalars(select(Visit).where(Visit.retailer_id == shop.id, Visit.kind == "interview")).one()
    assert _titles(owner) == [f"警示约谈通知：将于 {iv.due_on.isoformat()} 前进行约谈"]
    planning.approve(plan, county["approver"])
    db.session.commit()
    db.session.refresh(iv)
    assert iv.status == "approved"
    assert _titles(owner)[-1] == f"警示约谈通知：约谈安排在 {iv.planned_on.isoformat()}"
    assert len(_titles(owner)) == 2
    assert db.session.scalars(select(Notice).where(Notice.user_id == other_owner.id)).all() == []
