"""The credit report (信用报告): a PDF (WeasyPrint, Chinese font WenQuanYi Micro Hei) with a serial
number and a QR code (segno, pure Python, SVG) leading to the public verification page."""
from __future__ import annotations

import hashlib
import secrets

import segno
from flask import render_template, url_for
from markupsafe import Markup
from sqlalchemy import select

from app.audit.services import record as audit
from app.commitments.models import Commitment
from app.common.time import local_today
from app.extensions import db
from app.repair.models import RepairRequest
from app.reports.models import CreditReport
from app.reports.overview import overview


def new_serial(today) -> str:
    return f"XY{today:%Y%m%d}{secrets.token_hex(4).upper()}"


def verify_url(serial: str) -> str:
    return url_for("pwa.verify_report", serial=serial, _external=True)


def qr_svg(data: str) -> Markup:
    qr = segno.make(data, error="m")
    return Markup(qr.svg_inline(scale=3, border=2, omitsize=False))


def issue(retailer, actor) -> tuple[CreditReport, bytes]:
    from weasyprint import HTML

    today = local_today()
    ov = overview(retailer, actor, today)
    report = CreditReport(serial=new_serial(today), retailer_id=retailer.id, grade=ov["result"].grade,
                          score=ov["result"].score, as_of=today, issued_by_id=getattr(actor, "id", None))
    db.session.add(report)
    db.session.flush()
    commitments = list(db.session.scalars(select(Commitment).where(Commitment.retailer_id == retailer.id)
                                          .order_by(Commitment.signed_on.desc())))
    repairs = list(db.session.scalars(select(RepairRequest).where(RepairRequest.retailer_id == retailer.id)
                                      .order_by(RepairRequest.submitted_on.desc())))
    url = verify_url(report.serial)
    html = render_template("report_pdf.html", ov=ov, report=report, commitments=commitments, repairs=repairs,
                           verify_url=url, qr=qr_svg(url))
    pdf = HTML(string=html, base_url=None).write_pdf()
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    audit("report.issue", "CreditReport", report.id, after={"serial": report.serial, "grade": report.grade,
                                                            "sha256": report.pdf_sha256}, actor=actor)
    return report, pdf


def find(serial: str) -> CreditReport | None:
    return db.session.scalars(select(CreditReport).where(CreditReport.serial == serial)).first()
