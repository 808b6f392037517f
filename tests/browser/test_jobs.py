"""A long job watched on a phone: a county supervisor drafts a quarter's plan; the planning runs on a
real worker (a Huey consumer thread, SQLite storage), the job's page shows the bar moving (done /
total, time left) by polling its JSON, then the link to the plan. The status page shows when each
background job last ran, with stale ones flagged. 390 px wide, screenshots kept."""
import time

import pytest

from app.extensions import db
from app.jobs.schedule import PERIODIC
from tests.browser.conftest import sign_in
from tests.conftest import COUNTY, PASSWORD
from tests.scheduling.conftest import next_month_start

pytestmark = pytest.mark.browser


@pytest.fixture
def real_worker(app, tmp_path, monkeypatch):
    """The job runner as in production for this test: queued tasks in an SQLite file, executed by a
    consumer thread, instead of immediate mode."""
    from huey.storage import SqliteStorage

    from app.jobs import runner
    from app.jobs.runner import huey

    monkeypatch.setattr(runner._State, "app", app)  # the worker thread runs for this test's app
    huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(tmp_path / "jobs.sqlite3")}
    huey.immediate = False
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False, initial_delay=0.05,
                                    max_delay=0.2, check_worker_health=False)
    consumer.start()
    yield huey
    consumer.stop(graceful=True)
    huey.immediate = True


def test_plan_job_progress_on_a_phone_then_the_status_page(app, live_server, page, make_user, make_retailer, shot,
                                                           real_worker, monkeypatch):
    from app.jobs import progress as live
    from app.scheduling import settings

    for i in range(30):
        make_retailer(shop_name=f"华兴便利{i}号店", lat=33.58 + i * 0.002, lng=119.0 + (i % 5) * 0.004)
    for k in range(4):
        settings.set_inspector(make_user("inspector", COUNTY, username=f"insp_j{k}"), daily_capacity=20)
    db.session.commit()
    sup = make_user("supervisor", COUNTY, username="sup_jobs")

    # routing a day takes a moment here, so the bar can be seen moving (the real work, slowed)
    advance = live.Progress.advance

    def slow_advance(self, k=1, step=None):
        time.sleep(0.12)
        return advance(self, k, step)

    monkeypatch.setattr(live.Progress, "advance", slow_advance)

    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/plans")
    page.select_option("select[name=period]", "quarter")
    page.fill("input[name=start]", next_month_start().isoformat())
    with page.expect_navigation():
        page.locator("[data-testid=plan-create] button").click()
    assert "/jobs/" in page.url
    card = page.locator("[data-testid=job]")
    assert "检查计划" in page.locator("h1").inner_text()
    # running: the bar has moved, the count and the time left are shown
    page.wait_for_function("""() => {
        const c = document.querySelector('[data-testid=job]');
        const pct = parseInt(document.querySelector('[data-testid=job-percent]').textContent, 10);
        return c.dataset.state === 'running' && pct >= 15 && pct < 100
            && document.querySelector('[data-testid=job-eta]').textContent.includes('预计还需');
    }""", timeout=30000)
    count = page.locator("[data-testid=job-count]").inner_text()
    done, total = (int(x) for x in count.split(" / "))
    assert total == 100 and 15 <= done < 100
    styled = page.evaluate("document.querySelector('.progress-fill').style.width")
    assert 15 <= int(styled.rstrip("%")) < 100  # the bar's width follows the percentage
    page.wait_for_timeout(500)  # the bar's transition ends
    width = page.evaluate("document.querySelector('.progress-fill').getBoundingClientRect().width")
    full = page.evaluate("document.querySelector('.progress').getBoundingClientRect().width")
    assert 0.1 * full < width < full
    assert "运行中" in page.locator("[data-testid=job-state]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "job-running")
    # done: the bar is full and the plan is linked
    page.wait_for_selector("[data-testid=job][data-state=done]", timeout=60000)
    assert page.locator("[data-testid=job-percent]").inner_text() == "100%"
    assert "用时" in page.locator("[data-testid=job-eta]").inner_text()
    assert card.get_attribute("data-state") == "done"
    shot(page, "job-done")
    with page.expect_navigation():
        page.locator("[data-testid=job-result] a").click()
    assert "/plans/" in page.url and page.locator("[data-testid=plan-status]").inner_text() == "草稿"

    # the background jobs' status: nothing periodic ran in this test, so every job is flagged stale
    page.goto(f"{live_server}/admin/jobs")
    assert page.locator("h1").inner_text() == "后台任务"
    assert page.locator("[data-testid=stale]").count() == len(PERIODIC)
    assert page.locator("[data-testid=long-jobs] li a").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "status")
