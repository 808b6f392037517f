"""What the public sees of a random draw: before its period ends the commitment and the counts per
published grade, never a shop and never a live grade; after the period the seed, the pool with the
published grades, the drawn shops with their results, and a list anyone can re-derive."""
import json
from datetime import timedelta

from sqlalchemy import select

from app.common.time import local_today, utcnow
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.scheduling import planner as P
from app.scheduling import planning
from app.scheduling.models import RandomDraw, Visit
from tests.conftest import COUNTY
from tests.scheduling.conftest import next_month_start


def publish_quarter(shops, grades, quarter="2026Q3"):
    """A published evaluation run whose objection window has closed: the official grades the public sees."""
    today = local_today()
    run = EvaluationRun(quarter=quarter, as_of=today - timedelta(days=60), status="published",
                        retailer_count=len(shops), published_at=utcnow() - timedelta(days=40),
                        objection_closes_on=today - timedelta(days=19), summary={})
    db.session.add(run)
    db.session.flush()
    for shop, grade in zip(shops, grades):
        score = {"AAA": 125, "AA": 115, "A": 100, "B": 90, "C": 75, "D": 60}[grade]
        db.session.add(EvaluationRow(run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, score=score,
                                     monopoly=0, marketing=0, social=0, score_grade=grade, grade=grade))
    db.session.commit()
    return run


def approved_plan(county):
    """A quarter's plan (its draw takes the whole quarter's share: at least ⌊n × share⌋ shops per grade)."""
    plan = planning.create_plan(county["supervisor"], COUNTY, "quarter", next_month_start())
    db.session.commit()
    planning.approve(plan, county["approver"])
    db.session.commit()
    return plan, planning.current_draw(plan)


def test_before_the_period_ends_the_public_sees_counts_not_shops(app, county, client):
    """The county's live grades hold B, C, C, D (county fixture); the published quarter has them A and B.
    An approved plan's draw: the public sees the commitment and the strata of published grades only."""
    shops = county["shops"]
    publish_quarter(shops, ["A"] * 28 + ["B", "AA"])
    plan, draw = approved_plan(county)
    assert draw.status == "revealed" and draw.selected  # approved: the draw has happened (28 A × 5 % ≥ 1)
    assert draw.grade_basis == "published" and draw.grades_quarter == "2026Q3"
    assert {g for _sid, g in draw.pool} == {"A", "B", "AA"}  # never the live C and D

    body = client.get(f"/api/public/draws/{draw.id}")
    assert body.status_code == 200
    pub = body.get_json()
    for key in ("seed", "pool", "selected", "results", "verification"):
        assert key not in pub, key
    assert pub["commitment"] == draw.commitment and pub["pool_size"] == 30 and pub["published"] is False
    assert pub["published_from"] == (plan.period_end + timedelta(days=1)).isoformat()
    assert_strata(pub["strata"], draw, {"AA": 1, "A": 28, "B": 1})
    text = json.dumps(pub)
    for shop in shops:
        assert shop.licence_no not in text
    assert '"C"]' not in text and '"D"]' not in text  # no [shop, live grade] pair anywhere

    page = client.get(f"/public/random-checks?unit={COUNTY}&period=quarter&start={plan.period_start.isoformat()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and draw.commitment in html and draw.seed not in html
    assert "已公布的 2026Q3 季度信用等级" in html and 'data-testid="draw-sealed"' in html
    for sid in draw.selected:
        shop = next(s for s in shops if s.id == sid)
        assert shop.licence_no not in html
    # a random check done during the period is not listed yet either: it would name a drawn shop
    visit = db.session.scalars(select(Visit).where(Visit.draw_id == draw.id)).first()
    visit.status, visit.outcome, visit.done_on = "done", "no_violation", visit.planned_on
    db.session.commit()
    html = client.get(f"/public/random-checks?unit={COUNTY}&period=quarter&start={plan.period_start.isoformat()}"
                      ).get_data(as_text=True)
    assert visit.retailer.licence_no not in html


def test_after_the_period_the_list_results_and_seed_are_public(app, county, client, clock):
    shops = county["shops"]
    publish_quarter(shops, ["A"] * 28 + ["B", "AA"])
    plan, draw = approved_plan(county)
    visits = list(db.session.scalars(select(Visit).where(Visit.draw_id == draw.id).order_by(Visit.id)))
    visits[0].status, visits[0].outcome, visits[0].done_on = "done", "violation", visits[0].planned_on
    db.session.commit()
    clock(plan.period_end + timedelta(days=1))
    pub = client.get(f"/api/public/draws/{draw.id}").get_json()
    assert pub["published"] is True and pub["seed"] == draw.seed
    assert pub["verification"]["ok"] and sorted(pub["selected"]) == sorted(draw.selected)
    assert {g for _sid, g in pub["pool"]} == {"A", "B", "AA"}
    # anyone can re-derive the list from what is published
    assert P.verify_draw(pub["seed"], pub["pool"], pub["policy_version"], pub["shares"], pub["commitment"],
                         pub["selected"])["ok"]
    results = {r["retailer_id"]: r for r in pub["results"]}
    assert set(results) == set(draw.selected)
    assert results[visits[0].retailer_id]["status"] == "done" and results[visits[0].retailer_id]["outcome"] == "violation"
    assert all(r["licence_no"] for r in results.values())
    page = client.get(f"/public/random-checks?unit={COUNTY}&period=quarter&start={plan.period_start.isoformat()}"
                      ).get_data(as_text=True)
    assert draw.seed in page and visits[0].retailer.licence_no in page


def test_on_the_last_day_of_the_period_it_is_still_sealed(app, county, client, clock):
    plan, draw = approved_plan(county)
    clock(plan.period_end, hour=23)
    assert "seed" not in client.get(f"/api/public/draws/{draw.id}").get_json()
    clock(plan.period_end + timedelta(days=1), hour=0)
    assert client.get(f"/api/public/draws/{draw.id}").get_json()["seed"] == draw.seed


def test_before_any_published_quarter_every_shop_counts_as_a(app, county, client):
    plan, draw = approved_plan(county)
    assert draw.grades_quarter is None and {g for _sid, g in draw.pool} == {"A"}
    pub = client.get(f"/api/public/draws/{draw.id}").get_json()
    assert_strata(pub["strata"], draw, {"A": 30})


def assert_strata(strata, draw, sizes):
    """Per grade: the pool, the chance per shop (a quarter's plan: the whole quarterly share), the
    number drawn (systematic sampling: ⌊n p⌋ or ⌈n p⌉), the quarter's share reached."""
    import math

    grade_of = {sid: g for sid, g in draw.pool}
    assert [s["grade"] for s in strata] == [g for g in P.GRADES if g in sizes]
    for s in strata:
        g, p = s["grade"], {"AAA": 0.02, "AA": 0.03, "A": 0.05, "B": 0.10, "C": 0.20, "D": 0.30}[s["grade"]]
        assert s["pool"] == sizes[g] and s["probability"] == p and s["quarter_after"] == p
        assert s["drawn"] == sum(1 for i in draw.selected if grade_of[i] == g)
        assert math.floor(sizes[g] * p) <= s["drawn"] <= math.ceil(sizes[g] * p)


def test_a_draw_made_by_live_grades_never_shows_them_per_shop(app, county, client, clock):
    """A draw committed before this rule (migration 0008 marks it "live") keeps its live-grade strata:
    the public gets counts per grade and, after the period, the list and the server's verification, but
    never the pool's grade per shop."""
    plan, draw = approved_plan(county)
    live = [[sid, county["grades"][sid]] for sid, _g in draw.pool]
    d = db.session.get(RandomDraw, draw.id)
    d.pool, d.grade_basis, d.grades_quarter = live, "live", None
    d.pool_digest = P.pool_digest(live)
    d.selected, _per = P.random_draw(d.seed, live, d.shares)
    d.commitment = P.commitment(d.seed, d.pool_digest, d.policy_version, d.shares)
    db.session.commit()
    pub = client.get(f"/api/public/draws/{draw.id}").get_json()
    assert {s["grade"] for s in pub["strata"]} == {"AAA", "AA", "A", "B", "C", "D"} and "pool" not in pub
    clock(plan.period_end + timedelta(days=1))
    pub = client.get(f"/api/public/draws/{draw.id}").get_json()
    assert pub["seed"] == d.seed and pub["verification"]["ok"] and "pool" not in pub
    assert '"C"]' not in json.dumps(pub)
