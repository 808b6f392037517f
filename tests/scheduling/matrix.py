"""The scheduling objects the access matrix needs (tests/auth/test_access_matrix.py): a draft plan
and an approved plan in the owner's county, made once per world."""
from datetime import timedelta

from app.auth.models import User
from app.extensions import db
from tests.conftest import COUNTY


def sched(w, key):
    if "sched" not in w:
        from app.scheduling import planning
        from tests.scheduling.conftest import next_month_start

        sup = w["users"]["sup_county"]
        start = next_month_start()
        # The approved plan first, with the county's two inspectors (so "inspector" has a visit);
        # then two more inspectors, so the later draft can send another pair (never the same twice).
        approved = planning.create_plan(None, COUNTY, "month", start)  # made on the command line
        planning.approve(approved, sup, acknowledge_unofficial_calendar=True)  # not about the calendar
        db.session.commit()
        for k in range(2):
            db.session.add(User(username=f"sched_insp_{k}", display_name="检查员", role="inspector",
                                unit_id=w["users"]["inspector"].unit_id, password_hash="x", is_enabled=True))
        db.session.commit()
        # The draft is drafted by a third supervisor of the county, so either supervisor principal may
        # approve it (four eyes: never the one who drafted it).
        drafter = User(username="sched_drafter", display_name="起草人", role="supervisor", unit_id=sup.unit_id,
                       password_hash="x", is_enabled=True)
        db.session.add(drafter)
        db.session.commit()
        later = (start + timedelta(days=40)).replace(day=1)
        draft = planning.create_plan(drafter, COUNTY, "month", later)
        db.session.commit()
        mine = next(v for v in approved.visits if w["users"]["inspector"].id in (v.officer_a_id, v.officer_b_id))
        # A week after both plans: plans of one county never overlap (tests/scheduling/test_overlap.py).
        first = sorted(draft.visits, key=lambda v: (v.planned_on, v.officer_a_id, v.officer_b_id, v.route_order))[0]
        w["sched"] = {"plan": draft.id, "visit": draft.visits[0].id, "approved_visit": mine.id,
                      "visit_day": first.planned_on.isoformat(),
                      "draw": draft.draws[0].id, "week": (later + timedelta(days=45)).isoformat()}
    return w["sched"][key]


def policy_form(w):
    """A valid form for a new scheduling policy version (the admin's page), from the version in force."""
    from app.common.time import local_today
    from app.org.models import OrgUnit
    from app.scheduling import settings
    from app.scheduling.forms import policy_form_values
    from sqlalchemy import select

    counties = list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county")))
    values = policy_form_values(settings.active_policy(), counties)
    db.session.commit()
    values.update(version="matrix-s9", effective_from=local_today().isoformat())
    return values
