"""信息告知 for rectifications: the retailer is told what to correct and by when, warned before the
deadline and told when it has passed (supervisors too); each once."""
from datetime import timedelta

from sqlalchemy import select

from app.common.time import local_today
from app.extensions import db
from app.inspections.models import RectificationItem
from app.notices.models import Notice, SmsOutbox
from app.notices.services import warn_rectifications
from tests.conftest import COUNTY
from tests.inspections.conftest import capture


def _notices(user):
    return [(n.kind, n.title) for n in db.session.scalars(select(Notice).where(Notice.user_id == user.id)
                                                          .order_by(Notice.id))]


def test_ordered_rectification_is_told_then_warned_then_overdue(app, field, make_user):
    owner = make_user("retailer", COUNTY, username="shop_owner", retailers=[field.shop])
    sup = make_user("supervisor", COUNTY, username="sup_rect")
    today = local_today()
    deadline = today + timedelta(days=7)
    body = capture(field.shop, field.second, rectifications=[{"description": "悬挂许可证", "deadline":
                                                               deadline.isoformat()}])
    assert field.session.post("/api/inspections", json=body).status_code == 201
    assert _notices(owner) == [("rectification", f"整改通知：请于 {deadline.isoformat()} 前完成整改")]
    assert db.session.scalars(select(SmsOutbox.text)).all()  # the SMS adapter point recorded it

    assert warn_rectifications(today) == 0  # not yet near
    assert warn_rectifications(deadline - timedelta(days=2)) == 1
    warn_rectifications(deadline - timedelta(days=1))  # the same state: no second notice
    assert [k for k, _t in _notices(owner)] == ["rectification", "rectification"]
    assert warn_rectifications(deadline + timedelta(days=1)) == 1
    titles = [t for _k, t in _notices(owner)]
    assert titles[-1] == f"整改期限已过（{deadline.isoformat()}）"
    assert [k for k, _t in _notices(sup)] == ["deadline"]
    # Once verified as done, no more warnings.
    item = db.session.scalars(select(RectificationItem)).one()
    item.status = "done"
    db.session.commit()
    assert warn_rectifications(deadline + timedelta(days=5)) == 0


def test_the_daily_command_runs_both_warnings(app, field, make_user):
    make_user("retailer", COUNTY, username="shop_owner2", retailers=[field.shop])
    body = capture(field.shop, field.second, rectifications=[{"description": "补挂标识", "deadline":
                                                               (local_today() + timedelta(days=1)).isoformat()}])
    assert field.session.post("/api/inspections", json=body).status_code == 201
    result = app.test_cli_runner().invoke(args=["notices", "deadlines"], catch_exceptions=False)
    assert "rectifications 1" in result.output
