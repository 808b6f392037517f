"""Excel exports of the supervisors' inbox (repair requests, objections), the inspection plans and a
plan's visits, the coverage and officers' load, the monthly service runs and a run's rows: each file
read back holds the page's rows for the same filters, within the asker's scope. And the retention:
export files older than EXPORT_RETENTION_DAYS are removed by the nightly job, their download then
answers 410 with a plain sentence while recent files stay."""
import os
import re
from datetime import date, timedelta

import pytest

from app.exports import services as exports
from app.extensions import db
from app.jobs.models import Job
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.early_warnings.helpers import suspected_record
from tests.exports.test_exports import export, sheet_rows
from tests.scheduling.conftest import county, plan  # noqa: F401  (fixtures)

ZH = {"Accept-Language": "zh-CN"}


def all_ids(session, path, param, pattern, query=""):
    """The ids a paginated page links to with its own page parameter (the inbox: rpage, opage)."""
    ids, n = [], 1
    while True:
        body = session.get(f"{path}?{query}&{param}={n}", headers=ZH).get_data(as_text=True)
        found = [int(x) for x in re.findall(pattern, body)]
        if not found or (ids and found[0] in ids):
            return ids
        ids += found
        n += 1


# ---- the inbox ------------------------------------------------------------------------------------------

@pytest.fixture
def inbox(make_retailer, clock):
    from app.repair.models import Objection, RepairRequest

    day = date(2026, 11, 20)
    clock(day)
    here = [make_retailer(county=COUNTY, shop_name=f"修复店{k:02d}") for k in range(5)]
    there = make_retailer(county=OTHER_COUNTY, shop_name="别县修复店")
    reqs, objs = [], []
    for k in range(34):
        shop = here[k % 5] if k < 32 else there
        rec = suspected_record(shop, day - timedelta(days=40 + k))
        req = RepairRequest(retailer_id=shop.id, record_id=rec.id, statement="已整改",
                            status="approved" if k % 4 == 0 else "submitted", submitted_on=day - timedelta(days=k % 6),
                            accept_due=day + timedelta(days=k % 3 - 1), decide_due=day + timedelta(days=10 + k))
        obj = Objection(retailer_id=shop.id, record_id=rec.id if k % 2 else None, grade=None if k % 2 else "B",
                        told_on=day, reasons="记录有误，请核实。", evidence_ids=[], submitted_on=day,
                        status="rejected" if k % 5 == 0 else "open", answer_due=day + timedelta(days=k % 7 - 2))
        db.session.add_all([req, obj])
        reqs.append(req)
        objs.append(obj)
    db.session.commit()
    return {"day": day, "here": here, "there": there, "reqs": reqs, "objs": objs}


def test_inbox_repairs_export_equals_the_page(inbox, make_user, signed_in):
    from app.repair.models import RepairRequest

    sup = signed_in(make_user("supervisor", COUNTY))
    page = sup.get("/supervise/inbox", headers=ZH).get_data(as_text=True)
    assert page.count('data-testid="export-xlsx"') == 2  # one button per list
    for query in ("", "show=all", "due=overdue"):
        _job, wb = export(sup, "repairs", query)
        header, rows = sheet_rows(wb)
        assert header == ["许可证号", "店名", "县区", "记录", "状态", "提交日期", "下一期限", "期限状态", "绿色通道"]
        ids = all_ids(sup, "/supervise/inbox", "rpage", r'href="/supervise/repairs/(\d+)"', query)
        assert ids and [r[0] for r in rows] == [db.session.get(RepairRequest, i).retailer.licence_no for i in ids]
        assert len(rows) == len(ids)
        assert {r[2] for r in rows} == {inbox["here"][0].unit.name}  # never the other county's
    _job, wb = export(sup, "repairs", "")
    _header, rows = sheet_rows(wb)
    assert len(rows) == 24 and {r[4] for r in rows} == {"已提交"}  # open only by default
    first = rows[0]
    assert first[3] and first[5] and first[6]  # the record named, submitted on, the next deadline
    _job, wb = export(sup, "repairs", "show=all")
    assert len(sheet_rows(wb)[1]) == 32 and "已批准" in {r[4] for r in sheet_rows(wb)[1]}
    _job, wb = export(sup, "repairs", "due=overdue")
    overdue = sheet_rows(wb)[1]
    assert overdue and all(r[7] == "逾期" for r in overdue)
    assert sup.post("/exports/repairs?due=someday").status_code == 422


def test_inbox_objections_export_and_the_scope(inbox, make_user, signed_in):
    from app.repair.models import Objection

    sup = signed_in(make_user("supervisor", COUNTY))
    _job, wb = export(sup, "objections", "show=all")
    header, rows = sheet_rows(wb)
    assert header[3] == "记录"
    ids = all_ids(sup, "/supervise/inbox", "opage", r'href="/supervise/objections/(\d+)"', "show=all")
    assert [r[0] for r in rows] == [db.session.get(Objection, i).retailer.licence_no for i in ids] and len(rows) == 32
    assert "等级 B" in {r[3] for r in rows}  # an objection to the grade, not a record
    _job, wb = export(sup, "objections", "")
    assert {r[4] for r in sheet_rows(wb)[1]} == {"待处理"}
    # the other county's supervisor: only the other county's one shop, whatever county code is asked
    other = signed_in(make_user("supervisor", OTHER_COUNTY))
    _job, wb = export(other, "objections", "show=all")
    assert {r[1] for r in sheet_rows(wb)[1]} == {"别县修复店"}
    _job, wb = export(other, "objections", f"show=all&unit={COUNTY}")
    assert sheet_rows(wb)[1] == []
    assert signed_in(make_user("inspector", COUNTY)).post("/exports/objections").status_code == 403


# ---- inspection plans and a plan's visits ---------------------------------------------------------------

def test_plan_list_and_plan_visits_exports(plan, county, make_user, signed_in):  # noqa: F811
    from app.scheduling.models import Visit

    sup = signed_in(county["supervisor"])
    assert 'data-testid="export-xlsx"' in sup.get("/plans", headers=ZH).get_data(as_text=True)
    _job, wb = export(sup, "plans")
    header, rows = sheet_rows(wb)
    assert header == ["县区", "从", "至", "周期", "状态", "检查数"]
    visits = [v for v in plan.visits if v.status != "cancelled"]
    assert rows == [[plan.unit.name, rows[0][1], rows[0][2], "月", "草稿", len(visits)]]
    assert rows[0][1].date() == plan.period_start and rows[0][2].date() == plan.period_end

    page = sup.get(f"/plans/{plan.id}", headers=ZH).get_data(as_text=True)
    assert f'action="/exports/plan_visits/{plan.id}' in page
    _job, wb = export(sup, "plan_visits", parent_id=plan.id)
    header, rows = sheet_rows(wb)
    assert header[:5] == ["位置", "日期", "执法人员", "许可证号", "店名"]
    assert len(rows) == len(visits)  # every week of the plan, not only the week shown
    first_week = re.findall(r'data-pos="([\d-]+)"', page)
    assert [r[0] for r in rows[:len(first_week)]] == first_week  # the page's positions, in its order
    by_pos = {r[0]: r for r in rows}
    v = db.session.get(Visit, int(re.search(r'data-visit="(\d+)" data-pos="1-1"', page).group(1)))
    assert by_pos["1-1"][3] == v.retailer.licence_no and by_pos["1-1"][1].date() == v.planned_on
    assert "、" in by_pos["1-1"][2]  # both officers
    # another county's supervisor neither sees the plan in the list nor may export its visits
    other = signed_in(make_user("supervisor", OTHER_COUNTY))
    _job, wb = export(other, "plans")
    assert sheet_rows(wb)[1] == []
    assert other.post(f"/exports/plan_visits/{plan.id}").status_code == 404


# ---- coverage and officers' load ------------------------------------------------------------------------

def test_coverage_and_load_exports_equal_the_page(plan, county, make_retailer, make_user, signed_in):  # noqa: F811
    make_retailer(county=OTHER_COUNTY, shop_name="别县覆盖店")
    sup = signed_in(county["supervisor"])
    page = sup.get("/coverage", headers=ZH).get_data(as_text=True)
    assert page.count('data-testid="export-xlsx"') == 2
    table = re.search(r'data-testid="coverage-table">(.*?)</table>', page, re.DOTALL).group(1)
    shown = [re.findall(r"<td[^>]*>([^<]*)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", table, re.DOTALL)[1:]]
    _job, wb = export(sup, "coverage")
    header, rows = sheet_rows(wb)
    assert header == ["县区", "等级", "零售户数", "已计划", "已完成", "逾期", "在检查周期内已检查（%）"]
    assert [[str(c) for c in r[:6]] for r in rows] == [s[:6] for s in shown]
    assert {r[0] for r in rows} == {plan.unit.name}  # a county supervisor: their county only
    assert sum(r[3] for r in rows) == len([v for v in plan.visits if v.status != "cancelled"])

    loads = re.search(r'data-testid="loads">(.*?)</table>', page, re.DOTALL).group(1)
    shown = [re.findall(r"<td>([^<]*)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", loads, re.DOTALL)[1:]]
    _job, wb = export(sup, "officer_loads")
    header, rows = sheet_rows(wb)
    assert header == ["执法人员", "草稿", "已审核", "已完成", "逾期"]
    assert [[str(c) for c in r] for r in rows] == shown and len(rows) == 6

    city = signed_in(make_user("supervisor", city=True))
    _job, wb = export(city, "coverage")
    assert {r[0] for r in sheet_rows(wb)[1]} >= {plan.unit.name}
    _job, wb = export(city, "coverage", f"unit={OTHER_COUNTY}")
    assert plan.unit.name not in {r[0] for r in sheet_rows(wb)[1]}  # the filter applied
    _job, wb = export(sup, "coverage", f"unit={OTHER_COUNTY}")
    assert sheet_rows(wb)[1] == []  # never another county's figures
    assert sup.post("/exports/coverage?unit=" + "9" * 20).status_code == 422


# ---- service runs and a run's rows ----------------------------------------------------------------------

@pytest.fixture
def service(make_retailer, clock):
    from app.service.models import ServiceRow, ServiceRun

    day = date(2026, 11, 20)
    clock(day)
    old = ServiceRun(cycle="2026-11", as_of=day - timedelta(days=30), state="published", policy_version="2026.1",
                     licence_count=0, summary={})
    run = ServiceRun(cycle="2026-12", as_of=day, state="draft", policy_version="2026.1", licence_count=30,
                     summary={"changed": 12, "suspended": 3})
    db.session.add_all([old, run])
    db.session.flush()
    shops = [make_retailer(county=COUNTY if k % 3 else OTHER_COUNTY, shop_name=f"货源店{k:02d}") for k in range(30)]
    for k, shop in enumerate(shops):
        suspended = k % 10 == 1
        db.session.add(ServiceRow(
            run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, grade="D" if suspended else ("B" if k % 4 else "A"),
            base_tier=10, base_source="register", class_code="C", class_adjusted="D" if k % 4 else None,
            tier=8 if k % 4 else 10, coefficient_pct=0 if suspended else 100, scarce_priority=0, suspended=suspended,
            changed=bool(k % 4), reasons=[{"code": "base_register", "params": {"tier": 10}}]))
    db.session.commit()
    return {"run": run, "old": old, "shops": shops}


def test_service_runs_export(service, make_user, signed_in):
    mkt = signed_in(make_user("mkt_supervisor", COUNTY))
    assert 'data-testid="export-xlsx"' in mkt.get("/service", headers=ZH).get_data(as_text=True)
    _job, wb = export(mkt, "service_runs")
    header, rows = sheet_rows(wb)
    assert header == ["订货月份", "状态", "计算日期", "许可证户数", "有变化", "暂停货源", "已发布"]
    ids = [int(x) for x in re.findall(r'href="/service/runs/(\d+)"', mkt.get("/service").get_data(as_text=True))]
    assert ids == [service["run"].id, service["old"].id]
    assert [r[0] for r in rows] == ["2026-12", "2026-11"]
    assert rows[0][3:6] == [30, 12, 3] and rows[0][2].date() == date(2026, 11, 20)
    # supervisors do not read the service runs: no export either
    assert signed_in(make_user("supervisor", COUNTY)).post("/exports/service_runs").status_code == 403


def test_service_rows_export_equals_the_page_in_the_county(service, make_user, signed_in):
    run = service["run"]
    mkt = signed_in(make_user("mkt_supervisor", COUNTY))
    page = mkt.get(f"/service/runs/{run.id}", headers=ZH).get_data(as_text=True)
    assert f'action="/exports/service_rows/{run.id}' in page
    mine = {s.licence_no for s in service["shops"] if s.unit.code == COUNTY}
    for query in ("", "show=changed", "grade=B&q=货源店1"):
        _job, wb = export(mkt, "service_rows", query, parent_id=run.id)
        header, rows = sheet_rows(wb)
        assert header[:6] == ["许可证号", "店名", "县区", "等级", "基础档位", "档位"]
        licences, n = [], 1
        while True:
            body = mkt.get(f"/service/runs/{run.id}?{query}&page={n}").get_data(as_text=True)
            found = re.findall(r'data-testid="service-row" data-licence="(\d+)"', body)
            if not found or found[0] in licences:
                break
            licences += found
            n += 1
        assert [r[0] for r in rows] == licences and licences
        assert set(licences) <= mine  # a county's marketing supervisor: their county only
    _job, wb = export(mkt, "service_rows", "show=changed", parent_id=run.id)
    rows = sheet_rows(wb)[1]
    assert all(r[10] == "是" for r in rows) and len(rows) == 15
    suspended = [r for r in rows if r[9] == "是"]
    assert suspended and all(r[8] is None for r in suspended)
    assert "基础档位10" in rows[0][11].replace(" ", "")
    assert mkt.post(f"/exports/service_rows/{run.id}?show=everything").status_code == 422
    assert mkt.post("/exports/service_rows/999999").status_code == 404


# ---- retention -------------------------------------------------------------------------------------------

def test_old_export_files_are_purged_and_answer_410(make_retailer, make_user, signed_in, clock, app):
    from app.jobs import work

    clock(date(2026, 11, 1))
    make_retailer(county=COUNTY, shop_name="保留店")
    user = make_user("supervisor", COUNTY)
    old, _wb = export(signed_in(user), "retailers")
    old_path = exports.absolute_path(old)
    clock(date(2026, 11, 6))
    recent, _wb = export(signed_in(user), "retailers")
    recent_path = exports.absolute_path(recent)
    assert app.config["EXPORT_RETENTION_DAYS"] == 7

    clock(date(2026, 11, 8), hour=12)  # the old one is 7 days and 2 hours old; the recent one 2 days
    assert work.purge_exports()["expired"] == 1
    db.session.rollback()  # the purge's transaction fails: the file stays, with its job
    assert os.path.exists(old_path) and "file" in db.session.get(Job, old.id).result
    assert work.purge_exports() == {"expired": 1, "retention_days": 7}
    db.session.commit()
    sup = signed_in(user)
    assert not os.path.exists(old_path) and os.path.exists(recent_path)
    db.session.refresh(old)
    assert old.result["expired"] and "file" not in old.result and old.result_link is None
    got = sup.get(f"/jobs/{old.id}/download", headers=ZH)
    assert got.status_code == 410
    assert "该导出文件已过期：文件保留7天。请重新导出该列表。" in got.get_data(as_text=True)
    page = sup.get(f"/jobs/{old.id}", headers=ZH).get_data(as_text=True)
    assert 'data-testid="export-expired"' in page and "该导出文件已过期" in page
    assert sup.get(f"/jobs/{recent.id}/download").status_code == 200
    # another user still gets 404 for someone's expired export (nothing said about it)
    assert signed_in(make_user("supervisor", COUNTY)).get(f"/jobs/{old.id}/download").status_code == 404
    # run again: nothing more to do; a shorter retention takes the recent one too
    assert work.purge_exports()["expired"] == 0
    app.config["EXPORT_RETENTION_DAYS"] = 1
    try:
        assert work.purge_exports()["expired"] == 1
    finally:
        app.config["EXPORT_RETENTION_DAYS"] = 7
    db.session.commit()
    assert not os.path.exists(recent_path)
    assert db.session.get(Job, recent.id).result["rows"] == 1  # what was exported stays told


def test_purge_job_is_scheduled():
    from app.jobs.schedule import by_name

    p = by_name()["exports.purge"]
    assert p.target == "app.jobs.work:purge_exports" and p.stale_minutes == 26 * 60
