"""Credit commitments: the text (versioned), signing with a drawn signature, public listing,
yearly renewal reminders, breach (a credit record) and the full-year bonus (a credit record)."""
from __future__ import annotations

import base64
import hashlib
from datetime import date, timedelta

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.audit.services import record as audit
from app.commitments.models import Commitment, CommitmentText
from app.common.errors import ServiceError
from app.common.time import local_today
from app.common.validation import N_
from app.extensions import db
from app.repair import credit_link
from app.repair.rules import rules
from app.retailers.models import Retailer

DEFAULT_TITLE = "卷烟零售户信用承诺书"
DEFAULT_BODY = """本人作为烟草专卖零售许可证持有人，郑重承诺：
一、严格遵守《中华人民共和国烟草专卖法》及其实施条例，依法诚信经营；
二、从当地烟草公司购进卷烟，不销售假冒、走私、非法生产的卷烟；
三、不向未成年人销售卷烟，在显著位置设置禁售标志，亮证经营；
四、不出租、出借、转让烟草专卖许可证，不超范围、异地经营；
五、按时结算货款，配合依法检查，如实提供信息；
六、自愿接受社会监督，如违反本承诺，愿意承担相应的信用后果。
本承诺向社会公开，有效期一年。"""

MAX_SIGNATURE_BYTES = 300 * 1024


def current_text() -> CommitmentText | None:
    return db.session.scalars(select(CommitmentText).order_by(CommitmentText.version.desc())).first()


def text_to_sign() -> CommitmentText:
    """The wording in force; before any is stored, the default (unsaved: reading never writes)."""
    return current_text() or CommitmentText(version=1, title=DEFAULT_TITLE, body=DEFAULT_BODY)


def ensure_text() -> CommitmentText:
    text = current_text()
    if text is None:
        text = CommitmentText(version=1, title=DEFAULT_TITLE, body=DEFAULT_BODY)
        db.session.add(text)
        db.session.flush()
    return text


def publish_text(title: str, body: str, actor) -> CommitmentText:
    """A new version of the commitment wording (admin). Signed copies keep their own version."""
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("Please fill this in.")]
    if len(body) < 20:
        errors["body"] = [_("The commitment text is too short.")]
    if errors:
        raise ServiceError(errors)
    latest = current_text()
    text = CommitmentText(version=(latest.version + 1) if latest else 1, title=title[:128], body=body,
                          created_by_id=actor.id)
    db.session.add(text)
    db.session.flush()
    audit("commitment.text", "CommitmentText", text.id, after={"version": text.version, "title": text.title},
          actor=actor)
    return text


def _decode_signature(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise ServiceError({"signature": [_("Please sign in the box.")]})
    try:
        png = base64.b64decode(data_url[len(prefix):], validate=True)
    except ValueError:
        raise ServiceError({"signature": [_("Please sign in the box.")]}) from None
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or len(png) > MAX_SIGNATURE_BYTES or len(png) < 100:
        raise ServiceError({"signature": [_("Please sign in the box.")]})
    return png


def active(retailer: Retailer, day: date | None = None) -> Commitment | None:
    day = day or local_today()
    return db.session.scalars(select(Commitment).where(
        Commitment.retailer_id == retailer.id, Commitment.status == "active", Commitment.signed_on <= day,
        Commitment.expires_on > day).order_by(Commitment.id.desc())).first()


def sign(retailer: Retailer, user, *, agreed: bool, signature: str, signer_name: str, text_id: int | None = None,
         today: date | None = None) -> Commitment:
    today = today or local_today()
    text = ensure_text()
    errors = {}
    if text_id is not None and text_id != text.id:
        errors["text"] = [_("The commitment text changed. Please read it again.")]
    if not agreed:
        errors["agreed"] = [_("Please tick to confirm you agree.")]
    signer_name = (signer_name or "").strip()
    if not signer_name:
        errors["signer_name"] = [_("Please fill this in.")]
    try:
        png = _decode_signature(signature)
    except ServiceError as exc:
        errors.update(exc.errors)
        png = None
    if errors:
        raise ServiceError(errors)
    for old in db.session.scalars(select(Commitment).where(Commitment.retailer_id == retailer.id,
                                                           Commitment.status == "active")):
        old.status = "superseded"
    c = Commitment(retailer_id=retailer.id, text_id=text.id, text_version=text.version, signed_on=today,
                   expires_on=today + timedelta(days=rules()["commitment"]["valid_days"]),
                   signed_by_id=getattr(user, "id", None),
                   signer_name=signer_name[:64], signature_png=png, signature_sha256=hashlib.sha256(png).hexdigest())
    db.session.add(c)
    db.session.flush()
    audit("commitment.sign", "Commitment", c.id, after={"retailer": retailer.licence_no, "version": text.version,
                                                        "signed_on": today, "signature_sha256": c.signature_sha256},
          actor=user)
    return c


def public_query(q: str | None = None):
    """Active commitments for the public page, newest first: a statement of (commitment, retailer)."""
    today = local_today()
    stmt = (select(Commitment, Retailer).join(Retailer, Retailer.id == Commitment.retailer_id)
            .where(Commitment.status == "active", Commitment.expires_on > today)
            .order_by(Commitment.signed_on.desc(), Commitment.id.desc()))
    if q:
        stmt = stmt.where((Retailer.licence_no == q) | Retailer.shop_name.contains(q))
    return stmt


def breach(commitment: Commitment, actor, note: str, case_number: str | None = None) -> Commitment:
    """A supervisor records that the commitment was broken: a ZM14 credit record (confirmed, with the
    case number of the decision, as every monopoly deduction needs)."""
    db.session.refresh(commitment, with_for_update=True)  # two supervisors at once: the second finds it broken
    if commitment.status != "active":
        raise ServiceError({"commitment": [_("This commitment is not in force.")]})
    note = (note or "").strip()
    if not note:
        raise ServiceError({"note": [_("Please give the reason.")]})
    record = credit_link.create_confirmed_record(commitment.retailer, rules()["commitment"]["breach_indicator"],
                                                 occurred_on=local_today(), actor=actor, source="supervisor",
                                                 description=note, case_number=case_number)
    commitment.status, commitment.breach_record_id = "broken", record.id
    audit("commitment.breach", "Commitment", commitment.id, after={"record": record.id, "note": note}, actor=actor)
    # the retailer is told by the "notices" consumer of record events (app.notices.services)
    return commitment


def remind_due(today: date | None = None) -> int:
    """Notices for commitments that expire within the reminder period (once each)."""
    from app.notices.services import notify_retailer

    today = today or local_today()
    horizon = today + timedelta(days=rules()["commitment"]["remind_days_before"])
    due = list(db.session.scalars(select(Commitment).where(Commitment.status == "active",
                                                           Commitment.expires_on <= horizon,
                                                           Commitment.reminded_on.is_(None))))
    for c in due:
        c.reminded_on = today
        notify_retailer(c.retailer, "commitment_renewal", N_("Your credit commitment is due for renewal"),
                        N_("It expires on %(d)s. Please sign it again."), link=f"/me/commitment/{c.retailer_id}",
                        dedupe_key=f"renew:{c.id}", d=c.expires_on.isoformat())
    db.session.flush()
    return len(due)


def award(today: date | None = None, actor=None) -> int:
    """Commitments kept a full year earn the bonus record (ZM51) through the credit service."""
    today = today or local_today()
    done = 0
    for c in list(db.session.scalars(select(Commitment).where(Commitment.status == "active",
                                                              Commitment.expires_on <= today,
                                                              Commitment.bonus_record_id.is_(None)))):
        record = credit_link.create_confirmed_record(
            c.retailer, rules()["commitment"]["bonus_indicator"], occurred_on=c.expires_on, actor=actor,
            source="system", description=f"信用承诺履行满一年（{c.signed_on.isoformat()} 至 {c.expires_on.isoformat()}）")
        c.status, c.bonus_record_id = "kept", record.id
        audit("commitment.kept", "Commitment", c.id, after={"record": record.id}, actor=actor)
        done += 1
    db.session.flush()
    return done


# ---- the supervisors' list of commitments in force (its page and its Excel export) -------------------------

class CommitmentQuerySchema(Schema):
    """The list's one filter: the shop (licence number, part of the name or pinyin initials)."""

    q = fields.Str(validate=validate.Length(max=64, error=N_("Too long.")))


def supervise_query(user, args: dict):
    """Active commitments in the supervisor's scope, newest first, optionally of the shops matching ``q``."""
    from app.auth import policy

    stmt = policy.scope(user, "repairs.decide", select(Commitment), Commitment).where(Commitment.status == "active")
    q = (args.get("q") or "").strip()[:64]
    if q:
        from app.retailers.services import search_clause

        stmt = stmt.where(Commitment.retailer_id.in_(select(Retailer.id).where(search_clause(q))))
    return stmt.order_by(Commitment.signed_on.desc(), Commitment.id.desc())
