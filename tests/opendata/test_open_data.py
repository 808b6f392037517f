"""Open data: the data set and CSV made by the job runner (never by a request), the anonymous API (pages of
100, ETag / 304, Cache-Control, the rate limit), masking (no clear personal name, no ID number), the
withdrawal of a superseded quarter, and the public landing page's search (name, pinyin initials, licence
number, address)."""
import csv
import hashlib
import io
import json
import os
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from app.common.time import local_today, utcnow
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db, limiter
from app.opendata.models import OpenDataset, OpenGrade
from app.opendata.services import csv_file
from tests.background import run_jobs
from tests.conftest import OTHER_COUNTY

ID_NUMBER = re.compile(r"\d{17}[\dX]")


def publish(shops, grades, quarter="2026Q3", closed_days_ago=19):
    """A published run whose objection window closed ``closed_days_ago`` days ago (negative: still open)."""
    today = local_today()
    run = EvaluationRun(quarter=quarter, as_of=date(int(quarter[:4]), 3 * int(quarter[-1]), 28),
                        status="published", retailer_count=len(shops), published_at=utcnow() - timedelta(days=40),
                        objection_closes_on=today - timedelta(days=closed_days_ago), summary={})
    db.session.add(run)
    db.session.flush()
    for shop, grade in zip(shops, grades):
        db.session.add(EvaluationRow(run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, score=100,
                                     monopoly=0, marketing=0, social=0, score_grade=grade, grade=grade))
    db.session.commit()
    return run


@pytest.fixture
def shops(app, clock, make_retailer):
    clock(date(2027, 1, 4))
    return [
        make_retailer(shop_name="王小明便利店", operator_name="王小明", address="淮安市清江浦区淮海南路1号"),
        make_retailer(shop_name="华兴便利店", operator_name="李四", address="淮安市清江浦区健康路8号"),
        make_retailer(shop_name="金鑫烟酒商行", operator_name="赵金鑫", address="淮安市清江浦区北京路3号"),
        make_retailer(county=OTHER_COUNTY, shop_name="盱眙龙虾超市", operator_name="钱多多",
                      address="盱眙县盱城镇东湖路2号"),
        make_retailer(shop_name="新开小卖部", operator_name="孙立", address="淮安市清江浦区新民路5号"),
    ]


def test_the_job_makes_the_data_set_and_its_csv_once(shops):
    run = publish(shops[:4], ["AA", "A", "B", "A"])  # the fifth licensed since: not in the quarter
    assert run_jobs("open_data.export")["open_data.export"] == {"made": 1, "withdrawn": 0}
    dataset = db.session.scalars(select(OpenDataset)).one()
    assert (dataset.quarter, dataset.rows, dataset.run_id) == ("2026Q3", 4, run.id)
    grades = {g.licence_no: g for g in db.session.scalars(select(OpenGrade))}
    assert grades[shops[0].licence_no].shop_name == "王**便利店"  # the operator's name inside the shop name
    assert grades[shops[0].licence_no].operator_name == "王**"
    assert grades[shops[3].licence_no].county == "盱眙县"

    data = open(csv_file(dataset), "rb").read()
    assert hashlib.sha256(data).hexdigest() == dataset.csv_sha256 and len(data) == dataset.csv_size
    text = data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["licence_no"] for r in rows] == sorted(s.licence_no for s in shops[:4])
    assert {r["grade"] for r in rows} == {"AA", "A", "B"}
    assert rows[0]["evaluation_date"] == run.as_of.isoformat() and rows[0]["quarter"] == "2026Q3"
    for name in ("王小明", "李四", "赵金鑫", "钱多多"):
        assert name not in text
    assert not ID_NUMBER.search(text)

    # again: nothing new (one data set per run)
    assert run_jobs("open_data.export")["open_data.export"] == {"made": 0, "withdrawn": 0}
    assert db.session.scalar(select(db.func.count(OpenDataset.id))) == 1


def test_a_quarter_still_in_its_objection_window_is_not_open_data(shops, client):
    publish(shops[:4], ["A"] * 4, closed_days_ago=-3)
    assert run_jobs("open_data.export")["open_data.export"]["made"] == 0
    assert client.get("/api/open/grades").get_json() == []
    assert client.get("/api/open/datasets/2026Q3.csv").status_code == 404


def test_grades_are_anonymous_paged_and_masked(shops, client):
    publish(shops[:4], ["AA", "A", "B", "A"])
    run_jobs("open_data.export")
    r = client.get("/api/open/grades")
    assert r.status_code == 200
    meta = json.loads(r.headers["X-Pagination"])
    assert meta["total"] == 4 and meta["page"] == 1
    body = r.get_json()
    assert body[0] == {"licence_no": shops[0].licence_no, "shop_name": "王**便利店", "operator_name": "王**",
                       "address": "淮安市清江浦区淮海南路1号", "county_code": "320812", "county": "清江浦区",
                       "grade": "AA", "quarter": "2026Q3", "evaluation_date": "2026-09-28",
                       "lat": pytest.approx(33.59), "lng": pytest.approx(119.02)}
    raw = r.get_data(as_text=True)
    for name in ("王小明", "李四", "赵金鑫", "钱多多"):
        assert name not in raw
    assert not ID_NUMBER.search(raw) and "id_hash" not in raw and "phone" not in raw

    two = client.get("/api/open/grades?page_size=2&page=2")
    assert [g["licence_no"] for g in two.get_json()] == sorted(s.licence_no for s in shops[:4])[2:]
    assert client.get("/api/open/grades?page_size=101").status_code == 422  # a page is at most 100
    assert [g["licence_no"] for g in client.get("/api/open/grades?county=320830").get_json()] == [shops[3].licence_no]
    assert {g["grade"] for g in client.get("/api/open/grades?grade=A").get_json()} == {"A"}
    assert client.get("/api/open/grades?quarter=2025Q1").get_json() == []
    assert client.get("/api/open/grades?quarter=bad").status_code == 422


def test_default_page_is_100_shops(app, shops, client):
    from app.retailers.models import Retailer

    # 120 evaluation rows over the five licences would break the key: make more licences cheaply
    more = []
    base = shops[0]
    for i in range(115):
        r = Retailer(licence_no=f"320812{900000 + i}", shop_name=f"测试店{i}", name_initials=f"csd{i}",
                     operator_id=base.operator_id, operator_name="周一", phone=None, address="淮安市某路",
                     lat=None, lng=None, unit_id=base.unit_id, market_type="city", business_format="grocery",
                     licence_issued_on=base.licence_issued_on, licence_expires_on=base.licence_expires_on,
                     status="active", tier=5)
        db.session.add(r)
        more.append(r)
    db.session.flush()
    publish(shops + more, ["A"] * 120)
    run_jobs("open_data.export")
    r = client.get("/api/open/grades")
    assert len(r.get_json()) == 100 and json.loads(r.headers["X-Pagination"])["total_pages"] == 2
    assert len(client.get("/api/open/grades?page=2").get_json()) == 20


def test_etag_and_304_and_cache_control(shops, client):
    publish(shops[:4], ["A"] * 4, quarter="2026Q2")
    run_jobs("open_data.export")
    first = client.get("/api/open/grades")
    etag = first.headers["ETag"]
    assert etag and "public" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"]
    again = client.get("/api/open/grades", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    other_page = client.get("/api/open/grades?page_size=2", headers={"If-None-Match": etag})
    assert other_page.status_code == 200  # another query, another ETag

    # a new quarter becomes public: the same ETag no longer matches
    publish(shops[:4], ["B"] * 4, quarter="2026Q3")
    run_jobs("open_data.export")
    fresh = client.get("/api/open/grades", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert {g["grade"] for g in fresh.get_json()} == {"B"}

    # hashed answers (commitments, datasets) and the CSV (its SHA-256) too
    for url in ("/api/open/commitments", "/api/open/datasets", "/api/open/random-checks", "/api/open/draws",
                "/api/open"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["ETag"], url
        assert client.get(url, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304, url
    dataset = db.session.scalars(select(OpenDataset).where(OpenDataset.quarter == "2026Q3")).one()
    csv_r = client.get("/api/open/datasets/2026Q3.csv")
    assert csv_r.status_code == 200 and csv_r.mimetype == "text/csv"
    assert csv_r.headers["ETag"].strip('"') == dataset.csv_sha256
    assert "public" in csv_r.headers["Cache-Control"]
    assert client.get("/api/open/datasets/2026Q3.csv",
                      headers={"If-None-Match": csv_r.headers["ETag"]}).status_code == 304
    listed = client.get("/api/open/datasets").get_json()
    assert [d["quarter"] for d in listed] == ["2026Q3", "2026Q2"]
    assert listed[0]["csv_url"] == "/api/open/datasets/2026Q3.csv" and listed[0]["rows"] == 4


def test_a_superseded_quarter_is_withdrawn(shops, client):
    run = publish(shops[:4], ["A"] * 4)
    run_jobs("open_data.export")
    assert client.get("/api/open/datasets/2026Q3.csv").status_code == 200
    db.session.execute(update(EvaluationRun).where(EvaluationRun.id == run.id).values(status="superseded"))
    db.session.commit()
    # served no more at once (the run is no longer the published one), marked withdrawn by the job
    assert client.get("/api/open/datasets/2026Q3.csv").status_code == 404
    assert client.get("/api/open/grades").get_json() == []
    assert run_jobs("open_data.export")["open_data.export"] == {"made": 0, "withdrawn": 1}
    dataset = db.session.scalars(select(OpenDataset)).one()
    assert dataset.withdrawn_at is not None and os.path.exists(csv_file(dataset))  # kept, not served


def test_rate_limit(app, shops, client):
    limiter.reset()
    app.config["OPEN_DATA_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get("/api/open/grades").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        body = client.get("/api/open/commitments").get_json()
        assert body["code"] == 429 and body["message"]
        assert client.get("/public").status_code == 429  # the landing page shares the limit
    finally:
        app.config["OPEN_DATA_RATE_LIMIT"] = "120 per minute"
        limiter.reset()


def test_open_commitments_show_the_public_part_masked(shops, client):
    from app.commitments.models import Commitment, CommitmentText

    text = CommitmentText(version=1, title="信用承诺书", body="本人承诺依法诚信经营。")
    db.session.add(text)
    db.session.flush()
    db.session.add(Commitment(retailer_id=shops[0].id, text_id=text.id, text_version=1, signed_on=local_today(),
                              expires_on=local_today() + timedelta(days=365), signer_name="王小明",
                              signature_png=b"\x89PNG\r\n\x1a\n" + b"0" * 50, signature_sha256="0" * 64))
    db.session.commit()
    r = client.get("/api/open/commitments")
    assert r.get_json() == [{"licence_no": shops[0].licence_no, "shop_name": "王**便利店", "signer_name": "王**",
                             "signed_on": "2027-01-04", "expires_on": "2028-01-04", "text_version": 1}]
    assert "signature" not in r.get_data(as_text=True)


# ---------------------------------------------------------------- the landing page


def _shops_listed(html):
    return re.findall(r'data-testid="public-shop">\s*<span[^>]*>([^<]*)</span>\s*<strong>([^<]*)</strong>', html)


def test_landing_page_searches_by_name_initials_licence_and_address(shops, client):
    publish(shops[:4], ["AA", "A", "B", "A"])
    run_jobs("open_data.export")
    cases = {"华兴": ["华兴便利店"], "hxbl": ["华兴便利店"], "HXBL": ["华兴便利店"], "jxyj": ["**烟酒商行"],
             shops[2].licence_no[:10]: ["王**便利店", "华兴便利店", "**烟酒商行", "新开小卖部"],
             shops[3].licence_no: ["盱眙龙虾超市"], "东湖路": ["盱眙龙虾超市"], "健康路8号": ["华兴便利店"]}
    for q, names in cases.items():
        html = client.get("/public", query_string={"q": q}).get_data(as_text=True)
        assert sorted(n for _g, n in _shops_listed(html)) == sorted(names), q
    html = client.get("/public", query_string={"q": "hxbl"}).get_data(as_text=True)
    assert _shops_listed(html) == [("A", "华兴便利店")]
    html = client.get("/public", query_string={"q": "新开"}).get_data(as_text=True)
    assert "data-testid=\"public-grade\">" in html and len(_shops_listed(html)) == 1  # not graded yet
    assert _shops_listed(html)[0][1] == "新开小卖部" and _shops_listed(html)[0][0] != "A"
    # county filter; the map's data holds the matches with their grades
    html = client.get("/public", query_string={"county": OTHER_COUNTY}).get_data(as_text=True)
    assert [n for _g, n in _shops_listed(html)] == ["盱眙龙虾超市"]
    data = json.loads(re.search(r'id="public-map-data">(.*?)</script>', html, re.S).group(1))
    assert [(p["licence"], p["grade"]) for p in data["points"]] == [(shops[3].licence_no, "A")]


def test_landing_page_masks_personal_names(shops, client):
    publish(shops[:4], ["AA", "A", "B", "A"])
    run_jobs("open_data.export")
    html = client.get("/public").get_data(as_text=True)
    assert "王**便利店" in html and "王**" in html
    for name in ("王小明", "李四", "赵金鑫", "钱多多", "孙立"):
        assert name not in html, name
    assert not ID_NUMBER.search(html)
    assert "/api/open/datasets/2026Q3.csv" in html and "/public/open-data/licence" in html


def test_licence_page_in_chinese(client):
    html = client.get("/public/open-data/licence", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "开放数据许可" in html


def test_workers_remember_the_served_data_set_for_a_while(app, shops, client, clock):
    """With OPEN_DATA_LOOKUP_SECONDS a worker answers a page it already built without a query; a
    withdrawn quarter disappears when the interval has passed."""
    from sqlalchemy import event

    run = publish(shops[:4], ["A"] * 4)
    run_jobs("open_data.export")
    app.config["OPEN_DATA_LOOKUP_SECONDS"] = 30
    statements = []

    def count(*_args):
        statements.append(1)

    try:
        assert len(client.get("/api/open/grades").get_json()) == 4  # looked up and built
        event.listen(db.engine, "before_cursor_execute", count)
        assert len(client.get("/api/open/grades").get_json()) == 4
        assert statements == []  # no query at all
        event.remove(db.engine, "before_cursor_execute", count)
        db.session.execute(update(EvaluationRun).where(EvaluationRun.id == run.id).values(status="superseded"))
        db.session.commit()
        assert len(client.get("/api/open/grades").get_json()) == 4  # still remembered
        clock(date(2027, 1, 4), hour=11)  # an hour on
        assert client.get("/api/open/grades").get_json() == []
    finally:
        app.config["OPEN_DATA_LOOKUP_SECONDS"] = 0
        from app.opendata import services

        services._served_cache.clear()
