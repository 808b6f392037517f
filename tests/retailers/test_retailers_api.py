"""Retailers API: validation in the user's language, search, pagination, scope, concurrency, privacy."""
import json

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.retailers.models import Operator, Retailer
from tests.conftest import COUNTY, OTHER_COUNTY, _valid_id

GOOD = {"licence_no": f"{COUNTY}500001", "shop_name": "华兴便利", "operator_name": "张三",
        "operator_id_number": None, "address": "淮安市清江浦区淮海东路8号", "unit": COUNTY,
        "market_type": "city", "business_format": "convenience", "licence_issued_on": "2024-03-01",
        "licence_expires_on": "2029-03-01", "tier": 12, "phone": "13912345678", "lat": 33.6, "lng": 119.0}


def good(**kw):
    body = dict(GOOD, operator_id_number=_valid_id(77))
    body.update(kw)
    return body


def test_create_validates_field_by_field_in_chinese(app, make_user, signed_in):
    s = signed_in(make_user("supervisor", COUNTY))
    bad = s.post("/api/retailers", json=good(licence_no="12AB", operator_id_number="320812199001011234",
                                             tier=31, market_type="metro", phone="123", lat=200,
                                             licence_expires_on="2020-01-01", shop_name=None))
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert errors["licence_no"] == ["许可证号为 12 位数字：6 位县区代码加 6 位顺序号。"]
    assert "居民身份证号" in errors["operator_id_number"][0]
    assert errors["tier"] == ["数值超出范围。"]
    assert errors["market_type"] == ["请从可选项中选择。"]
    assert errors["shop_name"] == ["此项不能为空。"]
    assert errors["phone"] == ["不是有效的电话号码。"]
    missing = s.post("/api/retailers", json={"licence_no": f"{COUNTY}500002"})
    assert missing.get_json()["errors"]["address"] == ["此项为必填项。"]
    assert db.session.scalar(select(db.func.count(Retailer.id))) == 0


def test_english_errors_when_english_is_chosen(app, make_user, signed_in):
    s = signed_in(make_user("supervisor", COUNTY))
    s.client.set_cookie("lang", "en")
    bad = s.post("/api/retailers", json=good(tier=0))
    assert bad.get_json()["errors"]["tier"] == ["Value out of range."]


def test_create_stores_only_a_keyed_hash_of_the_id_number(app, make_user, signed_in):
    s = signed_in(make_user("supervisor", COUNTY))
    body = good()
    created = s.post("/api/retailers", json=body)
    assert created.status_code == 201, created.get_json()
    assert body["operator_id_number"] not in created.get_data(as_text=True)
    operator = db.session.scalars(select(Operator)).one()
    assert operator.id_hash != body["operator_id_number"] and len(operator.id_hash) == 64
    # nothing in the database or the audit trail holds the number in clear
    for entry in db.session.scalars(select(AuditEntry)):
        assert body["operator_id_number"] not in json.dumps(entry.after, ensure_ascii=False)
    # the same person's second licence links to the same operator
    second = s.post("/api/retailers", json=good(licence_no=f"{COUNTY}500003", shop_name="华兴超市"))
    assert second.status_code == 201
    assert db.session.scalar(select(db.func.count(Operator.id))) == 1


def test_county_rules_on_create(app, make_user, signed_in):
    s = signed_in(make_user("supervisor", COUNTY))
    other = s.post("/api/retailers", json=good(licence_no=f"{OTHER_COUNTY}500001", unit=OTHER_COUNTY))
    assert other.status_code == 422 and "本县区" in other.get_json()["errors"]["unit"][0]
    prefix = s.post("/api/retailers", json=good(licence_no=f"{OTHER_COUNTY}500001"))
    assert "县区代码" in prefix.get_json()["errors"]["licence_no"][0]
    assert s.post("/api/retailers", json=good()).status_code == 201
    dup = s.post("/api/retailers", json=good())
    assert dup.status_code == 422 and "已登记" in dup.get_json()["errors"]["licence_no"][0]


def test_update_needs_if_match_and_detects_concurrent_change(app, make_user, make_retailer, signed_in):
    retailer = make_retailer()
    s = signed_in(make_user("supervisor", COUNTY))
    got = s.get(f"/api/retailers/{retailer.id}")
    etag = got.headers["ETag"]
    assert s.patch(f"/api/retailers/{retailer.id}", json={"tier": 20}).status_code == 428
    ok = s.patch(f"/api/retailers/{retailer.id}", json={"tier": 20, "shop_name": "华兴便利（新店）"},
                 headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.get_json()["tier"] == 20
    assert ok.headers["ETag"] != etag
    stale = s.patch(f"/api/retailers/{retailer.id}", json={"tier": 21}, headers={"If-Match": etag})
    assert stale.status_code == 412
    db.session.expire_all()
    fresh = db.session.get(Retailer, retailer.id)
    assert fresh.tier == 20 and fresh.name_initials.startswith("hxbl")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retailer.update")).one()
    assert entry.before == {"shop_name": "华兴便利店", "tier": 10}
    assert entry.after == {"shop_name": "华兴便利（新店）", "tier": 20}
    cannot = s.patch(f"/api/retailers/{retailer.id}", json={"licence_no": f"{COUNTY}777777"},
                     headers={"If-Match": ok.headers["ETag"]})
    assert cannot.status_code == 422


def test_search_by_licence_name_and_pinyin_initials(app, make_user, make_retailer, signed_in):
    a = make_retailer(shop_name="华兴便利")
    make_retailer(shop_name="苏果超市")
    make_retailer(shop_name="华兴便利", county=OTHER_COUNTY)
    s = signed_in(make_user("inspector", COUNTY))
    by_initials = s.get("/api/retailers/search?q=hxbl").get_json()
    assert [r["licence_no"] for r in by_initials] == [a.licence_no]  # the other county's shop is not there
    assert [r["shop_name"] for r in s.get("/api/retailers/search?q=苏果").get_json()] == ["苏果超市"]
    assert [r["id"] for r in s.get(f"/api/retailers/search?q={a.licence_no[:9]}").get_json()][0] == a.id
    assert s.get("/api/retailers/search?q=HXBL").get_json()[0]["id"] == a.id
    assert s.get("/api/retailers/search?q=%25").get_json() == []  # LIKE wildcards are escaped
    assert s.get("/api/retailers/search").status_code == 422


def test_list_is_paginated_filtered_and_scoped(app, make_user, make_retailer, signed_in):
    for i in range(25):
        make_retailer(shop_name=f"店{i:02d}", tier=5 if i < 10 else 15)
    make_retailer(county=OTHER_COUNTY)
    s = signed_in(make_user("marketer", COUNTY))
    page1 = s.get("/api/retailers?page=1&page_size=10")
    meta = json.loads(page1.headers["X-Pagination"])
    assert meta["total"] == 25 and meta["total_pages"] == 3 and len(page1.get_json()) == 10
    assert len(s.get("/api/retailers?page=3&page_size=10").get_json()) == 5
    assert json.loads(s.get("/api/retailers?tier_max=5").headers["X-Pagination"])["total"] == 10
    assert s.get("/api/retailers?page_size=1000").status_code == 422
    city = signed_in(make_user("supervisor", city=True))
    assert json.loads(city.get("/api/retailers").headers["X-Pagination"])["total"] == 26


def test_staff_pages_paginate_and_show_detail(app, make_user, make_retailer, signed_in):
    for i in range(23):
        make_retailer(shop_name=f"便利{i:02d}")
    s = signed_in(make_user("inspector", COUNTY))
    page = s.get("/retailers").get_data(as_text=True)
    assert "共 23 条" in page and "1 / 2" in page
    r = db.session.scalars(select(Retailer)).first()
    detail = s.get(f"/retailers/{r.id}").get_data(as_text=True)
    assert r.licence_no in detail and "geo:" in detail
