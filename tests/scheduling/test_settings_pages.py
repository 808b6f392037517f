"""The supervisor's page for inspectors' capacity and days off, and the admin's page for scheduling
policy versions: saves, Chinese per-field errors with HTTP 422 (nothing written), and the planner
respecting what was saved."""
from datetime import timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.time import local_today
from app.extensions import db
from app.scheduling import planning, settings
from app.scheduling.models import InspectorSetting, SchedulingPolicy, Visit
from app.scheduling.workdays import workdays
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.scheduling.conftest import next_month_start

ZH = {"Accept-Language": "zh-CN"}


def _audit_count():
    return db.session.scalar(select(func.count(AuditEntry.seq)))


def test_inspector_list_shows_capacity_and_days_off(county, signed_in, make_user):
    sup = signed_in(county["supervisor"])
    insp = county["inspectors"][0]
    day = next_month_start() + timedelta(days=3)
    settings.set_inspector(insp, daily_capacity=4, days_off=[day])
    db.session.commit()
    page = sup.get("/inspectors", headers=ZH).get_data(as_text=True)
    assert insp.display_name in page and "每天 4 户" in page and day.isoformat() in page
    assert "默认" in page  # the others use the policy's default
    # another county's supervisor sees only their own county (none of these inspectors)
    other = signed_in(make_user("supervisor", OTHER_COUNTY))
    assert f'data-inspector="{insp.id}"' not in other.get("/inspectors").get_data(as_text=True)
    assert other.get(f"/inspectors/{insp.id}").status_code == 404


def test_capacity_and_days_off_form_saves_and_the_planner_respects_it(county, signed_in):
    sup = signed_in(county["supervisor"])
    start = next_month_start()
    days = workdays(start, start + timedelta(days=20))
    a, b = county["inspectors"][0], county["inspectors"][1]
    r = sup.post(f"/inspectors/{a.id}", headers=ZH, data={
        "daily_capacity": "2", "days_off": f"{days[0].isoformat()}\n{days[1].isoformat()}",
        "add_from": days[3].isoformat(), "add_to": days[5].isoformat()})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    db.session.expire_all()
    row = db.session.get(InspectorSetting, a.id)
    expected = {days[0], days[1]} | {days[3] + timedelta(days=k) for k in range((days[5] - days[3]).days + 1)}
    assert row.daily_capacity == 2 and row.days_off == sorted(d.isoformat() for d in expected)
    # a range removes days again
    r = sup.post(f"/inspectors/{a.id}", headers=ZH, data={
        "daily_capacity": "2", "days_off": "\n".join(row.days_off),
        "remove_from": days[0].isoformat(), "remove_to": days[0].isoformat()})
    assert r.status_code == 302
    db.session.expire_all()
    off = set(db.session.get(InspectorSetting, a.id).days_off)
    assert days[0].isoformat() not in off and days[1].isoformat() in off
    assert sup.post(f"/inspectors/{b.id}", data={"daily_capacity": "1", "days_off": ""}).status_code == 302

    plan = planning.create_plan(county["supervisor"], COUNTY, "month", start)
    db.session.commit()
    per_day = {}
    for v in plan.visits:
        for oid in (v.officer_a_id, v.officer_b_id):
            per_day[(oid, v.planned_on)] = per_day.get((oid, v.planned_on), 0) + 1
        assert not (a.id in (v.officer_a_id, v.officer_b_id) and v.planned_on.isoformat() in off), v.planned_on
    assert max((n for (oid, _d), n in per_day.items() if oid == a.id), default=0) <= 2
    assert max((n for (oid, _d), n in per_day.items() if oid == b.id), default=0) <= 1


def test_bad_availability_input_gives_422_with_chinese_field_errors_and_writes_nothing(county, signed_in):
    sup = signed_in(county["supervisor"])
    insp = county["inspectors"][0]
    settings.set_inspector(insp, daily_capacity=5, days_off=[])
    db.session.commit()
    before = _audit_count()
    for data, field, text in [
        ({"daily_capacity": "0", "days_off": ""}, "daily_capacity", "1 到 30"),
        ({"daily_capacity": "abc", "days_off": ""}, "daily_capacity", "1 到 30"),
        ({"daily_capacity": "31", "days_off": ""}, "daily_capacity", "1 到 30"),
        ({"daily_capacity": "4", "days_off": "2026-13-01\n明天"}, "days_off", "2026-13-01"),
        ({"daily_capacity": "4", "days_off": "", "add_from": "2026-12-10", "add_to": "2026-12-01"}, "add_to",
         "结束日期不能早于开始日期"),
        ({"daily_capacity": "4", "days_off": "", "add_from": "12/10"}, "add_from", "日期"),
    ]:
        r = sup.post(f"/inspectors/{insp.id}", headers=ZH, data=data)
        page = r.get_data(as_text=True)
        assert r.status_code == 422, (data, r.status_code)
        assert f'data-testid="error-{field}"' in page and text in page, (data, page[:3000])
        assert "未保存" in page
        for key, value in data.items():  # the input is kept
            if value and key != "days_off":
                assert f'value="{value}"' in page, (key, value)
    db.session.expire_all()
    row = db.session.get(InspectorSetting, insp.id)
    assert (row.daily_capacity, row.days_off) == (5, [])
    assert _audit_count() == before


def test_saving_days_off_lists_already_planned_visits_that_no_longer_fit(county, plan, signed_in):
    sup = signed_in(county["supervisor"])
    v = sorted(plan.visits, key=lambda v: (v.planned_on, v.id))[0]
    r = sup.post(f"/inspectors/{v.officer_a_id}", headers=ZH,
                 data={"daily_capacity": "6", "days_off": v.planned_on.isoformat()}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and v.planned_on.isoformat() in page and "已安排" in page


def test_policy_page_shows_the_version_in_force_and_an_admin_adds_a_new_one(county, signed_in, make_user):
    admin = signed_in(make_user("admin"))
    page = admin.get("/scheduling/policy", headers=ZH).get_data(as_text=True)
    current = settings.policy_row()
    old_id, old_version, old_data = current.id, current.version, dict(current.data)
    assert old_version in page and 'data-testid="policy-form"' in page
    from app.org.models import OrgUnit
    from app.scheduling.forms import policy_form_values

    counties = list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county")))
    form = policy_form_values(settings.active_policy(), counties)
    effective = local_today() + timedelta(days=10)
    form.update(version="2099.1-s1", effective_from=effective.isoformat(), interval_D="7", share_D="50",
                **{f"hours_{COUNTY}_start": "09:00", f"hours_{COUNTY}_end": "17:00"})
    r = admin.post("/scheduling/policy", headers=ZH, data=form)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    db.session.expire_all()
    new = db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.version == "2099.1-s1")).one()
    assert new.effective_from == effective and new.data["grades"]["D"] == {"interval_days": 7, "draw_share": 0.5}
    assert new.data["hours"][COUNTY] == ["09:00", "17:00"] and new.created_by_id is not None
    old = db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.version == old_version)).one()
    assert old_id is None  # the default was only read by the page, stored when the admin added a version
    # the old version remains, unchanged
    assert old.version == old_version and old.data == old_data
    assert settings.active_policy(local_today()).version == old_version
    assert settings.active_policy(effective).interval("D") == 7
    page = admin.get("/scheduling/policy", headers=ZH).get_data(as_text=True)
    assert "2099.1-s1" in page and old_version in page
    # supervisors see the policy but cannot save a version
    sup = signed_in(county["supervisor"])
    page = sup.get("/scheduling/policy", headers=ZH).get_data(as_text=True)
    assert old_version in page and 'data-testid="policy-form"' not in page
    assert sup.post("/scheduling/policy", data=dict(form, version="2099.1-s2")).status_code == 403


def test_bad_policy_input_gives_422_with_chinese_field_errors_and_writes_nothing(county, signed_in, make_user):
    admin = signed_in(make_user("admin"))
    admin.get("/scheduling/policy")
    from app.org.models import OrgUnit
    from app.scheduling.forms import policy_form_values

    counties = list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county")))
    good = policy_form_values(settings.active_policy(), counties)
    good.update(version="2099.2-s1", effective_from=(local_today() + timedelta(days=1)).isoformat())
    n_versions = db.session.scalar(select(func.count(SchedulingPolicy.id)))
    before = _audit_count()
    for change, field, text in [
        ({"interval_C": "0"}, "interval_C", "1 到 3650"),
        ({"share_B": "150"}, "share_B", "0 到 100"),
        ({"share_B": "十"}, "share_B", "0 到 100"),
        ({"effective_from": (local_today() - timedelta(days=1)).isoformat()}, "effective_from", "不能早于今天"),
        ({"effective_from": "明年"}, "effective_from", "日期"),
        ({"version": ""}, "version", "版本"),
        ({"version": settings.policy_row().version}, "version", "已存在"),
        ({"default_capacity": "0"}, "default_capacity", "1 到 30"),
        ({f"hours_{COUNTY}_end": "08:00"}, f"hours_{COUNTY}_end", "晚于"),
        ({f"hours_{COUNTY}_start": "8点"}, f"hours_{COUNTY}_start", "08:30"),
    ]:
        r = admin.post("/scheduling/policy", headers=ZH, data=dict(good, **change))
        page = r.get_data(as_text=True)
        assert r.status_code == 422, (change, r.status_code)
        assert f'data-testid="error-{field}"' in page and text in page, (change, page[-4000:])
        value = next(iter(change.values()))
        if value:
            assert f'value="{value}"' in page, change  # the input is kept
    assert db.session.scalar(select(func.count(SchedulingPolicy.id))) == n_versions
    assert _audit_count() == before


def test_an_inspector_and_a_marketer_cannot_reach_the_settings(county, signed_in, make_user):
    insp = signed_in(county["inspectors"][0])
    assert insp.get("/inspectors").status_code == 403
    assert insp.get(f"/inspectors/{county['inspectors'][1].id}").status_code == 403
    assert insp.get("/scheduling/policy").status_code == 403
    assert db.session.scalar(select(func.count(Visit.id))) == 0


def test_a_plan_uses_the_version_in_force_on_its_first_day(county, make_user):
    start = next_month_start()
    data = settings.active_policy().to_dict()
    data.update(version="next-s1", default_capacity=1)
    settings.add_policy_version(data, start, make_user("admin"))
    db.session.commit()
    plan = planning.create_plan(county["supervisor"], COUNTY, "month", start)
    db.session.commit()
    assert plan.policy_version == "next-s1" and plan.draws[0].policy_version == "next-s1"
    per_day = {}
    for v in plan.visits:
        for oid in (v.officer_a_id, v.officer_b_id):
            per_day[(oid, v.planned_on)] = per_day.get((oid, v.planned_on), 0) + 1
    assert max(per_day.values()) == 1  # the new default capacity
    assert settings.active_policy().version != "next-s1"  # not yet in force today


def test_the_pages_in_english(county, signed_in, make_user):
    sup = signed_in(county["supervisor"])
    page = sup.get("/inspectors?lang=en").get_data(as_text=True)
    assert "Inspectors: capacity and days off" in page and "6 visits a day" in page
    r = sup.post(f"/inspectors/{county['inspectors'][0].id}?lang=en", data={"daily_capacity": "x"})
    assert r.status_code == 422 and "from 1 to 30" in r.get_data(as_text=True)
    admin = signed_in(make_user("admin"))
    page = admin.get("/scheduling/policy?lang=en").get_data(as_text=True)
    assert "Scheduling policy" in page and "Save as a new version" in page


def test_an_admin_names_a_one_supervisor_county_on_the_policy_form(county, signed_in, make_user):
    """The four-eyes exception is a policy setting: ticked per county on the form, saved as a new
    (audited) version, shown on the page, and kept as ticked when the next version starts from it."""
    from app.org.models import OrgUnit
    from app.scheduling.forms import policy_form_values

    admin = signed_in(make_user("admin", None, username="admin_fe2"))
    counties = list(db.session.scalars(select(OrgUnit).where(OrgUnit.level == "county")))
    form = policy_form_values(settings.active_policy(), counties)
    assert not any(k.startswith("self_approval_") for k in form)
    form.update(version="2099.3-s1", effective_from=local_today().isoformat(), **{f"self_approval_{COUNTY}": "1"})
    r = admin.post("/scheduling/policy", headers=ZH, data=form)
    assert r.status_code == 302, r.get_data(as_text=True)[-2000:]
    row = db.session.scalars(select(SchedulingPolicy).where(SchedulingPolicy.version == "2099.3-s1")).one()
    assert row.data["self_approval"] == [COUNTY]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "scheduling.policy.create")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.after["self_approval"] == [COUNTY]
    page = admin.get("/scheduling/policy", headers=ZH).get_data(as_text=True)
    name = next(u.name for u in counties if u.code == COUNTY)
    assert "允许起草人自行审核的县区" in page and name in page
    assert f'name="self_approval_{COUNTY}" value="1" checked' in page
