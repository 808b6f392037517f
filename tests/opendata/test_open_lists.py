"""The red and black lists as open data: /api/open/lists (anonymous, paged, ETag / 304, rate-limited
with the other open endpoints) and /api/open/lists.csv, with personal names masked; listings reach
them through the real flow (proposal by the job, review, public notice, effect) and leave on exit."""
import csv
import io
from datetime import date

from app.credit import recording
from app.extensions import db, limiter
from app.lists import services as lists
from app.lists.models import ListEntry
from tests.background import run_jobs
from tests.opendata.test_open_data import ID_NUMBER, publish, shops  # noqa: F401 - the fixture


def _black_listing(shops, make_user, clock):  # noqa: F811
    sup = make_user("supervisor")
    for shop in shops[:2]:
        recording.create_record(shop, "ZM02", occurred_on=date(2026, 11, 20), source="supervisor", actor=sup,
                                status="confirmed", case_number=f"淮烟罚〔2026〕{shop.id}号",
                                decided_on=date(2026, 12, 1))
    db.session.commit()
    publish(shops, ["C", "C", "AAA", "AAA", "AA"], quarter="2026Q4")
    run_jobs("lists.daily")
    entries = list(db.session.scalars(db.select(ListEntry).order_by(ListEntry.id)))
    assert [(e.kind, e.status) for e in entries] == [("black", "proposed"), ("black", "proposed")]
    lists.review(entries[0], True, "", sup)
    lists.review(entries[1], True, "", sup)
    db.session.commit()
    return sup, entries


def test_open_lists_show_listings_in_notice_and_in_effect_masked(shops, make_user, clock, client):  # noqa: F811
    sup, (first, second) = _black_listing(shops, make_user, clock)
    assert client.get("/api/open/lists").get_json() == client.get("/api/open/lists?status=notice").get_json()
    clock(date(2027, 1, 8))  # the retailer of the second contests it during the notice
    lists.object_to(second, "该记录已申请信用修复，请求暂缓公布。", make_user("retailer", retailers=[shops[1]]))
    db.session.commit()
    clock(date(2027, 1, 12))  # the notice (7 days) is over for both; the contested one waits
    run_jobs("lists.daily")
    r = client.get("/api/open/lists")
    assert r.status_code == 200 and "public" in r.headers["Cache-Control"]
    rows = r.get_json()
    assert [(x["licence_no"], x["list"], x["status"]) for x in rows] == [
        (shops[0].licence_no, "black", "effective"), (shops[1].licence_no, "black", "notice")]
    one = rows[0]
    assert one["operator_name"] == "王**" and "王小明" not in r.get_data(as_text=True)
    assert one["shop_name"].startswith("王**") and one["list_zh"] == "黑名单" and one["criterion"] == "black_serious"
    assert one["effective_on"] == "2027-01-12" and rows[1]["effective_on"] is None
    assert not ID_NUMBER.search(r.get_data(as_text=True))
    # filters, paging, 422 field by field
    assert [x["licence_no"] for x in client.get("/api/open/lists?status=effective&list=black").get_json()] == [
        shops[0].licence_no]
    assert client.get("/api/open/lists?list=red").get_json() == []
    assert client.get("/api/open/lists?county=320830").get_json() == []
    page = client.get("/api/open/lists?page_size=1&page=2")
    assert [x["id"] for x in page.get_json()] == [second.id] and '"total": 2' in page.headers["X-Pagination"]
    bad = client.get("/api/open/lists?list=green")
    assert bad.status_code == 422 and "list" in str(bad.get_json()["errors"])
    assert client.get("/api/open/lists?page_size=101").status_code == 422
    # ETag and 304
    etag = r.headers["ETag"]
    assert client.get("/api/open/lists", headers={"If-None-Match": etag}).status_code == 304
    # the CSV: the same rows, masked
    c = client.get("/api/open/lists.csv")
    assert c.status_code == 200 and c.mimetype == "text/csv" and c.headers["ETag"]
    table = list(csv.DictReader(io.StringIO(c.get_data().decode("utf-8-sig"))))
    assert [(t["licence_no"], t["status"], t["operator_name"]) for t in table] == [
        (shops[0].licence_no, "effective", "王**"), (shops[1].licence_no, "notice", "李*")]
    assert "王小明" not in c.get_data().decode("utf-8-sig")
    # the landing page links the lists and their CSV
    home = client.get("/public").get_data(as_text=True)
    assert "/api/open/lists.csv" in home and "/public/lists?kind=red" in home
    # an exit withdraws the listing from the open data at once (and the ETag changes)
    lists.confirm_exit(first, "经复核撤出名单", sup)
    db.session.commit()
    after = client.get("/api/open/lists", headers={"If-None-Match": etag})
    assert after.status_code == 200 and [x["id"] for x in after.get_json()] == [second.id]


def test_open_lists_share_the_open_data_rate_limit(app, shops, client):  # noqa: F811
    limiter.reset()
    app.config["OPEN_DATA_RATE_LIMIT"] = "2 per minute"
    try:
        assert [client.get("/api/open/lists").status_code for _ in range(2)] == [200, 200]
        assert client.get("/api/open/lists.csv").status_code == 429
    finally:
        app.config["OPEN_DATA_RATE_LIMIT"] = "120 per minute"
        limiter.reset()
