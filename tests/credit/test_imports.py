"""Bulk entry from CSV: every bad row reported, dry runs and bad files write nothing, GBK accepted."""
import io
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.credit import grading, imports
from app.credit.models import CreditRecord, CreditRecordEvent, GradeChange, RetailerGrade
from app.extensions import db

HEADER = "licence_no,indicator_code,occurred_on,quantity,decided_on,case_number,description\n"


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in
                 (CreditRecord, CreditRecordEvent, AuditEntry, RetailerGrade, GradeChange))


@pytest.fixture
def shops(make_retailer, versions_synced):
    return [make_retailer(shop_name=f"店{i}") for i in range(3)]


def good_csv(shops, ago):
    d = ago(20).isoformat()
    return (HEADER
            + f"{shops[0].licence_no},YX01,{d},,{ago(15).isoformat()},,10月货款逾期\n"
            + f"{shops[1].licence_no},yx01,{ago(25).strftime('%Y/%m/%d').replace('/0', '/')},,{ago(15).isoformat()},,\n"
            + f"{shops[2].licence_no},ZM11,{d},12,{ago(10).isoformat()},淮烟专罚〔2026〕第3号,跨区域卷烟\n")


def bad_csv(shops, ago, today):
    return (HEADER
            + f"{shops[0].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,ok\n"  # row 2: good
            + f"999999999999,YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,\n"  # row 3: unknown licence
            + f"{shops[1].licence_no},YX99,{ago(20).isoformat()},,{ago(15).isoformat()},,\n"  # row 4: indicator
            + f"{shops[1].licence_no},YX01,2026-13-01,,{ago(15).isoformat()},,\n"  # row 5: bad date
            + f"{shops[1].licence_no},ZM11,{ago(20).isoformat()},,{ago(15).isoformat()},案1,\n"  # row 6: no quantity
            + f"{shops[2].licence_no},YX01,{ago(20).isoformat()},,{(today + timedelta(days=3)).isoformat()},,\n"  # 7
            + f"{shops[2].licence_no},ZM04,{ago(20).isoformat()},,{ago(15).isoformat()},,\n"  # row 8: no case number
            + f"{shops[0].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,dup\n"  # row 9: duplicate of 2
            + f"{shops[2].licence_no},YX03,{ago(20).isoformat()},abc,,,\n")  # row 10: quantity, no decision


def test_dry_run_reports_every_bad_row_in_chinese_and_writes_nothing(app, shops, make_user, ago, today):
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        before = counts()
        result = imports.run(bad_csv(shops, ago, today).encode(), actor=make_user("supervisor"), dry_run=True)
        assert counts() == before
    found = {(e.row, e.column) for e in result.errors}
    assert found >= {(3, "licence_no"), (4, "indicator_code"), (5, "occurred_on"), (6, "quantity"),
                     (7, "decided_on"), (8, "case_number"), (9, "indicator_code"), (10, "quantity"),
                     (10, "decided_on")}, found
    assert not any(e.row == 2 for e in result.errors)
    assert (result.rows, result.valid) == (9, 1)
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(3, "licence_no")] == "许可证号不存在：999999999999"
    assert messages[(8, "case_number")] == "请填写案号。"
    assert "第 2 行" in messages[(9, "indicator_code")]


def test_a_real_run_with_one_bad_row_writes_nothing(app, shops, make_user, ago, today):
    before = counts()
    with pytest.raises(imports.ImportRejected) as exc:
        imports.run(bad_csv(shops, ago, today).encode(), actor=make_user("supervisor"), dry_run=False)
    db.session.rollback()
    assert len(exc.value.result.errors) >= 9
    assert counts() == before


def test_a_good_file_creates_confirmed_records_and_recomputes_once(app, shops, make_user, ago):
    sup = make_user("supervisor")
    result = imports.run(good_csv(shops, ago).encode(), actor=sup, dry_run=False, filename="10月.csv")
    db.session.commit()
    assert (result.created, result.retailers, result.errors) == (3, 3, [])
    recs = list(db.session.scalars(select(CreditRecord).order_by(CreditRecord.id)))
    assert [(r.indicator_code, r.status, r.source, r.nominal_points) for r in recs] == [
        ("YX01", "confirmed", "import", -3), ("YX01", "confirmed", "import", -3), ("ZM11", "confirmed", "import", -12)]
    assert recs[1].occurred_on == ago(25)
    grades = {g.retailer_id: (g.grade, g.score) for g in db.session.scalars(select(RetailerGrade))}
    assert grades == {shops[0].id: ("B", 97), shops[1].id: ("B", 97), shops[2].id: ("B", 88)}
    assert result.grade_changes == 3
    assert [g.cause for g in db.session.scalars(select(GradeChange))] == ["record.import"] * 3
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "credit_record.import")) == 1
    # importing the same file again: every row is a duplicate, nothing written
    with pytest.raises(imports.ImportRejected):
        imports.run(good_csv(shops, ago).encode(), actor=sup, dry_run=False)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_encodings_and_chinese_headers(app, shops, make_user, ago, encoding):
    text = ("许可证号,指标代码,发生日期,数量,决定日期,案号,说明\n"
            f"{shops[0].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,逾期结算货款\n")
    result = imports.run(text.encode(encoding), actor=make_user("supervisor"), dry_run=True)
    assert result.errors == [] and result.valid == 1
    assert result.encoding == ("gbk" if encoding == "gbk" else "utf-8")


@pytest.mark.parametrize("data,row,column", [
    (b"\xff\xfe\x00\x00garbage\x81", 0, "file"),
    (b"", 1, "file"),
    (b"licence_no,indicator_code,occurred_on\n", 1, "decided_on"),
    (b"licence_no,indicator_code,occurred_on,decided_on,colour\n", 1, "colour"),
    (HEADER.encode(), 2, "file"),
])
def test_bad_files_are_refused_with_a_clear_message(app, shops, make_user, data, row, column):
    result = imports.run(data, actor=make_user("supervisor"), dry_run=True)
    assert (result.errors[0].row, result.errors[0].column) == (row, column), result.errors


def test_marketer_imports_marketing_indicators_of_their_county_only(app, shops, make_user, make_retailer, ago):
    other = make_retailer(county="320830", shop_name="外县店")
    text = (HEADER + f"{shops[0].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,\n"
            + f"{shops[1].licence_no},ZM09,{ago(20).isoformat()},,{ago(15).isoformat()},案2,\n"
            + f"{other.licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,\n")
    result = imports.run(text.encode(), actor=make_user("marketer"), dry_run=True)
    assert {(e.row, e.column) for e in result.errors} == {(3, "indicator_code"), (4, "licence_no")}


def test_api_dry_run_and_real_run(shops, make_user, signed_in, ago, today):
    s = signed_in(make_user("supervisor"))
    before = counts()
    r = s.post("/api/credit-records/import?dry_run=true",
               data={"file": (io.BytesIO(bad_csv(shops, ago, today).encode("gbk")), "bad.csv")})
    assert r.status_code == 200
    body = r.get_json()
    assert body["ok"] is False and body["dry_run"] is True and len(body["errors"]) >= 9
    assert body["errors"][0] == {"row": 3, "column": "licence_no", "message": "许可证号不存在：999999999999",
                                 "existing_record_id": None}
    r = s.post("/api/credit-records/import", data={"file": (io.BytesIO(bad_csv(shops, ago, today).encode()), "b.csv")})
    assert r.status_code == 422 and len(r.get_json()["result"]["errors"]) >= 9
    assert counts() == before
    r = s.post("/api/credit-records/import", data={"file": (io.BytesIO(good_csv(shops, ago).encode()), "g.csv")})
    assert r.status_code == 200 and r.get_json()["created"] == 3
    assert grading.current_grade(shops[2]).score == 88
    assert s.post("/api/credit-records/import", data={}).status_code == 422  # no file


def test_cli_import(app, shops, make_user, ago, tmp_path):
    user = make_user("supervisor", username="sup_cli")
    path = tmp_path / "late.csv"
    path.write_bytes(good_csv(shops, ago).encode("gbk"))
    runner = app.test_cli_runner()
    out = runner.invoke(args=["credit", "import", str(path), "--dry-run", "--as", user.username])
    assert out.exit_code == 0, out.output
    assert db.session.scalar(select(func.count()).select_from(CreditRecord)) == 0
    out = runner.invoke(args=["credit", "import", str(path), "--as", user.username])
    assert out.exit_code == 0, out.output
    assert "imported 3 records" in out.output
    _ = (subprocess, sys)
