"""A city supervisor computes, reviews and publishes a quarterly evaluation on a phone; the public looks
a shop up once the objection window has closed."""
import datetime as dt
import random

import pytest

from app.extensions import db
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def submit(page, locator):
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("networkidle")


def test_supervisor_publishes_and_the_public_sees_it_after_the_window(app, live_server, page, units, make_user,
                                                                    shot, clock):
    from scoring import available_catalogues

    from app.evaluation import services
    from app.evaluation.models import EvaluationRow, EvaluationRun
    from app.retailers.models import Retailer
    from tests.evaluation.world import build_world

    clock(dt.date(2026, 12, 5))  # the quarters offered are those before today: 2026Q2 is one of them
    build_world(random.Random(3), units, catalogues=available_catalogues(), n_operators=40, n_records=500,
                first=dt.date(2025, 6, 1), last=dt.date(2026, 11, 20))
    admin = make_user("admin")
    previous = services.run("2026Q1", admin)
    services.review(previous, admin)
    services.publish(previous, admin, today=services.local_today() - dt.timedelta(days=60))  # window closed
    db.session.commit()
    sup = make_user("supervisor", city=True, username="city_sup_browser")

    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/evaluations")
    page.select_option("[data-testid=start-run] select[name=quarter]", "2026Q2")
    submit(page, page.locator("[data-testid=start-run] button"))
    # computed as a job (at once in tests): its page says it is done and links to the run
    page.wait_for_selector("[data-testid=job][data-state=done]")
    assert page.locator("[data-testid=job-percent]").inner_text() == "100%"
    submit(page, page.locator("[data-testid=job-result] a"))
    assert page.locator("[data-testid=run-status]").inner_text() == "草稿"
    assert page.locator("[data-testid=by-grade] tbody tr").count() == 6
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "run-draft")

    # review needs the confirmation box (the browser refuses the form without it)
    page.check("[data-testid=actions] input[name=confirm]")
    submit(page, page.locator("[data-testid=actions] button"))
    assert page.locator("[data-testid=run-status]").inner_text() == "已审核"
    page.check("[data-testid=actions] input[name=confirm]")
    submit(page, page.locator("[data-testid=actions] button"))
    assert page.locator("[data-testid=run-status]").inner_text() == "已发布"
    shot(page, "run-published")

    run = db.session.query(EvaluationRun).filter_by(quarter="2026Q2").one()
    row = db.session.query(EvaluationRow).filter_by(run_id=run.id).order_by(EvaluationRow.score).first()
    page.goto(f"{live_server}/evaluations/{run.id}/retailers/{row.retailer_id}")
    assert page.locator("[data-testid=grade]").inner_text() == row.grade
    shot(page, "explanation")

    retailer = db.session.get(Retailer, row.retailer_id)
    public = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    anon = public.new_page()
    anon.goto(f"{live_server}/grades?q={retailer.licence_no}")
    assert retailer.shop_name in anon.content()
    assert anon.locator("[data-grade]").count() == 1  # the Q1 grade: Q2 is still in its objection window
    assert anon.locator("[data-grade]").get_attribute("data-grade") == \
        db.session.query(EvaluationRow).filter_by(run_id=previous.id, retailer_id=retailer.id).one().grade
    clock(run.objection_closes_on)
    anon.reload()
    assert anon.locator("[data-grade]").get_attribute("data-grade") == row.grade
    assert retailer.operator_name not in anon.content()
    shot(anon, "public")
    public.close()
