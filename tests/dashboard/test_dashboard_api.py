"""The dashboard's figures as JSON (GET /api/dashboard): the same numbers as the page, for the user's
scope (county supervisor, city supervisor, admin: city-wide, read only); retailers and inspectors are
refused; the GET writes nothing."""
import re
from html import unescape

from sqlalchemy import event

from app.extensions import db
from tests.background import run_jobs
from tests.conftest import COUNTY, OTHER_COUNTY
from tests.dashboard.test_dashboard import _total, world  # noqa: F401  (the fixture)


def _get(client, query=""):
    r = client.get("/api/dashboard" + query)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_a_county_supervisor_gets_their_county(world, signed_in):  # noqa: F811
    run_jobs("dashboard.refresh")
    s = signed_in(world.sup)
    d = _get(s)
    page = s.get("/dashboard").get_data(as_text=True)
    assert [c["code"] for c in d["counties"]] == [COUNTY]
    assert d["quarter"] == "2026Q4" and d["latest_quarter"] == "2026Q3" and d["as_of"] == "2026-11-16"
    assert d["stale"] is False and d["refreshed_at"].endswith("+00:00")
    assert sum(d["warnings"].values()) == _total(page, "total-warnings") == 3
    assert d["warnings"]["suspected"] == 2 and d["warnings"]["near_boundary"] == 1
    assert d["grades"] == {"quarter": "2026Q3", "total": 3, "by_county": [
        {"unit": COUNTY, "grades": {"AAA": 0, "AA": 0, "A": 2, "B": 0, "C": 1, "D": 0}}]}
    assert d["grades"]["total"] == _total(page, "total-grades")
    assert [t["quarter"] for t in d["grade_trend"]] == ["2026Q2", "2026Q3"]
    assert d["grade_trend"][0]["grades"]["B"] == 1
    assert d["movers"] == {"quarter": "2026Q3", "up": 1, "down": 1}
    ages = {b["band"]: b["count"] for b in d["suspected_by_age"]}
    assert ages == {"0-3": 1, "4-7": 0, "8-14": 1, "15-30": 0, "31+": 1}
    assert sum(ages.values()) == _total(page, "total-suspected")
    assert d["suspected_by_age"][-1] == {"band": "31+", "min_days": 31, "max_days": None, "count": 1}
    assert d["deadlines"] == {"repair_soon": 1, "repair_overdue": 1, "objection_soon": 1, "objection_overdue": 1}
    assert sum(d["deadlines"].values()) == _total(page, "total-deadlines")
    assert d["overdue"] == [{"unit": COUNTY, "visit": 1, "interview": 1}]
    assert d["coverage"]["planned"] == 3 and d["coverage"]["visited"] == 1
    v = d["violations"]
    assert v["quarter"] == "2026Q4" and v["total"] == 2 == _total(page, "total-violation-types")
    assert v["by_type"] == [{"indicator": "ZM01", "count": 2}, {"indicator": "ZM02", "count": 1}]
    assert {r["format"]: r["count"] for r in v["by_format"]} == {"convenience": 1, "grocery": 1}
    # asking for another county: refused by name, never shown
    bad = s.get(f"/api/dashboard?unit={OTHER_COUNTY}")
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) == {"unit"}
    assert _get(s, f"?unit={COUNTY}")["warnings"] == d["warnings"]


def test_a_city_supervisor_and_an_admin_get_every_county_or_one(world, signed_in, make_user):  # noqa: F811
    run_jobs("dashboard.refresh")
    admin = make_user("admin", username="admin_dash")
    for user in (world.city, admin):
        s = signed_in(user)
        d = _get(s)
        assert {COUNTY, OTHER_COUNTY} <= {c["code"] for c in d["counties"]}
        assert sum(d["warnings"].values()) == 4
        assert sum(d["warnings"].values()) == _total(s.get("/dashboard").get_data(as_text=True), "total-warnings")
        one = _get(s, f"?unit={OTHER_COUNTY}")
        assert [c["code"] for c in one["counties"]] == [OTHER_COUNTY] and sum(one["warnings"].values()) == 1
        assert one["movers"]["down"] == 1
        assert s.get("/api/dashboard?unit=999999").status_code == 422
    # the admin reads the page too (linked in the bar) but cannot ask for a refresh
    s = signed_in(admin)
    html = s.get("/dashboard").get_data(as_text=True)
    assert 'data-testid="dashboard-refresh"' not in html
    assert 'data-testid="nav-dashboard"' in s.get("/").get_data(as_text=True)
    assert s.post("/dashboard/refresh", data={"unit": ""}).status_code == 403


def test_every_link_on_the_dashboard_opens_for_whoever_reads_it(world, signed_in, make_user):  # noqa: F811
    """Each number links to the list behind it only where the reader may open that list: the admin's
    dashboard has no link into the supervisors' inbox of repairs and objections."""
    run_jobs("dashboard.refresh")
    admin = make_user("admin", username="admin_links")
    seen = {}
    for user in (world.city, admin):
        s = signed_in(user)
        html = s.get("/dashboard").get_data(as_text=True)
        links = {unescape(h) for h in re.findall(r'<a href="(/[^"]+)"', html.split('data-testid="dashboard-head"', 1)[1])}
        assert links
        for link in sorted(links):
            assert s.get(link).status_code == 200, (user.role, link)
        seen[user.role] = links
    assert any(link.startswith("/supervise/inbox") for link in seen["supervisor"])
    assert not any(link.startswith("/supervise/inbox") for link in seen["admin"])


def test_retailers_and_inspectors_are_refused(world, signed_in, make_user, make_retailer, client):  # noqa: F811
    shop = make_retailer(shop_name="自家店")
    retailer = make_user("retailer", retailers=[shop])
    for user in (world.inspector, retailer):
        s = signed_in(user)
        assert s.get("/api/dashboard").status_code == 403
        assert s.get("/dashboard").status_code == 403
        assert 'data-testid="nav-dashboard"' not in s.get("/").get_data(as_text=True)
    assert client.get("/api/dashboard").status_code == 401


def test_the_get_writes_nothing(world, signed_in):  # noqa: F811
    s = signed_in(world.city)
    writes = []

    def spy(conn, cursor, statement, *args):
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        d = _get(s)  # never refreshed: no figures, nothing computed on the way
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)
    assert writes == []
    assert d["refreshed_at"] is None and d["stale"] is True and d["grades"]["total"] is None
