"""Lists are paged by db.paginate with one rule for the pages and the API: page 1 when the number is
missing or bad, an empty page beyond the end, the page size capped at PAGE_SIZE_MAX."""
import json
import re

import pytest

from app.auth.models import User
from app.extensions import db


@pytest.fixture
def accounts(app, make_user):
    """An admin and 30 other accounts: 31 in all (25 a page on the admin's page)."""
    admin = make_user("admin", username="a_admin")
    for i in range(30):
        db.session.add(User(username=f"u{i:02d}", display_name=f"用户{i}", role="partner", password_hash="x",
                            is_enabled=True))
    db.session.commit()
    return admin


def _listed(response):
    return re.findall(r'href="/admin/users/(\d+)"', response.get_data(as_text=True))


def test_page_boundaries_on_a_page(accounts, signed_in):
    s = signed_in(accounts)
    first = s.get("/admin/users")
    assert first.status_code == 200 and len(_listed(first)) == 25
    assert "1 / 2" in first.get_data(as_text=True) and 'href="/admin/users?page=2"' in first.get_data(as_text=True)
    last = s.get("/admin/users?page=2")
    assert len(_listed(last)) == 6 and 'rel="next"' not in last.get_data(as_text=True)
    assert set(_listed(first)).isdisjoint(_listed(last))
    beyond = s.get("/admin/users?page=3")
    page = beyond.get_data(as_text=True)
    assert beyond.status_code == 200 and _listed(beyond) == []
    assert "本页已超出列表末尾" in page and 'href="/admin/users?page=2"' in page  # back to the last page
    for bad in ("abc", "0", "-3"):
        assert _listed(s.get(f"/admin/users?page={bad}")) == _listed(first), bad
    # the pager keeps the other query arguments
    filtered = s.get("/admin/users?role=partner").get_data(as_text=True)
    assert "role=partner" in re.search(r'<nav class="pager".*?</nav>', filtered, re.S).group(0)


def test_page_boundaries_in_the_api(accounts, signed_in):
    s = signed_in(accounts)
    first = s.get("/api/users?page_size=25")
    meta = json.loads(first.headers["X-Pagination"])
    assert first.status_code == 200 and len(first.get_json()) == 25
    assert meta["total"] == 31 and meta["total_pages"] == 2 and meta["next_page"] == 2
    last = s.get("/api/users?page_size=25&page=2")
    assert len(last.get_json()) == 6 and json.loads(last.headers["X-Pagination"])["last_page"] == 2
    beyond = s.get("/api/users?page_size=25&page=3")
    assert beyond.status_code == 200 and beyond.get_json() == []
    assert json.loads(beyond.headers["X-Pagination"])["total"] == 31
    assert len(s.get("/api/users?page_size=200").get_json()) == 31


def test_page_size_is_capped_at_page_size_max(app, accounts, signed_in):
    s = signed_in(accounts)
    cap = app.config["PAGE_SIZE_MAX"]
    too_big = s.get(f"/api/users?page_size={cap + 1}")
    assert too_big.status_code == 422 and "page_size" in too_big.get_json()["errors"]
    for url in ("/api/retailers", "/api/credit-records", "/api/credit-records/queue", "/api/audit",
                "/api/inspections"):
        assert s.get(f"{url}?page_size={cap + 1}").status_code == 422, url
    from app.common.paging import paginate
    from sqlalchemy import select

    with app.test_request_context("/?page=1"):
        assert paginate(select(User).order_by(User.id), per_page=cap * 10).per_page == cap


def test_a_capped_count_says_more_than_and_keeps_paging(app, accounts):
    """count_cap: the total is counted up to the cap (and always past the page asked for); beyond it the
    page knows there is more, and the last page is exact."""
    from sqlalchemy import select

    from app.common.paging import paginate

    stmt = select(User).order_by(User.id)  # 31 accounts
    with app.test_request_context("/"):
        first = paginate(stmt, per_page=10, page=1, count_cap=15)
        assert (first.total, first.capped, first.pages, first.has_next) == (15, True, 2, True)
        assert len(first.items) == 10
        second = paginate(stmt, per_page=10, page=2, count_cap=15)  # the cap is below the page's end
        assert (second.total, second.capped, second.pages, second.has_next) == (20, True, 2, True)
        last = paginate(stmt, per_page=10, page=4, count_cap=15)
        assert (last.total, last.capped, last.pages, last.has_next) == (31, False, 4, False)
        assert len(last.items) == 1
        whole = paginate(stmt, per_page=10, page=1, count_cap=100)
        assert (whole.total, whole.capped, whole.pages) == (31, False, 4)
        filtered = paginate(stmt.where(User.role == "admin"), per_page=10, page=1, count_cap=15)
        assert (filtered.total, filtered.capped, filtered.has_next) == (1, False, False)
