"""Every page of every role on a 390 px phone, in Chinese: no horizontal overflow and no untranslated
word.

The pages come from the URL map through the access matrix (tests/auth/test_access_matrix.py): every
endpoint must be listed there, with realistic ids, and the matrix says which principal reaches which
GET with 200. So a new page is scanned for every role that may open it, without anyone adding it here.
The world is the matrix's, plus what makes pages show more: the retailer's shop held at D by a veto,
a bonus record, an abnormal visit, an open licence check.

What counts as an untranslated word: a run of two or more Latin letters standing alone (so "ZM04"
or a licence number is not a word) in the visible text, placeholders, button values or select
options, outside elements marked translate="no" (the HTML attribute for content that is not to be
translated: user names, serial numbers, hashes, column names a file must carry, the "English"
language switch). The allow-list is short and every entry is a name that Chinese text keeps in Latin
letters: the grades (AAA, AA), file formats and encodings (PDF, CSV, JSON, UTF-8, GBK) and the program that
writes CSV files (Excel), API, GPS, and the hash algorithms a public draw is verified with (SHA, HMAC).

Screenshots of failing pages (and of every page with FULL_SHOTS=1) under tests/artifacts/every-page/."""
import os
import re
from datetime import timedelta

import pytest

from tests.browser.conftest import ARTIFACTS, PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ROLES = {"anon": "anonymous", "admin": "admin", "sup_city": "city supervisor", "sup_county": "county supervisor",
         "inspector": "inspector", "marketer": "marketer", "mkt_sup": "marketing supervisor", "retailer": "retailer",
         "partner_session": "partner"}
ALLOWED_WORDS = {"AAA", "AA", "PDF", "CSV", "JSON", "UTF", "GBK", "Excel", "API", "GPS", "SHA", "HMAC"}
# Developer tools in English by design: the interactive OpenAPI explorer.
NOT_SCANNED = {"api-docs.openapi_swagger_ui",
               "open_data.dataset_csv", "open_data.open_lists_csv",  # the CSV files are downloads, not pages
               "pwa.report_file",  # the bureau report is a PDF download
               "pwa.export_download"}  # an Excel export is a download

SCAN = r"""() => {
  const words = [];
  const visible = (el) => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const skip = (el) => !el || el.closest('[translate="no"], script, style, noscript, template');
  const take = (text, where) => {
    for (const m of (text || '').matchAll(/\b[A-Za-z]{2,}\b/g)) words.push([m[0], where, text.trim().slice(0, 80)]);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (skip(el) || !visible(el)) continue;
    take(node.textContent, 'text');
  }
  for (const el of document.querySelectorAll('input, textarea, select option, button')) {
    if (skip(el)) continue;
    const shown = el.tagName === 'OPTION' ? visible(el.closest('select')) : visible(el);
    if (!shown) continue;
    if (el.placeholder) take(el.placeholder, 'placeholder');
    if (el.tagName === 'OPTION') take(el.textContent, 'option');
    if (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type)) take(el.value, 'button');
  }
  return {words, width: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""


def _enrich(w, app):
    """More on the pages: the retailer's shop at D by a veto with a bonus on record, an abnormal
    visit and an open licence check."""
    from app.common.time import local_today
    from app.credit import recording
    from app.credit.versions import sync_shipped
    from app.extensions import db
    from app.retailers.models import Retailer
    from tests.licences.matrix import lcheck
    from tests.scheduling.matrix import sched

    sched(w, "plan")  # plans first: an inspection made before would forbid the county's only pair
    sync_shipped()
    shop = db.session.get(Retailer, w["retailer"])
    sup = w["users"]["sup_county"]
    today = local_today()
    recording.create_record(shop, "ZM01", occurred_on=today - timedelta(days=40), source="supervisor", actor=sup,
                            description="查获假冒卷烟 3 条", status="confirmed", decided_on=today - timedelta(days=30),
                            case_number="淮烟专罚〔2026〕88号")
    recording.create_record(shop, "ZM51", occurred_on=today - timedelta(days=20), source="system", actor=None,
                            description="全年履行信用承诺", status="confirmed", decided_on=today - timedelta(days=20))
    db.session.commit()
    lcheck(w)


def _pages(app, w):
    """(endpoint, url, principals that reach it with 200) for every GET of the URL map."""
    from tests.auth.test_access_matrix import ENDPOINTS

    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or rule.endpoint in NOT_SCANNED or rule.endpoint == "static":
            continue
        for case in ENDPOINTS[rule.endpoint]:
            if case["method"] != "GET":
                continue
            allowed = [p for p in ROLES if case["expect"].get(p, case["default"]) == 200]
            if allowed:
                out.append((rule.endpoint, case["url"](w), allowed))
    return out


def test_every_page_of_every_role_fits_a_phone_and_is_in_chinese(app, live_server, browser, browser_context_args,
                                                                  make_user, make_retailer):
    from tests.auth.test_access_matrix import _world

    w = _world(make_user, make_retailer)
    _enrich(w, app)
    pages = _pages(app, w)
    assert len(pages) > 40, pages  # the scan sees the app, not a handful of pages
    shots = ARTIFACTS / "every-page"
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob("*.png"):
        old.unlink()
    full_shots = os.environ.get("FULL_SHOTS") == "1"
    problems, seen = [], 0
    for principal, role in ROLES.items():
        context = browser.new_context(**browser_context_args)
        page = context.new_page()
        if principal != "anon":
            user = w["users"][principal]
            page.goto(live_server + "/login")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
        for endpoint, url, allowed in pages:
            if principal not in allowed:
                continue
            response = page.goto(live_server + url)
            if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            seen += 1
            result = page.evaluate(SCAN)
            words = [x for x in result["words"] if x[0] not in ALLOWED_WORDS]
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{principal}-{endpoint}-{url}")[:120]
            if result["width"] > PHONE["width"]:
                problems.append(f"{role} {url}: {result['width']} px wide on a {PHONE['width']} px phone")
            if words:
                problems.append(f"{role} {url}: untranslated {sorted({x[0] for x in words})} "
                                f"e.g. {words[0][1]} {words[0][2]!r}")
            if full_shots or result["width"] > PHONE["width"] or words:
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        context.close()
    assert seen > 100, seen
    assert not problems, f"{len(problems)} problems on {seen} pages:\n" + "\n".join(problems)
