"""双公示 details sent to the local credit platform (the fake platform server): the shop's unified
social credit code or, with none, the operator's masked ID number, and the penalty decided (kinds,
content, amount) as recorded when the record was confirmed; refused input says why, field by field."""
from datetime import date
from decimal import Decimal
import random

import pytest

from app.common import uscc
from app.common.errors import ServiceError
from app.credit import recording
from app.extensions import db
from tests.background import run_jobs
from tests.conftest import _valid_id
from tests.lists.fake_platform import FakePlatform


@pytest.fixture
def platform(app, monkeypatch, tmp_path):
    with FakePlatform() as fake:
        monkeypatch.setitem(app.config, "EXCHANGE_URL", fake.url)
        monkeypatch.setitem(app.config, "EXCHANGE_TOKEN", fake.token)
        monkeypatch.setitem(app.config, "EXCHANGE_DIR", str(tmp_path / "exchange"))
        monkeypatch.setitem(app.config, "EXCHANGE_RETRY_BASE_SECONDS", 0)
        yield fake


def test_credit_codes_follow_gb_32100():
    assert uscc.problem("91350100M000100Y43") is None  # the standard's own example
    assert uscc.problem("91350100M000100Y44") == "check"
    assert uscc.problem("9135010OM000100Y43") == "charset"  # the letter O is not used
    assert uscc.problem("81350100M000100Y43") == "kind"
    assert uscc.problem("9135") == "length"
    rng = random.Random(1)
    codes = [uscc.make(rng, "320812", kind) for kind in "12" * 50]
    assert all(uscc.problem(c) is None and c[2:8] == "320812" for c in codes)
    assert {c[:2] for c in codes} == {"91", "92"}
    assert uscc.mask_id_number("32080219800101123X") == "320802********123X"


def _suspected(shop, inspector, day):
    return recording.create_record(shop, "ZM02", occurred_on=day, source="inspection", actor=inspector,
                                   status="suspected", description="销售条码被涂改的卷烟12条")


def test_penalties_go_out_with_the_credit_code_or_masked_id_and_the_penalty_decided(
        app, make_user, make_retailer, clock, platform):
    clock(date(2026, 1, 12))
    sup = make_user("supervisor")
    inspector = make_user("inspector")
    company = make_retailer(shop_name="苏果超市", credit_code="91350100m000100y43")  # normalised to capitals
    person = make_retailer(shop_name="小明烟酒店", operator_id="32080219800101123X")
    assert company.credit_code == "91350100M000100Y43" and person.credit_code is None
    assert person.operator.id_masked == "320802********123X"
    a = _suspected(company, inspector, date(2026, 1, 8))
    b = _suspected(person, inspector, date(2026, 1, 9))
    db.session.commit()
    recording.confirm(a, "淮烟罚〔2026〕5号", date(2026, 1, 12), sup, penalty_kinds=["confiscation", "fine"],
                      penalty_content="没收违法经营的卷烟12条，并处罚款1200元", penalty_amount="4200")
    recording.confirm(b, "淮烟罚〔2026〕6号", date(2026, 1, 12), sup, penalty_kinds=["warning"],
                      penalty_content="警告，责令限期改正")
    db.session.commit()
    assert a.penalty_kinds == ["fine", "confiscation"] and a.penalty_amount == Decimal("4200.00")
    run_jobs("exchange.daily")
    rows = {r["许可证号"]: r for r in platform.batches[-1]["penalties"]}
    ra, rb = rows[company.licence_no], rows[person.licence_no]
    assert (ra["统一社会信用代码"], ra["证件号码"]) == ("91350100M000100Y43", "")
    assert (ra["处罚类别"], ra["处罚内容"], ra["罚没金额"]) == (
        "罚款;没收违法所得、没收非法财物", "没收违法经营的卷烟12条，并处罚款1200元", "4200.00")
    assert (rb["统一社会信用代码"], rb["证件号码"]) == ("", "320802********123X")
    assert (rb["处罚类别"], rb["处罚内容"], rb["罚没金额"]) == ("警告", "警告，责令限期改正", "")
    assert "32080219800101123X" not in str(platform.batches)  # the clear ID number never leaves


@pytest.mark.parametrize("kinds, content, amount, field, words", [
    (["fine"], "罚款500元", None, "penalty_amount", "须填写罚没金额"),
    (["warning"], "警告", "100", "penalty_amount", "只有罚款或没收"),
    (["fine"], "", "500", "penalty_content", "请填写处罚内容"),
    (["fine"], "罚款", "-5", "penalty_amount", "大于零"),
    (["fine"], "罚款", "12.345", "penalty_amount", "两位小数"),
    (["fine"], "罚款", "abc", "penalty_amount", "以元为单位"),
    (["jail"], "拘留", None, "penalty_kinds", "未知的处罚类别"),
    ([], "罚款", None, "penalty_kinds", "请选择处罚类别"),
])
def test_a_bad_penalty_is_refused_field_by_field_and_nothing_changes(
        app, make_user, make_retailer, clock, kinds, content, amount, field, words):
    clock(date(2026, 1, 12))
    sup, inspector = make_user("supervisor"), make_user("inspector")
    rec = _suspected(make_retailer(), inspector, date(2026, 1, 8))
    db.session.commit()
    with pytest.raises(ServiceError) as err:
        recording.confirm(rec, "淮烟罚〔2026〕7号", date(2026, 1, 12), sup, penalty_kinds=kinds,
                          penalty_content=content, penalty_amount=amount)
    assert field in err.value.errors and words in " ".join(err.value.errors[field])
    db.session.rollback()
    db.session.refresh(rec)
    assert rec.status == "suspected" and rec.penalty_kinds is None


def test_api_confirm_takes_the_penalty_and_refuses_in_chinese(app, make_user, make_retailer, signed_in, clock):
    clock(date(2026, 1, 12))
    inspector = make_user("inspector")
    rec = _suspected(make_retailer(), inspector, date(2026, 1, 8))
    db.session.commit()
    client = signed_in(make_user("supervisor"))
    bad = client.post(f"/api/credit-records/{rec.id}/confirm", json={
        "case_number": "淮烟罚〔2026〕8号", "decided_on": "2026-01-12", "penalty_kinds": ["fine"],
        "penalty_content": "罚款800元"}, headers={"Accept-Language": "zh-CN"})
    assert bad.status_code == 422
    assert "金额" in str(bad.get_json())
    ok = client.post(f"/api/credit-records/{rec.id}/confirm", json={
        "case_number": "淮烟罚〔2026〕8号", "decided_on": "2026-01-12", "penalty_kinds": ["fine"],
        "penalty_content": "罚款800元", "penalty_amount": "800"})
    assert ok.status_code == 200, ok.get_json()
    body = ok.get_json()
    assert (body["penalty_kinds"], body["penalty_content"], body["penalty_amount"]) == (["fine"], "罚款800元", "800.00")


def test_the_retailer_api_refuses_a_bad_credit_code(app, make_user, signed_in, units):
    client = signed_in(make_user("admin"))
    base = {"licence_no": "320812000777", "shop_name": "测试店", "operator_name": "王小明",
            "operator_id_number": _valid_id(777), "address": "淮安市", "unit": "320812",
            "market_type": "city", "business_format": "convenience", "licence_issued_on": "2020-01-01",
            "licence_expires_on": "2030-01-01", "tier": 10}
    bad = client.post("/api/retailers", json={**base, "credit_code": "91350100M000100Y44"})
    assert bad.status_code == 422 and "credit_code" in str(bad.get_json())
    ok = client.post("/api/retailers", json={**base, "credit_code": "91350100M000100Y43"})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["credit_code"] == "91350100M000100Y43"
