"""The credit report (信用报告): a PDF (WeasyPrint, Chinese font WenQuanYi Micro Hei) with a serial
number and a QR code (segno, pure Python, SVG) leading to the public verification page."""
from __future__ import annotations

import hashlib
import secrets

import segno
from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from app.audit.services import record as audit
from app.commitments.models import Commitment
from app.common.time import local_today
from app.common.urls import public_url
from app.extensions import db
from app.repair.models import Objection, RepairRequest
from app.reports.models import CreditReport
from app.reports.overview import indicator_name, overview


def new_serial(today) -> str:
    return f"XY{today:%Y%m%d}{secrets.token_hex(4).upper()}"


def verify_url(serial: str) -> str:
    """The public verification link printed in the report (from PUBLIC_BASE_URL, never the Host header)."""
    return public_url("pwa.verify_report", serial=serial)


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
    objections = pending_objections(retailer)
    url = verify_url(report.serial)
    html = render_template("report_pdf.html", ov=ov, report=report, commitments=commitments, repairs=repairs,
                           objections=objections, verify_url=url, qr=qr_svg(url), record_name=indicator_name,
                           commitment_status=commitment_status)
    pdf = HTML(string=html, base_url=None).write_pdf()
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    audit("report.issue", "CreditReport", report.id, after={"serial": report.serial, "grade": report.grade,
                                                            "sha256": report.pdf_sha256}, actor=actor)
    return report, pdf


def commitment_status(commitment, as_of) -> str:
    """A commitment's state in words, as of the report's date."""
    from flask_babel import gettext as _

    if commitment.status == "active":
        return _("In force") if commitment.expires_on >= as_of else _("Expired")
    return {"superseded": _("Renewed"), "broken": _("Broken"), "kept": _("Kept for a full year")}.get(
        commitment.status, commitment.status)


def pending_objections(retailer) -> list[Objection]:
    """Objections of this licence still awaiting the supervisor's answer: the grade or a record
    they dispute may still change, which a report must say."""
    return list(db.session.scalars(select(Objection).where(Objection.retailer_id == retailer.id,
                                                           Objection.status == "open")
                                   .order_by(Objection.submitted_on, Objection.id)))


def find(serial: str) -> CreditReport | None:
    """A report by its serial number, whatever the letter case and surrounding spaces typed."""
    from sqlalchemy import func

    serial = (serial or "").strip().upper()
    return db.session.scalars(select(CreditReport).where(func.upper(CreditReport.serial) == serial)).first()
