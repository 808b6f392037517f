"""CSV import parses strictly: a broken quote refuses the whole file, naming the line where the broken row
starts, instead of importing a confirmed record with the rest of the file swallowed into its case number."""
import io

import pytest
from sqlalchemy import func, select

from app.credit import imports
from app.credit.models import CreditRecord
from app.extensions import db

HEADER = "licence_no,indicator_code,occurred_on,quantity,decided_on,case_number,description\n"


def records():
    return db.session.scalar(select(func.count()).select_from(CreditRecord))


@pytest.fixture
def shops(make_retailer, versions_synced):
    return [make_retailer(shop_name=f"店{i}") for i in range(3)]


@pytest.fixture
def sup(make_user):
    return make_user("supervisor")


def unterminated(shops, ago):
    """Row 2's case number opens a quote and never closes it; row 3 is a good row it would swallow."""
    return (HEADER
            + f'{shops[0].licence_no},ZM04,{ago(20).isoformat()},,{ago(15).isoformat()},"淮烟专罚〔2026〕第3号,经营地址变更\n'
            + f"{shops[1].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,逾期结算\n").encode()


def test_an_unterminated_quote_refuses_the_whole_file_naming_its_line(app, shops, sup, ago):
    with app.test_request_context():
        result = imports.run(unterminated(shops, ago), actor=sup, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(2, "file")]
    assert "第 2 行" in result.errors[0].message and "引号" in result.errors[0].message
    with pytest.raises(imports.ImportRejected) as exc:
        imports.run(unterminated(shops, ago), actor=sup, dry_run=False)
    db.session.rollback()
    assert exc.value.status == 422 and exc.value.result.errors[0].row == 2
    assert records() == 0


def test_api_page_and_cli_refuse_it_too(app, shops, sup, signed_in, ago, tmp_path):
    s = signed_in(sup)
    r = s.post("/api/credit-records/import", data={"file": (io.BytesIO(unterminated(shops, ago)), "x.csv")})
    assert r.status_code == 422
    row = r.get_json()["result"]["errors"][0]
    assert (row["row"], row["column"]) == (2, "file")
    page = s.post("/credit/import", data={"file": (io.BytesIO(unterminated(shops, ago)), "x.csv"),
                                          "action": "import", "csrf_token": s._csrf})
    assert page.status_code == 422 and "第 2 行" in page.get_data(as_text=True)
    path = tmp_path / "x.csv"
    path.write_bytes(unterminated(shops, ago))
    out = app.test_cli_runner().invoke(args=["credit", "import", str(path), "--as", sup.username])
    assert out.exit_code == 1 and "row 2, file:" in out.output
    assert records() == 0


@pytest.mark.parametrize("line,column,needle", [
    ('{no},ZM04,{d20},,{d15},"淮烟专罚〔2026〕第3号"号,说明', "file", "两个"),  # text after the closing quote
    ('{no},ZM04,{d20},,{d15},淮烟专罚"第3号,说明', "case_number", "引号"),  # a stray quote in a plain cell
    ('{no},ZM04,{d20},,{d15}', "file", "单元格"),  # fewer cells than the header: a separator is missing
    ('{no},ZM04,{d20},,{d15},淮烟专罚〔2026〕第3号,说明\x00', "file", "NUL"),
])
def test_other_broken_rows_are_named(app, shops, sup, ago, line, column, needle):
    text = HEADER + line.format(no=shops[0].licence_no, d20=ago(20).isoformat(), d15=ago(15).isoformat()) + "\n"
    with app.test_request_context():
        result = imports.run(text.encode(), actor=sup, dry_run=True)
    assert (result.errors[0].row, result.errors[0].column) == (2, column), result.errors
    assert needle in result.errors[0].message, result.errors[0].message


def test_well_quoted_cells_still_import_and_rows_are_named_by_their_first_line(app, shops, sup, ago):
    """A quoted description may hold commas, doubled quotes and line breaks (Excel writes them so)."""
    text = (HEADER
            + f'{shops[0].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,"货款逾期, 客户称""已付""\n次日补交"\n'
            + f"{shops[1].licence_no},YX99,{ago(20).isoformat()},,{ago(15).isoformat()},,\n")
    with app.test_request_context():
        result = imports.run(text.encode(), actor=sup, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(4, "indicator_code")]  # lines 2-3 are one good row
    good = HEADER + f'{shops[0].licence_no},YX01,{ago(20).isoformat()},,{ago(15).isoformat()},,"逾期, 称""已付""\n补交"\n'
    result = imports.run(good.encode(), actor=sup, dry_run=False)
    db.session.commit()
    assert result.created == 1
    assert db.session.scalars(select(CreditRecord)).one().description == '逾期, 称"已付"\n补交'
