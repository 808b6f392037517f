"""The PDF credit report: Chinese text, a serial, a QR code leading to the public verification page."""
import re
import subprocess

import pytest
from sqlalchemy import select

from app.extensions import db
from app.reports.models import CreditReport
from tests.retailer_side.conftest import days_ago


def test_report_pdf_chinese_text_and_qr_verifies(shop, make_record, signed_in, client, tmp_path):
    retailer = shop["retailer"]
    make_record(retailer, "ZM04", days_ago(150))
    owner = signed_in(shop["owner"])
    r = owner.get(f"/me/report/{retailer.id}.pdf")
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
    zxingcpp = pytest.importorskip("zxingcpp")
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
    assert retailer.operator_name not in body and retailer.licence_no not in body
    assert client.get("/verify/XY20260101DEADBEEF").status_code == 404
