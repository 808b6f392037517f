"""The supervisors' dashboard: the refresh job's figures (pinned clock), county scope, every chart link
leading to a list that shows the same number, the "as of" time and the stale warning, "refresh now"."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.dashboard.models import DashboardFigure, DashboardState
from app.extensions import db
from tests.background import run_jobs
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.dashboard import helpers as h
from tests.dashboard.helpers import DAY

Q3_END = DAY.replace(month=9, day=30)
Q2_END = DAY.replace(month=6, day=30)


@pytest.fixture
def world(make_retailer, make_user, clock):
    clock(DAY)

    class W:
        pass

    w = W()
    w.a = make_retailer(shop_name="华兴便利店", business_format="convenience")
    w.b = make_retailer(shop_name="平安食杂店", business_format="grocery")
    w.c = make_retailer(shop_name="永安超市", business_format="supermarket")
    w.far = make_retailer(county=OTHER_COUNTY, shop_name="别家超市", business_format="grocery")
    w.sup = make_user("supervisor", COUNTY, username="sup_here")
    w.city = make_user("supervisor", city=True, username="sup_city")
    w.other = make_user("supervisor", OTHER_COUNTY, username="sup_there")
    w.inspector = make_user("inspector", COUNTY)
    w.second = make_user("inspector", COUNTY)
    # official grades: Q2, then Q3 with one shop up (B -> A) and one down (A -> C)
    h.published_run("2026Q2", Q2_END, [(w.a, "B", None), (w.b, "A", None), (w.c, "A", None), (w.far, "A", None)])
    h.published_run("2026Q3", Q3_END, [(w.a, "A", "B"), (w.b, "C", "A"), (w.c, "A", "A"), (w.far, "B", "A")])
    # suspected records waiting 2, 10 and 40 days; one in the other county
    w.r2, w.r10 = h.suspected(w.a, 2), h.suspected(w.b, 10)
    h.suspected(w.c, 40)
    h.suspected(w.far, 5)
    # visits: overdue visit and interview, one planned ahead, one done this quarter, one cancelled
    h.visit(w.a, "due", DAY - timedelta(days=3))
    h.visit(w.b, "interview", DAY - timedelta(days=1), status="planned")
    h.visit(w.c, "random", DAY + timedelta(days=4))
    h.visit(w.b, "due", DAY - timedelta(days=20), status="done", done_on=DAY - timedelta(days=20))
    h.visit(w.a, "due", DAY - timedelta(days=2), status="cancelled")
    h.visit(w.far, "due", DAY - timedelta(days=9))
    # repairs: one past its acceptance deadline, one accepted whose decision is due within 3 working days,
    # one far off; objections: one due soon, one overdue, one answered
    h.repair(w.a, w.r2, accept_due=DAY - timedelta(days=1), decide_due=DAY + timedelta(days=9))
    h.repair(w.b, w.r10, accept_due=DAY - timedelta(days=6), decide_due=h.soon(2), accepted=True)
    h.repair(w.c, w.r10, accept_due=DAY + timedelta(days=20), decide_due=DAY + timedelta(days=30))
    h.objection(w.a, h.soon(3))
    h.objection(w.b, DAY - timedelta(days=2))
    h.objection(w.c, DAY - timedelta(days=2), status="rejected")
    # inspections this quarter: one found ZM01 and ZM02 (convenience), one ZM01 (grocery), one nothing;
    # one last quarter
    h.inspection(w.a, w.inspector, w.second, DAY - timedelta(days=4), codes=("ZM01", "ZM02", "ZM01"))
    h.inspection(w.b, w.inspector, w.second, DAY - timedelta(days=8), codes=("ZM01",))
    h.inspection(w.c, w.inspector, w.second, DAY - timedelta(days=8))
    h.inspection(w.c, w.inspector, w.second, Q3_END, codes=("ZM03",))
    # warnings: two open kinds, one closed
    h.warning(w.a, "suspected")
    h.warning(w.b, "suspected")
    h.warning(w.b, "near_boundary")
    h.warning(w.c, "shop_absent", status="closed")
    h.warning(w.far, "suspected")
    return w


def figures(unit_id=None):
    stmt = select(DashboardFigure.metric, DashboardFigure.key, DashboardFigure.period, DashboardFigure.value)
    if unit_id is not None:
        stmt = stmt.where(DashboardFigure.unit_id == unit_id)
    return {(m, k, p): v for m, k, p, v in db.session.execute(stmt)}


def test_the_refresh_counts_every_figure_by_county(world, units):
    out = run_jobs("dashboard.refresh")["dashboard.refresh"]
    assert out["quarter"] == "2026Q4" and out["latest_quarter"] == "2026Q3"
    f = figures(units[COUNTY].id)
    assert f[("grade", "A", "2026Q3")] == 2 and f[("grade", "C", "2026Q3")] == 1
    assert f[("grade", "B", "2026Q2")] == 1 and f[("grade", "A", "2026Q2")] == 2
    assert f[("movers", "up", "2026Q3")] == 1 and f[("movers", "down", "2026Q3")] == 1
    assert f[("shops", "registered", "")] == 3
    assert {k: v for (m, k, _p), v in f.items() if m == "suspected_age"} == {"0-3": 1, "8-14": 1, "31+": 1}
    assert f[("overdue", "visit", "")] == 1 and f[("overdue", "interview", "")] == 1
    assert {k: v for (m, k, _p), v in f.items() if m == "deadline"} == {
        "repair_overdue": 1, "repair_soon": 1, "objection_soon": 1, "objection_overdue": 1}
    assert f[("coverage", "planned", "2026Q4")] == 3  # a, b, c (the cancelled one does not count)
    assert f[("coverage", "visited", "2026Q4")] == 1
    assert f[("violation_type", "ZM01", "2026Q4")] == 2  # two inspections (one found it twice)
    assert f[("violation_type", "ZM02", "2026Q4")] == 1 and ("violation_type", "ZM03", "2026Q4") not in f
    assert f[("violation_format", "convenience", "2026Q4")] == 1 and f[("violation_format", "grocery", "2026Q4")] == 1
    assert f[("warnings", "suspected", "")] == 2 and f[("warnings", "near_boundary", "")] == 1
    assert ("warnings", "shop_absent", "") not in f
    other = figures(units[OTHER_COUNTY].id)
    assert other[("movers", "down", "2026Q3")] == 1 and other[("overdue", "visit", "")] == 1
    state = db.session.get(DashboardState, 1)
    assert state.as_of == DAY and state.trigger == "nightly" and state.refreshed_at is not None
    # a second run replaces the figures, never adds to them
    run_jobs("dashboard.refresh")
    assert figures(units[COUNTY].id) == f


NUMBER = re.compile(r"\d+")


def _total(html: str, testid: str) -> int:
    m = re.search(r'data-testid="%s"[^>]*>([^<]*)' % testid, html)
    assert m, testid
    return int(NUMBER.search(m.group(1)).group())


PAIR = re.compile(r'<a href="([^"]+)" xlink:href="[^"]+" aria-label="([^"]*)"')


def _pairs(html, card_id):
    from html import unescape

    out = []
    for href, label in PAIR.findall(h.card(html, card_id)):
        numbers = re.findall(r": ([\d,]+)", unescape(label))
        out.append((unescape(href), int(numbers[-1].replace(",", "")) if numbers else None))
    return out


LIST_TOTAL = {"/retailers": "retailer-total", "/credit/queue": "queue-total", "/warnings": "warning-total",
              "/coverage": "overdue-total", "/inspections": "inspection-total"}


def test_every_chart_link_leads_to_a_list_with_the_same_number(world, signed_in):
    run_jobs("dashboard.refresh")
    s = signed_in(world.sup)
    html = s.get("/dashboard").get_data(as_text=True)
    checked = 0
    for card_id in ("grades", "trend", "movers", "suspected", "overdue", "violation-types", "violation-formats",
                    "warnings", "deadlines"):
        pairs = _pairs(html, card_id)
        assert pairs, card_id
        for href, value in pairs:
            if value is None:
                continue  # a row label: the county's whole list
            page = s.get(href)
            assert page.status_code == 200, href
            body = page.get_data(as_text=True)
            path = href.split("?")[0]
            if path == "/supervise/inbox":
                testid = "repair-total" if "kind=repair" in href else "objection-total"
            else:
                testid = LIST_TOTAL[path]
            assert _total(body, testid) == value, (card_id, href)
            checked += 1
    assert checked >= 20


def test_county_scope(world, signed_in, units):
    run_jobs("dashboard.refresh")
    here = signed_in(world.sup).get("/dashboard").get_data(as_text=True)
    there = signed_in(world.other).get(f"/dashboard?unit={COUNTY}").get_data(as_text=True)
    city = signed_in(world.city).get("/dashboard").get_data(as_text=True)
    assert _total(here, "total-warnings") == 3 and _total(there, "total-warnings") == 1
    assert _total(city, "total-warnings") == 4
    cards = 'data-testid="dashboard-cards"'
    assert f"unit={OTHER_COUNTY}" not in here.split(cards)[1]
    assert f"unit={COUNTY}" not in there.split(cards)[1]  # asking for another county shows none of it
    assert "清江浦区" in city and "盱眙县" in city
    one = signed_in(world.city).get(f"/dashboard?unit={OTHER_COUNTY}").get_data(as_text=True)
    assert _total(one, "total-warnings") == 1
    for role in ("inspector",):
        user = world.inspector
        assert signed_in(user).get("/dashboard").status_code == 403, role


def test_as_of_and_stale_warning(world, signed_in, clock):
    s = signed_in(world.sup)
    html = s.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="dashboard-stale"' in html  # never refreshed
    run_jobs("dashboard.refresh")
    html = s.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="dashboard-stale"' not in html and "2026-11-16" in html
    clock(DAY + timedelta(days=1), hour=13)  # 27 hours later: the nightly run was missed
    html = signed_in(world.sup).get("/dashboard").get_data(as_text=True)
    assert 'data-testid="dashboard-stale"' in html


def test_refresh_now_is_audited_and_runs_on_the_job_runner(world, signed_in):
    s = signed_in(world.sup)
    before = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "dashboard.refresh"))
    r = s.post("/dashboard/refresh", data={"unit": ""})
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    db.session.expire_all()
    state = db.session.get(DashboardState, 1)
    assert state.trigger == "manual" and state.as_of == DAY
    after = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "dashboard.refresh"))
    assert after == before + 1
    assert signed_in(world.inspector).post("/dashboard/refresh").status_code == 403


def test_publishing_an_evaluation_refreshes_the_dashboard(world, app):
    from app.jobs.tasks import kick_dashboard

    app.config["JOBS_KICK"] = True
    try:
        kick_dashboard("publish")
        db.session.commit()
    finally:
        app.config["JOBS_KICK"] = False
    db.session.expire_all()
    assert db.session.get(DashboardState, 1).trigger == "publish"
    kick_dashboard("publish")  # kicks off (as in tests): nothing queued
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(DashboardState, 1).trigger == "publish"


def test_the_home_page_and_the_bar_link_to_the_dashboard(world, signed_in):
    html = signed_in(world.sup).get("/").get_data(as_text=True)
    assert 'data-testid="dashboard-link"' in html and 'data-testid="nav-dashboard"' in html


def test_list_filters_refuse_bad_values(world, signed_in):
    s = signed_in(world.sup)
    assert s.get("/retailers?quarter=2026Q9&grade=A").status_code == 400
    assert s.get("/credit/queue?max_days=-1").status_code == 400
    assert s.get("/inspections?business_format=casino").status_code == 400
    # a county supervisor asking for the other county's overdue visits gets none of them
    body = s.get(f"/coverage?overdue=all&unit={OTHER_COUNTY}").get_data(as_text=True)
    assert "别家超市" not in body
