"""An Excel export on a 390 px phone: a city supervisor filters the retailer list, presses 导出Excel;
the export runs on a real worker thread; the job's page shows the file; the download is the filtered
list (read back with openpyxl). Screenshots kept."""
from datetime import date

import pytest
from openpyxl import load_workbook

from app.common.time import local_today
from tests.browser.conftest import click_and_wait, sign_in
from tests.browser.test_jobs import real_worker  # noqa: F401  (fixture)
from tests.conftest import COUNTY, OTHER_COUNTY, PASSWORD
from tests.scheduling.conftest import set_grade

pytestmark = pytest.mark.browser


def test_supervisor_filters_exports_and_downloads(live_server, page, make_user, make_retailer, shot, clock,
                                                  real_worker, tmp_path):  # noqa: F811
    clock(date(2026, 11, 29))
    for k in range(30):
        shop = make_retailer(county=COUNTY if k % 2 else OTHER_COUNTY, shop_name=f"华兴便利{k}号店", tier=1 + k)
        set_grade(shop.id, "B" if k % 3 == 0 else "A", as_of=local_today())
    city = make_user("supervisor", city=True, username="sup_export")
    sign_in(page, live_server, city.username, PASSWORD)
    page.goto(f"{live_server}/retailers")
    page.click(".filter-box > summary")
    page.select_option("select[name=grade]", "B")
    page.select_option("select[name=unit]", OTHER_COUNTY)
    click_and_wait(page, "[data-testid=retailer-filters] button")
    shown = sorted(page.locator("[data-testid=retailer-list] li strong").all_inner_texts())
    assert len(shown) == 5  # k = 0, 6, 12, 18, 24
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "list-with-button")
    click_and_wait(page, "[data-testid=export-xlsx]")
    assert "/jobs/" in page.url
    assert "Excel导出" in page.locator("h1").inner_text()
    page.wait_for_function("() => document.querySelector('[data-testid=job]').dataset.state === 'done'"
                           " && !document.querySelector('[data-testid=job-result]').hidden", timeout=30000)
    link = page.locator("[data-testid=job-result-link]")
    assert link.inner_text() == "下载Excel文件"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "job-done")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx") and download.suggested_filename.startswith("零售户_")
    path = tmp_path / "export.xlsx"
    download.save_as(path)
    ws = load_workbook(path).worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:3] == ["许可证号", "店名", "县区"]
    assert sorted(r[1] for r in rows[1:]) == shown and {r[5] for r in rows[1:]} == {"B"}
