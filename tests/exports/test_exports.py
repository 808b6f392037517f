"""Excel exports: the rows of an export are the page's rows for the same filters (every page of them,
in order), within the same scope; the file is the asker's only; a bad filter is refused with a clear
message and nothing is queued; every export is audited."""
import io
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.time import local_today
from app.extensions import db
from app.jobs.models import Job
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.early_warnings.helpers import suspected_record, visit
from tests.scheduling.conftest import set_grade


def export(session, name, query="", parent_id=None):
    """Post the export as the page's button does; follow to the job; read the file back."""
    url = f"/exports/{name}" + (f"/{parent_id}" if parent_id else "") + (f"?{query}" if query else "")
    response = session.post(url)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    job_id = int(re.search(r"/jobs/(\d+)$", response.headers["Location"]).group(1))
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    assert job.state == "done", job.error
    page = session.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'href="/jobs/{job_id}/download"' in page
    got = session.get(f"/jobs/{job_id}/download")
    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    return job, load_workbook(io.BytesIO(got.data))


def sheet_rows(wb):
    ws = wb.worksheets[0]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    return values[0], values[1:]


def page_ids(session, path, query, pattern):
    """The object ids a list page links to, over all its pages, in order."""
    ids, n = [], 1
    while True:
        body = session.get(f"{path}?{query}&page={n}").get_data(as_text=True)
        found = [int(x) for x in re.findall(pattern, body)]
        if not found:
            return ids
        ids += found
        n += 1


@pytest.fixture
def city_shops(make_retailer, clock):
    clock(date(2026, 11, 29))
    shops = []
    for k in range(46):
        county = COUNTY if k % 3 else OTHER_COUNTY
        shop = make_retailer(county=county, shop_name=f"测试便利店{k:02d}", tier=1 + k % 30,
                             licence_expires_on=date(2026, 12, 20) if k % 5 == 0 else date(2029, 6, 30))
        set_grade(shop.id, "A" if k % 4 else "B", as_of=local_today())
        shops.append(shop)
    return shops


def test_retailer_export_equals_the_page(city_shops, make_user, signed_in):
    city = signed_in(make_user("supervisor", city=True))
    by_id = {s.id: s for s in city_shops}
    query = "grade=A&tier_min=3"
    job, wb = export(city, "retailers", query)
    header, rows = sheet_rows(wb)
    assert header == ["许可证号", "店名", "县区", "经营业态", "客户档位", "信用等级", "许可证", "许可证有效期至"]
    on_page = page_ids(city, "/retailers", query, r'href="/retailers/(\d+)"')
    assert len(on_page) > 20  # more than one page
    assert [r[0] for r in rows] == [by_id[i].licence_no for i in on_page]
    assert {r[5] for r in rows} == {"A"} and all(r[4] >= 3 for r in rows)
    # dates are dates, the header row is frozen and filtered
    assert isinstance(rows[0][7], datetime) and wb.worksheets[0].freeze_panes == "A2"
    assert wb.worksheets[0].auto_filter.ref == f"A1:H{len(rows) + 1}"
    assert job.result["rows"] == len(rows) and job.params["filters"] == {"grade": "A", "tier_min": "3"}
    # audited: who, which list, which filters, how many rows
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export.done")
                               .order_by(AuditEntry.seq.desc())).first()
    assert entry.after["rows"] == len(rows) and entry.after["filters"] == {"grade": "A", "tier_min": "3"}
    assert entry.actor_id == job.created_by_id
    # no ID number anywhere in the file
    flat = " ".join(str(v) for r in rows for v in r)
    assert not re.search(r"\d{17}[\dXx]", flat)


def test_county_supervisor_exports_only_the_county(city_shops, make_user, signed_in):
    county = signed_in(make_user("supervisor", COUNTY))
    _job, wb = export(county, "retailers", "status=")
    _header, rows = sheet_rows(wb)
    mine = [s for s in city_shops if s.unit.code == COUNTY]
    assert sorted(r[0] for r in rows) == sorted(s.licence_no for s in mine)
    assert {r[2] for r in rows} == {mine[0].unit.name}
    _job, wb = export(county, "retailers", f"unit={OTHER_COUNTY}")
    assert sheet_rows(wb)[1] == []


def test_another_user_cannot_download(city_shops, make_user, signed_in):
    owner = signed_in(make_user("supervisor", COUNTY))
    job, _wb = export(owner, "retailers", "grade=B")
    for other in (make_user("supervisor", COUNTY), make_user("supervisor", city=True),
                  make_user("mkt_supervisor", COUNTY)):
        s = signed_in(other)
        assert s.get(f"/jobs/{job.id}/download").status_code == 404
        assert s.get(f"/jobs/{job.id}").status_code == 404
    inspector = signed_in(make_user("inspector", COUNTY))
    assert inspector.get(f"/jobs/{job.id}/download").status_code == 403
    assert inspector.post("/exports/retailers").status_code == 403  # sees the list, but exports are for supervisors
    assert owner.get("/exports/retailers").status_code == 405  # a GET never starts anything


def test_bad_filters_are_refused_with_a_clear_message(city_shops, make_user, signed_in):
    city = signed_in(make_user("supervisor", city=True))
    before = db.session.scalar(select(func.count(Job.id)))
    response = city.post("/exports/retailers?grade=E&tier_min=99")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "筛选条件“信用等级”" in body and "筛选条件“客户档位从”" in body
    response = city.post("/exports/inspections?date_from=2026-13-40")
    assert response.status_code == 422 and "筛选条件“从”" in response.get_data(as_text=True)
    assert city.post("/exports/nothing").status_code == 404
    assert db.session.scalar(select(func.count(Job.id))) == before  # nothing queued


def test_queue_and_inspection_exports_equal_their_pages(make_retailer, make_user, signed_in, clock):
    from app.credit.models import CreditRecord
    from app.inspections.models import Inspection

    day = date(2026, 11, 20)
    clock(day)
    here = [make_retailer(county=COUNTY, shop_name=f"本县店{k}") for k in range(4)]
    there = make_retailer(county=OTHER_COUNTY, shop_name="别县店")
    a, b = make_user("inspector", COUNTY), make_user("inspector", COUNTY)
    for k in range(27):
        suspected_record(here[k % 4], day - timedelta(days=k))
        visit(here[k % 4], a if k % 2 else b, b if k % 2 else a, day - timedelta(days=k))
    suspected_record(there, day - timedelta(days=2))
    visit(there, make_user("inspector", OTHER_COUNTY), make_user("inspector", OTHER_COUNTY), day)
    sup = signed_in(make_user("supervisor", COUNTY))

    query = "min_days=3"
    _job, wb = export(sup, "credit_queue", query)
    header, rows = sheet_rows(wb)
    assert header[:4] == ["许可证号", "店名", "县区", "指标"]
    ids = page_ids(sup, "/credit/queue", query, r'href="/credit/records/(\d+)"')
    recs = [db.session.get(CreditRecord, i) for i in ids]
    assert len(recs) == 24
    assert [(r[0], r[6].date()) for r in rows] == [(x.retailer.licence_no, x.occurred_on) for x in recs]
    assert all(r[7] >= 3 for r in rows)

    query = f"officer={a.id}&date_from={day - timedelta(days=20)}"
    _job, wb = export(sup, "inspections", query)
    _header, rows = sheet_rows(wb)
    ids = page_ids(sup, "/inspections", query, r'href="/inspections/(\d+)"')
    found = [db.session.get(Inspection, i) for i in ids]
    assert len(found) == 21
    assert [(r[0].date(), r[1]) for r in rows] == [(i.occurred_on, i.retailer.licence_no) for i in found]


def test_evaluation_rows_export_equals_the_page_in_the_county(make_retailer, make_user, signed_in, clock):
    from app.evaluation import services
    from app.evaluation.batch import quarter_bounds, quarter_of

    clock(date(2026, 11, 29))
    shops = [make_retailer(county=COUNTY if k % 2 else OTHER_COUNTY, shop_name=f"评价店{k:02d}") for k in range(50)]
    by_id = {s.id: s for s in shops}
    start, _end = quarter_bounds(quarter_of(local_today()))
    run = services.run(quarter_of(start - timedelta(days=1)), make_user("admin"))
    db.session.commit()
    county = signed_in(make_user("supervisor", COUNTY))
    _job, wb = export(county, "evaluation_rows", "q=评价店", parent_id=run.id)
    header, rows = sheet_rows(wb)
    assert header[:5] == ["许可证号", "店名", "县区", "等级", "信用分"]
    ids = page_ids(county, f"/evaluations/{run.id}", "q=评价店", rf'href="/evaluations/{run.id}/retailers/(\d+)"')
    assert len(ids) == 25 and [r[0] for r in rows] == [by_id[i].licence_no for i in ids]
    assert {r[2] for r in rows} == {by_id[ids[0]].unit.name}
    # another county's supervisor cannot export this county's rows through the run: only their own
    other = signed_in(make_user("supervisor", OTHER_COUNTY))
    _job, wb = export(other, "evaluation_rows", f"unit={COUNTY}", parent_id=run.id)
    assert sheet_rows(wb)[1] == []
    assert county.post(f"/exports/evaluation_rows/{run.id}?move=sideways").status_code == 422
    assert county.post("/exports/evaluation_rows").status_code == 404  # the run is needed
    assert county.post("/exports/evaluation_rows/999999").status_code == 404


def test_self_check_export_follows_the_show_filter_and_the_county(make_retailer, make_user, signed_in, clock):
    import uuid

    from app.trust.models import SelfCheck

    day = date(2026, 11, 20)
    clock(day)
    retailer_user = make_user("retailer")
    shops = [make_retailer(county=COUNTY if k % 3 else OTHER_COUNTY, shop_name=f"自查店{k:02d}") for k in range(24)]
    for k, shop in enumerate(shops):
        db.session.add(SelfCheck(client_uuid=str(uuid.uuid4()), retailer_id=shop.id, unit_id=shop.unit_id, grade="AA",
                                 answers={"licence_displayed": True}, lat=33.6, lng=119.0,
                                 submitted_by_id=retailer_user.id, submitted_on=day - timedelta(days=k),
                                 status="submitted" if k % 2 else "accepted"))
    db.session.commit()
    sup = signed_in(make_user("supervisor", COUNTY))
    mine = {s.id: s for s in shops if s.unit.code == COUNTY}
    for query, expected in (("", 8), ("show=all", 16)):
        _job, wb = export(sup, "self_checks", query)
        header, rows = sheet_rows(wb)
        assert header == ["许可证号", "店名", "县区", "等级", "状态", "提交日期"]
        ids = page_ids(sup, "/self-checks", query, r'href="/self-checks/(\d+)"')
        checks = [db.session.get(SelfCheck, i) for i in ids]
        assert len(rows) == expected == len(checks)
        assert [(r[0], r[5].date()) for r in rows] == [(mine[c.retailer_id].licence_no, c.submitted_on) for c in checks]
    assert sup.post("/exports/self_checks?show=some").status_code == 422


def test_suspension_export_for_a_marketing_supervisor(make_retailer, make_user, signed_in, clock):
    from app.service.models import ServiceRun, SupplySuspension

    day = date(2026, 11, 20)
    clock(day)
    run = ServiceRun(cycle="2026-12", as_of=day, state="published", policy_version="2026.1")
    db.session.add(run)
    db.session.flush()
    shops = [make_retailer(county=COUNTY if k % 2 else OTHER_COUNTY, shop_name=f"停供店{k:02d}") for k in range(40)]
    for k, shop in enumerate(shops):
        db.session.add(SupplySuspension(
            retailer_id=shop.id, unit_id=shop.unit_id, kind="grade" if k % 3 else "circulation",
            cause_key=f"grade:t{k}", run_id=run.id, grade="D", legal_basis="依据", reasons=[],
            starts_on=day - timedelta(days=k), ends_on=day + timedelta(days=30) if k % 4 == 0 else None,
            status="lifted" if k % 5 == 0 else "active", objection_until=day,
            objection_status="open" if k % 7 == 0 else None))
    db.session.commit()
    mkt = signed_in(make_user("mkt_supervisor", COUNTY))
    mine = {s.id for s in shops if s.unit.code == COUNTY}
    for query in ("", "state=objected", "state=lifted"):
        _job, wb = export(mkt, "suspensions", query)
        header, rows = sheet_rows(wb)
        assert header[:4] == ["决定", "许可证号", "店名", "县区"]
        ids = page_ids(mkt, "/service/suspensions", query, r'href="/service/suspensions/(\d+)"')
        assert [r[0] for r in rows] == ids and ids
        assert all(db.session.get(SupplySuspension, i).retailer_id in mine for i in ids)
    assert mkt.post("/exports/suspensions?state=gone").status_code == 422


def test_group_export_equals_the_page(make_retailer, make_user, signed_in, units, clock):
    from app.groups.models import IntegrityGroup

    day = date(2026, 11, 20)
    clock(day)
    for k in range(26):
        unit = units[COUNTY if k % 2 else OTHER_COUNTY]
        db.session.add(IntegrityGroup(name=f"互助组{k:02d}", unit_id=unit.id, area="健康路" if k % 3 else "东街",
                                      founded_on=day))
    db.session.commit()
    sup = signed_in(make_user("supervisor", COUNTY))
    for query in ("", "q=健康路"):
        _job, wb = export(sup, "groups", query)
        header, rows = sheet_rows(wb)
        assert header == ["小组", "县区", "区域", "成员", "星级"]
        ids = page_ids(sup, "/groups", query, r'href="/groups/(\d+)"')
        assert [r[0] for r in rows] == [db.session.get(IntegrityGroup, i).name for i in ids] and ids
        assert {r[1] for r in rows} == {units[COUNTY].name}


def test_model_award_export_equals_the_page(make_retailer, make_user, signed_in, clock):
    from app.groups.models import ModelAward

    day = date(2026, 11, 20)
    clock(day)
    nominator = make_user("marketer", COUNTY)
    for k in range(24):
        shop = make_retailer(county=COUNTY if k % 2 else OTHER_COUNTY, shop_name=f"示范店{k:02d}")
        db.session.add(ModelAward(kind="shop", year=2026, retailer_id=shop.id, unit_id=shop.unit_id, practice="诚信经营",
                                  nominated_by_id=nominator.id, nominated_on=day - timedelta(days=k),
                                  status="nominated" if k % 3 else "published"))
    db.session.commit()
    sup = signed_in(make_user("supervisor", COUNTY))
    for query in ("", "status=nominated"):
        _job, wb = export(sup, "models", query)
        header, rows = sheet_rows(wb)
        assert header[:3] == ["小组或店名", "许可证号", "县区"]
        ids = page_ids(sup, "/models", query, r'href="/models/(\d+)"')
        assert [r[1] for r in rows] == [db.session.get(ModelAward, i).retailer.licence_no for i in ids] and ids
    assert sup.post("/exports/models?status=famous").status_code == 422
