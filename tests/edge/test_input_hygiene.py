"""Input hygiene at the edge: NUL bytes, lone surrogates, over-deep JSON, non-finite numbers and
integers beyond the database's range are refused (400, or 404 for an id that cannot exist) before
they reach the database, on SQLite and PostgreSQL alike; pages answer with the Chinese error page."""
import json

import pytest

from app.common.edge import json_depth_exceeds
from app.extensions import db

BIG = str(2 ** 31)          # one past PostgreSQL's integer
HUGE = str(2 ** 63)         # one past SQLite's integer
NUL_MESSAGE_ZH = "不允许的字符"


def _is_chinese_error_page(response, status):
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:300]
    assert response.mimetype == "text/html"
    assert f"<h1>{status}</h1>" in text
    return text


def _api_error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["code"] == status
    return body


@pytest.fixture
def staff(make_user, signed_in):
    return signed_in(make_user("supervisor"))


# ---- NUL bytes ------------------------------------------------------------------------------------

def test_nul_in_a_query_string_is_400_on_the_public_grade_page_and_api(client):
    page = client.get("/grades?q=a%00bc")
    assert NUL_MESSAGE_ZH in _is_chinese_error_page(page, 400)
    api = _api_error(client.get("/api/public/grades?q=a%00bc"), 400)
    assert NUL_MESSAGE_ZH in api["message"] and api["status"] == "Bad Request"


def test_nul_in_a_path_is_400(client):
    _is_chinese_error_page(client.get("/verify/a%00b"), 400)
    _api_error(client.get("/api/partner/retailers/32%0012", headers={"Authorization": "Bearer x"}), 400)


def test_nul_in_a_login_name_is_400_and_nothing_is_written(app, client):
    from sqlalchemy import func, select

    from app.auth.models import LoginAttempt

    token = client.get("/api/csrf").get_json()["csrf_token"]
    response = client.post("/login", data={"username": "adm\x00in", "password": "x", "csrf_token": token})
    _is_chinese_error_page(response, 400)
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_nul_in_a_json_body_is_400(staff):
    response = staff.post("/api/credit-records", data=json.dumps({"retailer_id": 1, "description": "a\u0000b"}),
                          content_type="application/json")
    assert NUL_MESSAGE_ZH in _api_error(response, 400)["message"]


def test_the_error_message_follows_the_language(client):
    body = _api_error(client.get("/api/public/grades?q=a%00bc&lang=en"), 400)
    assert "not allowed" in body["message"]


# ---- lone surrogates, deep JSON, non-finite numbers --------------------------------------------------

def test_a_lone_surrogate_in_json_is_400(staff):
    raw = '{"retailer_id": 1, "indicator_code": "ZM01", "description": "\\ud800"}'
    response = staff.post("/api/credit-records", data=raw, content_type="application/json")
    assert NUL_MESSAGE_ZH in _api_error(response, 400)["message"]
    raw_key = '{"\\udfff": 1}'
    _api_error(staff.post("/api/credit-records", data=raw_key, content_type="application/json"), 400)


def test_json_nested_100000_deep_is_400(staff):
    raw = "[" * 100_000 + "]" * 100_000
    body = _api_error(staff.post("/api/credit-records", data=raw, content_type="application/json"), 400)
    assert "嵌套" in body["message"]


def test_nan_and_infinity_are_not_json(staff):
    for raw in ('{"retailer_id": NaN}', '{"retailer_id": 1, "quantity": Infinity}', '{"x": 1e999}'):
        _api_error(staff.post("/api/credit-records", data=raw, content_type="application/json"), 400)


def test_depth_scanner_skips_brackets_inside_strings():
    assert not json_depth_exceeds(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 32)
    assert not json_depth_exceeds(b'["\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]', 32)
    assert json_depth_exceeds(b"[" * 33 + b"]" * 33, 32)
    assert not json_depth_exceeds(b"[" * 32 + b"]" * 32, 32)


# ---- integers beyond the database's range ------------------------------------------------------------

@pytest.mark.parametrize("number", [BIG, HUGE, "0"])
def test_an_id_out_of_range_in_the_path_is_404_also_anonymous(client, number):
    _api_error(client.get(f"/api/public/draws/{number}"), 404)


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_an_id_out_of_range_on_a_page_is_the_404_page(staff, number):
    _is_chinese_error_page(staff.get(f"/retailers/{number}"), 404)
    _api_error(staff.get(f"/api/retailers/{number}"), 404)


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_page_numbers_out_of_range(staff, number):
    body = _api_error(staff.get(f"/api/credit-records?page={number}"), 422)
    assert body["errors"]["page"] == ["数值超出范围。"]
    _api_error(staff.get(f"/api/retailers?page={number}"), 422)
    _is_chinese_error_page(staff.get(f"/inspections?page={number}"), 400)
    _is_chinese_error_page(staff.get(f"/public/commitments?page={number}"), 400)


@pytest.mark.parametrize("number", [BIG, HUGE])
def test_ids_out_of_range_in_queries_and_bodies(staff, number):
    body = _api_error(staff.get(f"/api/credit-records?retailer_id={number}"), 422)
    assert "retailer_id" in body["errors"]
    body = _api_error(staff.post("/api/credit-records", data='{"retailer_id": %s, "indicator_code": "ZM01", '
                                 '"occurred_on": "2026-01-05"}' % number, content_type="application/json"), 422)
    assert body["errors"]["retailer_id"] == ["数值超出范围。"]
    # a list page's filter: refused (400) and named on the page, the other filters still shown
    page = staff.get(f"/inspections?retailer_id={number}")
    assert page.status_code == 400 and 'data-testid="filter-error"' in page.get_data(as_text=True)
    assert "数值超出范围" in page.get_data(as_text=True)


def test_numbers_in_range_still_work(staff, make_retailer):
    shop = make_retailer()
    assert staff.get(f"/api/retailers/{shop.id}").status_code == 200
    assert staff.get("/api/credit-records?page=2147483647").status_code == 200
    assert staff.get("/inspections?page=3").status_code == 200
    assert db.session.get  # the session is still usable
