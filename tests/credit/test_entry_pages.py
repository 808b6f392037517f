"""Entering credit records on the phone pages: one by form (/credit/records/new), many by CSV file with a
dry-run check first (/credit/import). The same services as the API decide; errors keep the input,
say why in Chinese per field and write nothing."""
import base64
import io
import re
import zlib

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.credit.models import CreditRecord, CreditRecordEvent
from app.extensions import db
from app.pwa.credit_views import MAX_KEPT_BYTES, keep_content, kept_content

HEADER = "licence_no,indicator_code,occurred_on,quantity,decided_on,case_number,description\n"


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m))
                 for m in (CreditRecord, CreditRecordEvent, AuditEntry))


@pytest.fixture
def marketer(make_user):
    return make_user("marketer")


def form(shop, ago, **kw):
    data = {"licence_no": shop.licence_no, "indicator_code": "YX01", "occurred_on": ago(3).isoformat(),
            "status": "confirmed", "decided_on": ago(1).isoformat(), "case_number": "", "quantity": "",
            "description": "3月货款逾期5天", "evidence": "结算单 JS2026-0311"}
    data.update(kw)
    return data


def test_the_form_lists_only_the_indicators_the_user_may_record(shop, marketer, supervisor, signed_in):
    page = signed_in(marketer).get(f"/credit/records/new?retailer={shop.id}").get_data(as_text=True)
    assert "逾期结算货款" in page and 'value="YX01"' in page
    assert 'value="ZM01"' not in page and 'value="SH01"' not in page
    assert f'value="{shop.licence_no}"' in page and shop.shop_name in page
    assert "客户经理" in page  # entered as an account manager
    page = signed_in(supervisor).get("/credit/records/new").get_data(as_text=True)
    for code in ("ZM01", "YX01", "SH01"):
        assert f'value="{code}"' in page
    assert 'optgroup label="专卖守法"' in page and 'optgroup label="营销诚信"' in page  # grouped by dimension


def test_marketer_records_a_late_payment_and_lands_on_the_record(shop, marketer, signed_in, ago):
    s = signed_in(marketer)
    before = counts()
    r = s.post("/credit/records/new", data=form(shop, ago))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    rec = db.session.scalars(select(CreditRecord)).one()
    assert r.headers["Location"].endswith(f"/credit/records/{rec.id}")
    assert (rec.indicator_code, rec.status, rec.source, rec.recorded_by_id) == ("YX01", "confirmed", "marketer",
                                                                               marketer.id)
    assert rec.decided_on == ago(1) and rec.occurred_on == ago(3) and rec.nominal_points == -3
    assert rec.evidence == [{"kind": "document", "ref": "结算单 JS2026-0311"}]
    assert counts()[0] == before[0] + 1
    page = s.get(r.headers["Location"]).get_data(as_text=True)
    assert f"已保存为第 {rec.id} 号记录。" in page
    assert "逾期结算货款" in page and "已确认" in page
    # the same fact twice (e.g. a double tap on a slow network) is refused: 409, naming the record with a link
    r = s.post("/credit/records/new", data=form(shop, ago))
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and f"已录入，记录编号 {rec.id}（已确认）" in page
    assert f'href="/credit/records/{rec.id}"' in page and "/credit/records/" not in page.split("field-error")[1][:200]
    assert 'value="3月货款逾期5天"' in page or "3月货款逾期5天" in page  # the input is kept
    assert counts()[0] == before[0] + 1


def test_marketer_refused_a_monopoly_indicator_with_a_chinese_field_error(shop, marketer, signed_in, ago):
    s = signed_in(marketer)
    before = counts()
    r = s.post("/credit/records/new", data=form(shop, ago, indicator_code="ZM08", description="未设置标志"))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "客户经理只能录入营销类指标。" in page
    assert 'data-testid="error-indicator_code"' in page
    assert "未设置标志" in page and f'value="{shop.licence_no}"' in page  # input kept
    assert counts() == before


def test_bad_date_keeps_the_input_and_writes_nothing(shop, marketer, signed_in, ago):
    s = signed_in(marketer)
    before = counts()
    r = s.post("/credit/records/new", data=form(shop, ago, occurred_on="2026-13-45", description="保留我"))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "不是有效的日期。" in page and 'value="2026-13-45"' in page and "保留我" in page
    assert 'data-testid="error-occurred_on"' in page
    assert counts() == before


@pytest.mark.parametrize("kw,field,message", [
    ({"licence_no": "999999999999"}, "licence_no", "许可证号不存在"),
    ({"licence_no": ""}, "licence_no", "此项为必填项。"),
    ({"indicator_code": ""}, "indicator_code", "此项为必填项。"),
    ({"quantity": "abc"}, "quantity", "不是有效的整数。"),
    ({"quantity": "3"}, "quantity", None),  # YX01 takes no quantity
    ({"decided_on": ""}, "decided_on", None),  # a confirmed record needs its decision date
    ({"evidence": "/etc/passwd"}, "evidence", None),
])
def test_form_errors_per_field(shop, marketer, signed_in, ago, kw, field, message):
    s = signed_in(marketer)
    before = counts()
    r = s.post("/credit/records/new", data=form(shop, ago, **kw))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in page
    if message:
        assert message in page
    assert counts() == before


def test_supervisor_records_a_suspected_and_a_confirmed_monopoly_record(shop, supervisor, signed_in, ago):
    s = signed_in(supervisor)
    r = s.post("/credit/records/new", data=form(shop, ago, indicator_code="ZM11", quantity="12", status="confirmed"))
    assert r.status_code == 422 and "请填写案号。" in r.get_data(as_text=True)  # a 专卖 deduction needs its case
    r = s.post("/credit/records/new", data=form(shop, ago, indicator_code="ZM11", quantity="12",
                                                case_number="淮烟专罚〔2026〕第7号"))
    assert r.status_code == 302
    rec = db.session.scalars(select(CreditRecord)).one()
    assert (rec.source, rec.status, rec.quantity, rec.nominal_points) == ("supervisor", "confirmed", 12, -12)
    r = s.post("/credit/records/new", data=form(shop, ago, indicator_code="ZM08", status="suspected",
                                                occurred_on=ago(2).isoformat()))
    assert r.status_code == 302
    suspected = db.session.scalars(select(CreditRecord).where(CreditRecord.indicator_code == "ZM08")).one()
    assert suspected.status == "suspected" and suspected.decided_on is None


def test_other_county_retailer_is_not_reachable(make_retailer, versions_synced, marketer, signed_in, ago):
    other = make_retailer(county="320830", shop_name="别县小店")
    s = signed_in(marketer)
    assert s.get(f"/credit/records/new?retailer={other.id}").status_code == 404
    r = s.post("/credit/records/new", data=form(other, ago))
    assert r.status_code == 422 and "许可证号不存在" in r.get_data(as_text=True)
    assert counts()[0] == 0


def test_inspector_and_retailer_may_not_enter(shop, make_user, signed_in):
    for user in (make_user("inspector"), make_user("retailer", retailers=[shop])):
        s = signed_in(user)
        assert s.get("/credit/records/new").status_code == 403
        assert s.get("/credit/import").status_code == 403


# ---- CSV import ---------------------------------------------------------------------------------

@pytest.fixture
def shops(make_retailer, versions_synced):
    return [make_retailer(shop_name=f"店{i}") for i in range(3)]


def csv_file(text, name="late.csv", encoding="utf-8"):
    return (io.BytesIO(text.encode(encoding)), name)


def good_csv(shops, ago):
    return (HEADER + f"{shops[0].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,10月货款逾期\n"
            + f"{shops[1].licence_no},YX03,{ago(20).isoformat()},,{ago(15).isoformat()},,\n")


def bad_csv(shops, ago):
    return (HEADER
            + f"{shops[0].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,ok\n"  # line 2: good
            + f"999999999999,YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,\n"  # line 3: unknown licence
            + f"{shops[1].licence_no},YX01,2026-02-30,,{ago(15).isoformat()},,\n"  # line 4: bad date
            + f"{shops[2].licence_no},YX99,{ago(20).isoformat()},abc,{ago(15).isoformat()},,\n")  # line 5: two errors


def test_the_import_page_shows_the_columns_and_a_sample(marketer, versions_synced, signed_in):
    page = signed_in(marketer).get("/credit/import").get_data(as_text=True)
    assert "licence_no,indicator_code,occurred_on,quantity,decided_on,case_number,description" in page
    assert "许可证号" in page and "YX01" in page and 'data-testid="csv-sample"' in page
    assert "客户经理只能导入营销类指标。" in page


def test_dry_run_lists_every_bad_row_and_writes_nothing(shops, marketer, signed_in, ago):
    s = signed_in(marketer)
    before = counts()
    r = s.post("/credit/import", data={"action": "check", "file": csv_file(bad_csv(shops, ago))})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    rows = sorted({int(x) for x in re.findall(r'data-testid="bad-row" data-row="(\d+)"', page)})
    assert rows == [3, 4, 5]
    assert "第 3 行" in page and "许可证号不存在：999999999999" in page
    assert "日期无效（请用 YYYY-MM-DD 格式）：2026-02-30" in page and "不是有效的整数。" in page and "YX99" in page
    assert "共 4 行数据" in page
    assert 'name="content"' not in page  # no import offered
    assert counts() == before


def test_good_csv_checks_then_imports_from_the_kept_content(shops, marketer, signed_in, ago):
    s = signed_in(marketer)
    before = counts()
    text = good_csv(shops, ago)
    r = s.post("/credit/import", data={"action": "check", "file": csv_file(text, encoding="gbk")})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    content = re.search(r'name="content" value="([^"]+)"', page).group(1)
    assert kept_content(content) == text.encode("gbk")  # the very bytes uploaded
    assert 'data-testid="import-submit"' in page
    assert counts() == before  # the check wrote nothing
    r = s.post("/credit/import", data={"action": "import", "content": content, "filename": "late.csv"})
    assert r.status_code == 302
    records = list(db.session.scalars(select(CreditRecord).order_by(CreditRecord.id)))
    assert [(x.indicator_code, x.source, x.status) for x in records] == [("YX01", "import", "confirmed"),
                                                                         ("YX03", "import", "confirmed")]
    page = s.get(r.headers["Location"]).get_data(as_text=True)
    assert "已导入" in page and "2" in page
    # importing the same content again: every row is now a duplicate, nothing written
    n = counts()
    r = s.post("/credit/import", data={"action": "import", "content": content, "filename": "late.csv"})
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "已录入，记录编号" in page
    assert f'href="/credit/records/{records[0].id}"' in page and f'href="/credit/records/{records[1].id}"' in page
    assert counts() == n


def test_marketer_csv_with_a_monopoly_indicator_is_refused(shops, marketer, signed_in, ago):
    s = signed_in(marketer)
    text = (good_csv(shops, ago)
            + f"{shops[2].licence_no},ZM08,{ago(20).isoformat()},,{ago(15).isoformat()},淮烟专罚〔2026〕第9号,\n")
    before = counts()
    for action in ("check", "import"):
        r = s.post("/credit/import", data={"action": action, "file": csv_file(text)})
        assert r.status_code == 422
        page = r.get_data(as_text=True)
        assert 'data-row="4"' in page and "客户经理只能录入营销类指标" in page
    assert counts() == before


def test_import_without_a_file_or_with_broken_content(marketer, versions_synced, signed_in):
    s = signed_in(marketer)
    r = s.post("/credit/import", data={"action": "check"})
    assert r.status_code == 422 and "请选择" in r.get_data(as_text=True)
    r = s.post("/credit/import", data={"action": "import", "content": "not base64!!"})
    assert r.status_code == 422
    assert counts()[0] == 0


def test_the_kept_file_fits_a_form_field_and_refuses_anything_else():
    rows = "".join(f"320812{n:06d},YX01,2026-03-02,,2026-03-05,,3月货款逾期{n % 9 + 1}天，已电话催缴并告知对信用等级的影响\n"
                   for n in range(5000))
    data = (HEADER + rows).encode("utf-8")
    kept = keep_content(data)
    assert len(kept) < 500_000 < len(base64.b64encode(data))  # Flask's limit for one form field
    assert kept_content(kept) == data
    for bad in ("not base64!!", base64.b64encode(b"plain, not compressed").decode(),
                base64.b64encode(zlib.compress(b"x" * (MAX_KEPT_BYTES + 1))).decode()):
        with pytest.raises(ValueError):
            kept_content(bad)


def test_links_from_homes_and_the_retailer_page(shop, marketer, supervisor, make_user, signed_in):
    for user in (marketer, supervisor):
        s = signed_in(user)
        home = s.get("/").get_data(as_text=True)
        assert "/credit/records/new" in home and "/credit/import" in home
        assert f"/credit/records/new?retailer={shop.id}" in s.get(f"/retailers/{shop.id}").get_data(as_text=True)
    inspector = signed_in(make_user("inspector"))
    assert "/credit/records/new" not in inspector.get(f"/retailers/{shop.id}").get_data(as_text=True)


def test_pages_in_english(shop, marketer, signed_in):
    s = signed_in(marketer)
    page = s.get("/credit/records/new?lang=en").get_data(as_text=True)
    assert "Record a credit fact" in page and "Late payment for cigarette orders" in page
    page = s.get("/credit/import?lang=en").get_data(as_text=True)
    assert "Import credit records" in page and "Check (nothing is written)" in page
