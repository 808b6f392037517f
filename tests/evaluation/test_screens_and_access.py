"""The supervisors' API and pages: scoped by county, the run's distribution and movers, the explanation
of one licence, review and publication with confirmation."""
import datetime as dt
import random

import pytest
from sqlalchemy import select

from app.evaluation import services
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer
from tests.evaluation.world import build_world


@pytest.fixture
def world(app, units):
    from scoring import available_catalogues

    return build_world(random.Random(11), units, catalogues=available_catalogues(), n_operators=70,
                       n_records=1000, first=dt.date(2025, 1, 1), last=dt.date(2026, 11, 20))


@pytest.fixture
def people(make_user, world, units):
    counties = sorted({r["unit_id"] for r in world.retailers.values()})
    unit = db.session.get(OrgUnit, counties[0])
    return {"city": make_user("supervisor", city=True), "county": make_user("supervisor", unit.code),
            "unit": unit, "admin": make_user("admin"), "inspector": make_user("inspector", unit.code)}


def _two_quarters(admin):
    q1 = services.run("2026Q1", admin)
    services.review(q1, admin)
    services.publish(q1, admin)
    q2 = services.run("2026Q2", admin)
    db.session.commit()
    return q1, q2


def _all_rows(client, url):
    """Every row of a paged list, page by page (the X-Pagination header says how many pages)."""
    import json

    first = client.get(f"{url}?page_size=200")
    meta = json.loads(first.headers["X-Pagination"])
    rows = first.get_json()
    for page in range(2, meta["total_pages"] + 1):
        rows += client.get(f"{url}?page_size=200&page={page}").get_json()
    assert len(rows) == meta["total"]
    return rows


def test_a_county_supervisor_sees_only_their_countys_rows(world, people, signed_in):
    _q1, q2 = _two_quarters(people["admin"])
    unit = people["unit"]
    in_county = set(db.session.scalars(select(EvaluationRow.retailer_id).where(
        EvaluationRow.run_id == q2.id, EvaluationRow.unit_id == unit.id)))
    elsewhere = set(db.session.scalars(select(EvaluationRow.retailer_id).where(
        EvaluationRow.run_id == q2.id, EvaluationRow.unit_id != unit.id)))
    assert in_county and elsewhere

    county = signed_in(people["county"])
    listed = _all_rows(county, f"/api/evaluations/{q2.id}/rows")
    assert {r["retailer_id"] for r in listed} == in_county
    assert all(r["unit"] == unit.code for r in listed)
    detail = county.get(f"/api/evaluations/{q2.id}").get_json()
    assert [c["unit"] for c in detail["counties"]] == [unit.code]
    assert detail["total"] == len(in_county)
    assert all(m["retailer_id"] in in_county for m in detail["movers_up"] + detail["movers_down"])
    other = next(iter(elsewhere))
    assert county.get(f"/api/evaluations/{q2.id}/rows/{other}").status_code == 404
    assert county.get(f"/evaluations/{q2.id}/retailers/{other}").status_code == 404
    mine = next(iter(in_county))
    assert county.get(f"/evaluations/{q2.id}/retailers/{mine}").status_code == 200
    page = county.get(f"/evaluations/{q2.id}").get_data(as_text=True)
    foreign = db.session.get(Retailer, other)
    assert foreign.licence_no not in page and 'data-testid="actions"' not in page
    # county supervisors do not run, review or publish
    assert county.post("/api/evaluations", json={"quarter": "2026Q3"}).status_code == 403
    assert county.post(f"/api/evaluations/{q2.id}/review").status_code == 404

    city = signed_in(people["city"])
    everything = _all_rows(city, f"/api/evaluations/{q2.id}/rows")
    assert {r["retailer_id"] for r in everything} == in_county | elsewhere


def test_run_detail_compares_with_the_last_published_quarter(world, people, signed_in):
    q1, q2 = _two_quarters(people["admin"])
    city = signed_in(people["city"])
    detail = city.get(f"/api/evaluations/{q2.id}").get_json()
    assert detail["previous_quarter"] == "2026Q1" and detail["status"] == "draft"
    counts = {g["grade"]: (g["count"], g["previous"]) for g in detail["grades"]}
    assert sum(c for c, _p in counts.values()) == q2.retailer_count
    assert sum(p for _c, p in counts.values()) == q1.retailer_count
    ranks = {g: i for i, g in enumerate(("AAA", "AA", "A", "B", "C", "D"))}
    for m in detail["movers_up"]:
        assert ranks[m["grade"]] < ranks[m["previous_grade"]]
    for m in detail["movers_down"]:
        assert ranks[m["grade"]] > ranks[m["previous_grade"]]
    assert detail["movers_down"], "the test world has licences falling"
    deltas = [ranks[m["grade"]] - ranks[m["previous_grade"]] for m in detail["movers_down"]]
    assert deltas == sorted(deltas, reverse=True)  # the largest falls first
    page = city.get(f"/evaluations/{q2.id}").get_data(as_text=True)
    assert 'data-testid="by-county"' in page and 'data-testid="movers-down"' in page
    assert detail["movers_down"][0]["shop_name"] in page


def test_explanation_is_the_engine_for_that_licence(world, people, signed_in):
    _q1, q2 = _two_quarters(people["admin"])
    city = signed_in(people["city"])
    rows = db.session.scalars(select(EvaluationRow).where(EvaluationRow.run_id == q2.id,
                                                          EvaluationRow.score != 100)).all()
    row = min(rows, key=lambda r: r.score)
    data = city.get(f"/api/evaluations/{q2.id}/rows/{row.retailer_id}").get_json()
    assert data["matches_row"] is True and data["row"]["score"] == row.score
    assert data["base"] + sum(c["points"] for c in data["contributions"]) == row.score
    assert all(c["counts_until"] > "2026-06-30" for c in data["contributions"])
    page = city.get(f"/evaluations/{q2.id}/retailers/{row.retailer_id}").get_data(as_text=True)
    assert f'data-testid="grade">{row.grade}<' in page
    assert data["contributions"][0]["indicator_name"] in page


def test_review_and_publish_from_the_page_need_confirmation(world, people, signed_in):
    admin = people["admin"]
    run = services.run("2026Q3", admin)
    db.session.commit()
    city = signed_in(people["city"])
    page = city.get(f"/evaluations/{run.id}").get_data(as_text=True)
    assert 'data-testid="actions"' in page
    unconfirmed = city.post(f"/evaluations/{run.id}/review", data={})
    # refused: the run's page again, the error next to the box, nothing changed
    assert unconfirmed.status_code == 422
    assert 'data-testid="error-confirm"' in unconfirmed.get_data(as_text=True)
    assert "请勾选" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(EvaluationRun, run.id).status == "draft"
    city.post(f"/evaluations/{run.id}/review", data={"confirm": "yes"})
    db.session.expire_all()
    assert db.session.get(EvaluationRun, run.id).status == "reviewed"
    city.post(f"/evaluations/{run.id}/publish", data={"confirm": "yes"})
    db.session.expire_all()
    published = db.session.get(EvaluationRun, run.id)
    assert published.status == "published" and published.published_by_id == people["city"].id
    response = city.post(f"/evaluations/{run.id}/supersede", data={"reason": "x"})
    assert response.status_code == 422 and 'value="x"' in response.get_data(as_text=True)  # the input is kept
    assert db.session.scalars(select(EvaluationRun).where(EvaluationRun.supersedes_id == run.id)).first() is None
    response = city.post(f"/evaluations/{run.id}/supersede", data={"reason": "案件决定已被撤销"})
    new = db.session.scalars(select(EvaluationRun).where(EvaluationRun.supersedes_id == run.id)).one()
    assert response.headers["Location"].endswith(f"/evaluations/{new.id}")


def test_start_a_run_from_the_page_and_the_api(world, people, signed_in):
    city = signed_in(people["city"])
    response = city.post("/evaluations/run", data={"quarter": "2026Q2"})  # a job on the worker
    run = db.session.scalars(select(EvaluationRun)).one()
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = city.get(response.headers["Location"]).get_data(as_text=True)
    assert f"/evaluations/{run.id}" in job_page  # the job's page links to the run it computed
    body = city.post("/api/evaluations", json={"quarter": "2026Q2"}).get_json()
    assert body["id"] == run.id and body["status"] == "draft" and body["provisional"] is False
    listing = city.get("/api/evaluations").get_json()
    assert [r["quarter"] for r in listing] == ["2026Q2"]
    bad = city.post("/api/evaluations", json={"quarter": "2026-2"})
    assert bad.status_code == 422
    current = services.batch.quarter_of(services.local_today())
    body = city.post("/api/evaluations", json={"quarter": current}).get_json()
    assert body["provisional"] is True
    assert city.post(f"/api/evaluations/{body['id']}/review").status_code == 409
    home = city.get("/").get_data(as_text=True)
    assert "/evaluations" in home
