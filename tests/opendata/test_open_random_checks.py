"""Open data of the random checks (双随机、一公开): while a draw's period runs, /api/open/draws shows its
commitment and strata but no seed, and /api/open/random-checks lists none of its checks (a result would
name a drawn shop); after the period both are public, shop names masked."""
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.scheduling.models import Visit
from app.scheduling.queries import mask_name
from tests.scheduling.conftest import county  # noqa: F401 - the fixture, used by name
from tests.scheduling.conftest import PINNED_DAY
from tests.scheduling.test_public_draws import approved_plan, publish_quarter


def test_random_checks_and_draws_become_open_data_after_the_period(app, county, client, clock):  # noqa: F811
    clock(PINNED_DAY)  # the plan's quarter lies in a year whose official calendar is seeded
    shops = county["shops"]
    publish_quarter(shops, ["A"] * 28 + ["B", "AA"])
    plan, draw = approved_plan(county)
    visits = list(db.session.scalars(select(Visit).where(Visit.draw_id == draw.id).order_by(Visit.id)))
    done = next((v for v in visits if v.retailer_id == shops[0].id), visits[0])
    done.status, done.outcome, done.done_on = "done", "violation", done.planned_on
    db.session.commit()

    sealed = client.get("/api/open/draws").get_json()
    assert [(d["id"], d["published"], d["seed"], d["drawn"]) for d in sealed] == [(draw.id, False, None, None)]
    assert sealed[0]["commitment"] == draw.commitment and sealed[0]["strata"]
    assert client.get("/api/open/random-checks").get_json() == []

    clock(plan.period_end + timedelta(days=1))
    opened = client.get("/api/open/draws?county=320812").get_json()
    assert opened[0]["published"] is True and opened[0]["seed"] == draw.seed
    assert opened[0]["drawn"] == len(draw.selected) and opened[0]["details_url"] == f"/api/public/draws/{draw.id}"
    checks = client.get("/api/open/random-checks").get_json()
    assert [(c["draw_id"], c["licence_no"], c["outcome"]) for c in checks] == [
        (draw.id, done.retailer.licence_no, "violation")]
    assert checks[0]["shop_name"] == mask_name(done.retailer.shop_name, done.retailer.operator_name)
    assert "王小明" not in client.get("/api/open/random-checks").get_data(as_text=True)  # every operator's name
    assert client.get("/api/open/random-checks?county=320830").get_json() == []
