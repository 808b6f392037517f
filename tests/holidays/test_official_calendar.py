"""The official calendar as data: the seeded years, a year nobody has entered (2027 here) counted Monday
to Friday and said so on deadlines and plans, the admin's entry and import (bad input kept, one
transaction, audited), the approval acknowledgement, the November reminder, the cache."""
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common import workdays
from app.common.workdays import add_working_days, is_working_day, year_has_official_schedule
from app.extensions import db
from app.holidays import services
from app.holidays.models import CalendarDay, CalendarYear
from tests.background import run_jobs
from tests.conftest import COUNTY
from tests.scheduling.conftest import set_grade

ZH = {"Accept-Language": "zh-CN"}
NOTE_2027 = "2027年官方节假日安排尚未录入，期限按周一至周五推算"
# A schedule for 2027 as an admin would copy it from the State Council's notice (test data).
HOLIDAYS_2027 = "2027-01-01 2027-01-03 元旦\n2027-02-06~2027-02-13 春节\n2027-04-05 清明节"
WORKDAYS_2027 = "2027-02-20 春节"
SOURCE_2027 = "国办发明电〔2026〕7号"


def enter_2027(client):
    return client.post("/admin/calendar/2027", headers=ZH, data={
        "source": SOURCE_2027, "holidays": HOLIDAYS_2027, "workdays": WORKDAYS_2027, "csrf_token": client._csrf})


@pytest.fixture
def admin(make_user, signed_in):
    """admin() -> a client signed in as the admin now (sign in after moving the clock: sessions expire)."""
    user = make_user("admin", username="calendar_admin")
    return lambda: signed_in(user)


@pytest.fixture
def county(make_retailer, make_user):
    shops = [make_retailer(shop_name=f"华兴便利{i}号店", lat=33.60 + i / 300, lng=119.02) for i in range(10)]
    for i, s in enumerate(shops):
        set_grade(s.id, "C" if i < 3 else "A")
    for k in range(4):
        make_user("inspector", COUNTY, username=f"cal_insp_{k}")
    return {"shops": shops, "sup": make_user("supervisor", COUNTY, username="cal_sup")}


# ---- the seeded calendar ------------------------------------------------------------------------------

def test_the_migration_seeds_the_years_the_library_ships(app):
    assert year_has_official_schedule(2026) and year_has_official_schedule(2004)
    assert not year_has_official_schedule(2027)
    row = db.session.get(CalendarYear, 2026)
    assert row.origin == "package" and row.entered_by_id is None
    days = {d.day: (d.kind, d.name) for d in services.year_days(2026)}
    assert days[date(2026, 2, 17)] == ("holiday", "春节") and days[date(2026, 10, 10)] == ("workday", "国庆节")
    assert not is_working_day(date(2026, 10, 1)) and is_working_day(date(2026, 9, 20))


def test_the_seed_command_restores_a_missing_year_the_same_way_and_never_replaces_one(app):
    from sqlalchemy import delete

    before = [(d.day, d.kind, d.name) for d in services.year_days(2025)]
    db.session.execute(delete(CalendarDay).where(CalendarDay.year == 2025))
    db.session.execute(delete(CalendarYear).where(CalendarYear.year == 2025))
    db.session.commit()
    assert not year_has_official_schedule(2025)
    out = app.test_cli_runner().invoke(args=["calendar", "seed"])
    assert out.exit_code == 0 and "seeded 1 years: 2025" in out.output, out.output
    db.session.expire_all()
    assert [(d.day, d.kind, d.name) for d in services.year_days(2025)] == before
    again = app.test_cli_runner().invoke(args=["calendar", "seed"])
    assert "seeded 0 years" in again.output


# ---- a year nobody has entered: said plainly, then followed once entered ---------------------------

def test_a_deadline_over_new_year_2027_skips_the_holiday_once_the_schedule_is_entered(app, admin, clock):
    clock(date(2026, 12, 28))
    start = date(2026, 12, 30)  # Wednesday
    # Monday-Friday while 2027 is unknown: Dec 31 (Thu), Jan 1 (Fri), Jan 4 (Mon)
    assert add_working_days(start, 3) == date(2027, 1, 4)
    assert workdays.unofficial_years(start, date(2027, 1, 4)) == [2027]
    with app.test_request_context(headers=ZH):
        assert workdays.deadline_note(start, date(2027, 1, 4)) == NOTE_2027
    r = enter_2027(admin())
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    db.session.rollback()  # the test's own transaction sees the request's commit
    assert year_has_official_schedule(2027)
    # 元旦 1-3 January: Dec 31, Jan 4, Jan 5
    assert add_working_days(start, 3) == date(2027, 1, 5)
    assert not is_working_day(date(2027, 2, 8)) and is_working_day(date(2027, 2, 20))  # 春节, 调休 Saturday
    assert workdays.unofficial_years(start, date(2027, 1, 5)) == []


def test_repair_and_objection_deadlines_say_so_and_are_recounted_when_the_year_is_entered(
        app, admin, clock, make_retailer, make_user, signed_in):
    from app.repair.models import Objection
    from app.repair.services import objection_deadline_note

    clock(date(2026, 12, 28))
    retailer = make_retailer()
    sup = make_user("supervisor", COUNTY, username="cal_sup_obj")
    submitted = date(2026, 12, 28)
    obj = Objection(retailer_id=retailer.id, reasons="记录有误，请核实。", told_on=submitted, submitted_on=submitted,
                    answer_due=add_working_days(submitted, 10), evidence_ids=[])
    db.session.add(obj)
    db.session.commit()
    # Monday-Friday: Dec 29, 30, 31, Jan 1, 4, 5, 6, 7, 8, 11
    assert obj.answer_due == date(2027, 1, 11)
    with app.test_request_context(headers=ZH):
        assert objection_deadline_note(obj) == NOTE_2027
    page = signed_in(sup).get(f"/supervise/objections/{obj.id}", headers=ZH).get_data(as_text=True)
    assert NOTE_2027 in page
    api = signed_in(sup).get("/api/objections", headers=ZH)  # the supervisor's inbox says the same
    assert api.status_code == 200 and [o["calendar_note"] for o in api.get_json()] == [NOTE_2027]

    assert enter_2027(admin()).status_code == 302
    db.session.rollback()
    obj = db.session.get(Objection, obj.id)
    # recounted with 元旦 off: Dec 29, 30, 31, Jan 4, 5, 6, 7, 8, 11, 12
    assert obj.answer_due == date(2027, 1, 12)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "objection.deadline.recount")).one()
    assert entry.target_id == str(obj.id) and entry.after["answer_due"] == "2027-01-12"
    assert signed_in(sup).get("/api/objections", headers=ZH).get_json()[0]["calendar_note"] == ""
    page = signed_in(sup).get(f"/supervise/objections/{obj.id}", headers=ZH).get_data(as_text=True)
    assert NOTE_2027 not in page and "2027-01-12" in page


def test_a_2027_plan_warns_until_2027_is_entered_and_approval_needs_the_acknowledgement(
        app, admin, county, clock, signed_in):
    from app.scheduling import planning
    from app.scheduling.models import InspectionPlan

    clock(date(2026, 12, 7))
    plan = planning.create_plan(None, COUNTY, "month", date(2027, 1, 4))
    db.session.commit()
    assert planning.unofficial_calendar_years(plan) == [2027]
    # counted Monday to Friday, Friday 1 January (元旦 once the notice is entered) holds visits
    assert date(2027, 1, 1) in {v.planned_on for v in plan.visits}
    sup = signed_in(county["sup"])
    page = sup.get(f"/plans/{plan.id}", headers=ZH).get_data(as_text=True)
    assert "2027年官方节假日安排尚未录入" in page and 'data-testid="acknowledge-calendar"' in page
    assert "2027" in sup.get("/plans", headers=ZH).get_data(as_text=True).split('data-testid="calendar-warning"')[1][:200]

    # the API refuses without the acknowledgement, field by field, in Chinese
    r = sup.post(f"/api/plans/{plan.id}/approve", headers=ZH, json={})
    assert r.status_code == 422, r.get_data(as_text=True)[:500]
    message = r.get_json()["errors"]["acknowledge_unofficial_calendar"][0]
    assert "2027" in message and "周一至周五" in message
    # so does the page: the plan page again, with the message next to the tick box
    r = sup.post(f"/plans/{plan.id}/approve", headers=ZH, data={"csrf_token": sup._csrf, "confirm": "1"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert 'data-testid="error-acknowledge_unofficial_calendar"' in body and "周一至周五" in body
    db.session.expire_all()
    assert db.session.get(InspectionPlan, plan.id).status == "draft"

    # entered: the warning goes; the draft's visit on a day now known as a holiday must be moved first
    assert enter_2027(admin()).status_code == 302
    db.session.rollback()  # a new transaction: the calendar is checked once per transaction
    plan = db.session.get(InspectionPlan, plan.id)
    assert planning.unofficial_calendar_years(plan) == []
    page = sup.get(f"/plans/{plan.id}", headers=ZH).get_data(as_text=True)
    assert "官方节假日安排尚未录入" not in page and 'data-testid="acknowledge-calendar"' not in page
    r = sup.post(f"/api/plans/{plan.id}/approve", headers=ZH, json={})
    assert r.status_code == 422
    assert "安排在 2027-01-01，该日不是工作日" in json.dumps(r.get_json(), ensure_ascii=False)
    # a plan made after the year was entered follows it and is approved without any acknowledgement
    march = planning.create_plan(None, COUNTY, "month", date(2027, 3, 1))
    db.session.commit()
    assert planning.unofficial_calendar_years(march) == []
    r = sup.post(f"/api/plans/{march.id}/approve", headers=ZH, json={})
    assert r.status_code == 200, r.get_data(as_text=True)[:500]


def test_approving_with_the_acknowledgement_is_recorded(app, county, clock, signed_in):
    from app.scheduling import planning
    from app.scheduling.models import InspectionPlan

    clock(date(2026, 12, 7))
    plan = planning.create_plan(None, COUNTY, "month", date(2027, 3, 1))
    db.session.commit()
    sup = signed_in(county["sup"])
    r = sup.post(f"/plans/{plan.id}/approve", headers=ZH,
                 data={"confirm": "1", "acknowledge_unofficial_calendar": "1", "csrf_token": sup._csrf})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    db.session.expire_all()
    assert db.session.get(InspectionPlan, plan.id).status == "approved"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "scheduling.plan.approve")).one()
    assert entry.after["unofficial_calendar_acknowledged"] == [2027]


def test_a_plan_inside_an_entered_year_needs_no_acknowledgement(app, county, clock):
    from app.scheduling import planning

    clock(date(2026, 10, 12))
    plan = planning.create_plan(None, COUNTY, "month", date(2026, 11, 2))
    db.session.commit()
    assert planning.unofficial_calendar_years(plan) == []
    planning.approve(plan, county["sup"])
    assert plan.status == "approved"


# ---- the admin's entry and import ---------------------------------------------------------------------

def test_bad_entry_keeps_the_input_names_each_fault_and_writes_nothing(app, admin):
    admin = admin()
    holidays = "2027-02-06 2027-02-13 春节\n2027-13-01 元旦\n2027-05-05 2027-05-01 劳动节\n胡乱写的一行"
    workdays_text = "2027-02-22 春节\n2027-02-07 春节"
    r = admin.post("/admin/calendar/2027", headers=ZH, data={
        "source": "", "holidays": holidays, "workdays": workdays_text, "csrf_token": admin._csrf})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    # the input is shown again as typed
    assert "2027-13-01 元旦" in page and "胡乱写的一行" in page and "2027-02-22 春节" in page
    for name in ("source", "holidays", "workdays"):
        assert f'data-testid="error-{name}"' in page
    assert "请填写安排所依据的文件" in page
    assert "第2行：日期不存在" in page and "第3行：最后一天早于第一天" in page and "第4行：请写明第一天" in page
    assert "第1行：2027-02-22 是工作日" in page  # a Monday is no adjusted working day
    assert "第2行：2027-02-07 同时被列为放假日" in page  # inside the Spring Festival range
    db.session.rollback()
    assert db.session.get(CalendarYear, 2027) is None
    assert db.session.scalar(select(func.count()).select_from(CalendarDay).where(CalendarDay.year == 2027)) == 0
    assert not db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("calendar.%"))).all()


def test_entry_is_audited_and_a_correction_keeps_before_and_after(app, admin):
    admin = admin()
    assert enter_2027(admin).status_code == 302
    r = admin.post("/admin/calendar/2027", headers=ZH, data={
        "source": SOURCE_2027, "holidays": HOLIDAYS_2027 + "\n2027-05-01 2027-05-05 劳动节",
        "workdays": WORKDAYS_2027 + "\n2027-04-25 劳动节", "csrf_token": admin._csrf})
    assert r.status_code == 302
    db.session.rollback()
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "calendar.enter")
                                      .order_by(AuditEntry.seq)))
    assert len(entries) == 2 and entries[0].before is None
    assert entries[1].before["holidays"] != entries[1].after["holidays"]
    assert ["2027-05-01", "2027-05-05", "劳动节"] in entries[1].after["holidays"]
    row = db.session.get(CalendarYear, 2027)
    assert row.origin == "entered" and row.source == SOURCE_2027 and row.entered_by.username == "calendar_admin"
    page = admin.get("/admin/calendar/2027", headers=ZH).get_data(as_text=True)
    assert "2027-05-01 2027-05-05 劳动节" in page  # the form shows the year as ranges, ready to correct
    listing = admin.get("/admin/calendar", headers=ZH).get_data(as_text=True)
    assert 'data-testid="calendar-year-2027"' in listing


def test_a_day_set_by_another_year_is_refused(app, admin):
    admin = admin()
    r = admin.post("/admin/calendar/2027", headers=ZH, data={
        "source": SOURCE_2027, "holidays": "2026-12-31 2027-01-02 元旦", "csrf_token": admin._csrf})
    assert r.status_code == 302  # 31 December 2026 is an ordinary day in the 2026 schedule: free to set
    r = admin.post("/admin/calendar/2027", headers=ZH, data={
        "source": SOURCE_2027, "holidays": "2026-12-01 2026-12-02 测试\n2027-01-01 元旦", "csrf_token": admin._csrf})
    assert r.status_code == 302
    r = admin.post("/admin/calendar/2026", headers=ZH, data={
        "source": "国办发明电〔2025〕7号", "holidays": "2026-12-01 测试\n2026-10-01 2026-10-07 国庆节",
        "csrf_token": admin._csrf})
    assert r.status_code == 422 and "2027" in r.get_data(as_text=True)


def test_import_csv_and_json(app, admin):
    admin = admin()
    csv_text = "kind,start,end,name\nholiday,2027-01-01,2027-01-03,元旦\nholiday,2027-02-06,2027-02-13,春节\n" \
               "workday,2027-02-20,,春节\n"
    r = admin.post("/admin/calendar/import", headers=ZH, content_type="multipart/form-data", data={
        "year": "2027", "source": SOURCE_2027, "csrf_token": admin._csrf,
        "file": (io.BytesIO(csv_text.encode("utf-8-sig")), "2027.csv")})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    db.session.rollback()
    row = db.session.get(CalendarYear, 2027)
    assert row.origin == "imported" and len(services.year_days(2027)) == 3 + 8 + 1
    doc = {"year": 2028, "source": "国办发明电〔2027〕5号",
           "holidays": [{"start": "2028-01-01", "end": "2028-01-03", "name": "元旦"}],
           "workdays": [{"date": "2028-01-08", "name": "元旦"}]}
    r = admin.post("/admin/calendar/import", headers=ZH, content_type="multipart/form-data", data={
        "csrf_token": admin._csrf, "file": (io.BytesIO(json.dumps(doc, ensure_ascii=False).encode()), "2028.json")})
    assert r.status_code == 302, r.get_data(as_text=True)[:800]
    db.session.rollback()
    assert db.session.get(CalendarYear, 2028).source == "国办发明电〔2027〕5号"
    assert is_working_day(date(2028, 1, 8)) and not is_working_day(date(2028, 1, 3))


def test_a_bad_import_names_the_lines_keeps_the_fields_and_writes_nothing(app, admin):
    admin = admin()
    csv_text = "kind,start,end,name\nholiday,2027-01-01,2027-01-03,元旦\nfeast,2027-02-06,,春节\n" \
               "workday,2027-02-31,,春节\n"
    r = admin.post("/admin/calendar/import", headers=ZH, content_type="multipart/form-data", data={
        "year": "2027", "source": SOURCE_2027, "csrf_token": admin._csrf,
        "file": (io.BytesIO(csv_text.encode()), "2027.csv")})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'data-testid="error-file"' in page and "第3行" in page and "第4行" in page
    assert SOURCE_2027 in page  # the typed fields are kept
    r = admin.post("/admin/calendar/import", headers=ZH, content_type="multipart/form-data",
                   data={"year": "2027", "source": SOURCE_2027, "csrf_token": admin._csrf})
    assert r.status_code == 422 and 'data-testid="error-file"' in r.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(CalendarYear, 2027) is None


def test_the_admin_pages_are_paginated_by_year(app, admin, clock):
    clock(date(2026, 12, 7))  # this year and next year head the page
    admin = admin()
    first = admin.get("/admin/calendar", headers=ZH).get_data(as_text=True)
    assert 'data-testid="calendar-year-2026"' in first and 'data-testid="calendar-year-2004"' not in first
    assert 'data-testid="calendar-missing-2027"' in first
    later = admin.get("/admin/calendar?page=3", headers=ZH).get_data(as_text=True)
    assert 'data-testid="calendar-year-2006"' in later
    assert admin.get("/admin/calendar?year=2031", headers=ZH).headers["Location"].endswith("/admin/calendar/2031")
    assert admin.get("/admin/calendar/1999", headers=ZH).status_code == 404


# ---- the November reminder ----------------------------------------------------------------------------

def test_each_november_admins_are_told_once_to_enter_next_year(app, admin, clock, make_user):
    from app.notices.models import Notice

    second = make_user("admin", username="calendar_admin_2")
    clock(date(2026, 10, 31))
    assert run_jobs("calendar.remind")["calendar.remind"]["told"] == 0
    clock(date(2026, 11, 2))
    assert run_jobs("calendar.remind")["calendar.remind"] == {"year": 2027, "told": 2}
    clock(date(2026, 11, 3))
    assert run_jobs("calendar.remind")["calendar.remind"]["told"] == 0  # de-duplicated per year
    notices = list(db.session.scalars(select(Notice).where(Notice.kind == "calendar")))
    from app.auth.models import User

    first = db.session.scalars(select(User).where(User.username == "calendar_admin")).one()
    assert sorted(n.user_id for n in notices) == sorted([first.id, second.id])
    assert all(n.dedupe_key == "calendar:2027" and n.link == "/admin/calendar/2027" for n in notices)
    assert "2027" in notices[0].title and "官方节假日" in notices[0].title
    # once the year is entered nobody is told again
    assert enter_2027(admin()).status_code == 302
    clock(date(2026, 12, 1))
    assert run_jobs("calendar.remind")["calendar.remind"]["told"] == 0


# ---- the cache -----------------------------------------------------------------------------------------

def test_the_cache_sees_a_change_in_the_same_transaction_and_from_another_one(app):
    assert is_working_day(date(2027, 1, 1))
    services.enter_year(2027, SOURCE_2027, services.Schedule(holidays=[(1, date(2027, 1, 1), date(2027, 1, 1), "元旦")]),
                        None)
    assert not is_working_day(date(2027, 1, 1))  # the same transaction
    db.session.rollback()
    assert is_working_day(date(2027, 1, 1))  # rolled back: gone, and the cache knows
    # another process's change (a direct write with a new token) is seen at the next transaction
    db.session.add(CalendarYear(year=2027, source="x", origin="entered", token="other-process"))
    db.session.flush()
    db.session.add(CalendarDay(day=date(2027, 1, 1), year=2027, kind="holiday", name="元旦"))
    db.session.commit()
    assert not is_working_day(date(2027, 1, 1)) and year_has_official_schedule(2027)
    assert date(2027, 1, 1) - timedelta(days=1) == date(2026, 12, 31)
