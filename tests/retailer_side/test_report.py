"""The PDF credit report: Chinese text, a serial, a QR code leading to the public verification page."""
import re
import subprocess

from sqlalchemy import select

from app.extensions import db
from app.reports.models import CreditReport
from tests.retailer_side.conftest import days_ago


def test_report_pdf_chinese_text_and_qr_verifies(shop, make_record, signed_in, client, tmp_path):
    retailer = shop["retailer"]
    make_record(retailer, "ZM04", days_ago(150))
    owner = signed_in(shop["owner"])
    r = owner.post(f"/me/report/{retailer.id}.pdf")  # issuing a report records its serial: a POST
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    report = db.session.scalars(select(CreditReport)).one()
    assert "信用报告" in text and retailer.shop_name in text and report.serial in text
    assert "超越许可范围或异地经营卷烟" in text  # the record in force, by name
    assert report.grade == "B" and report.score == 90
    # the QR code: render the first page and decode it
    import zxingcpp  # requirements-dev.txt
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    page = next(tmp_path.glob("page*.png"))
    results = zxingcpp.read_barcodes(Image.open(page))
    payloads = [res.text for res in results]
    assert payloads, "no QR code found on the first page"
    url = payloads[0]
    assert url.endswith(f"/verify/{report.serial}")
    # the public page (no sign-in) confirms it: serial, shop, grade and date only
    path = re.sub(r"^https?://[^/]+", "", url)
    page = client.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="genuine"' in body
    assert report.serial in body and retailer.shop_name in body and ">B<" in body
    assert retailer.operator_name not in body
    assert f'data-testid="licence-no">{retailer.licence_no}<' in body
    assert 'data-testid="pending-objection"' not in body
    # the serial as someone types it: any letter case, spaces around
    lower = client.get(f"/verify/{report.serial.lower()}%20")
    assert lower.status_code == 200 and 'data-testid="genuine"' in lower.get_data(as_text=True)
    assert client.get("/verify/XY20260101DEADBEEF").status_code == 404


def test_report_shows_a_pending_objection_and_no_raw_codes(shop, make_record, signed_in, client, tmp_path):
    from app.commitments.models import Commitment, CommitmentText
    from app.repair.models import Objection, RepairRequest
    from tests.retailer_side.conftest import days_ago

    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(150))
    disputed = make_record(retailer, "ZM09", days_ago(5))
    disputed.disputed = True
    text = CommitmentText(version=1, title="信用承诺书", body="本人承诺依法诚信经营。")
    db.session.add(text)
    db.session.flush()
    db.session.add_all([
        Commitment(retailer_id=retailer.id, text_id=text.id, text_version=1, signed_on=days_ago(10),
                   expires_on=days_ago(10).replace(year=days_ago(10).year + 1), signer_name="王小明",
                   signature_png=b"\x89PNG", signature_sha256="0" * 64),
        RepairRequest(retailer_id=retailer.id, record_id=rec.id, statement="整改到位。", penalty_fulfilled=True,
                      evidence_ids=[], eligibility={"eligible": True}, submitted_on=days_ago(2),
                      accept_due=days_ago(-3), decide_due=days_ago(-12)),
        Objection(retailer_id=retailer.id, record_id=disputed.id, told_on=days_ago(5), reasons="记录有误。",
                  evidence_ids=[], submitted_on=days_ago(1), answer_due=days_ago(-13))])
    db.session.commit()
    owner = signed_in(shop["owner"])
    r = owner.post(f"/me/report/{retailer.id}.pdf")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(r.data)
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert "尚待答复的异议" in out and "未在经营场所明显位置悬挂烟草专卖许可证" in out
    assert "异议处理中" in out
    assert "有效" in out  # the commitment in force, in words
    assert "active" not in out and "ZM04" not in out and "ZM09" not in out
    report = db.session.scalars(select(CreditReport)).one()
    page = client.get(f"/verify/{report.serial}").get_data(as_text=True)
    assert 'data-testid="pending-objection"' in page and "1 件异议尚待答复" in page
