"""Partner agreements (which fields, grades and lists a partner may read; which findings it may push;
its callback URL), what a partner sees of a retailer under its agreement, and the read log."""
from __future__ import annotations

from flask import has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record as audit
from app.auth import security_log
from app.common.errors import ServiceError
from app.common.time import utcnow
from app.extensions import db
from app.partners.findings import FINDING_TYPES, agreement_of
from app.partners.models import GRADES, LIST_KINDS, READABLE_FIELDS, PartnerAgreement, PartnerRead

_AGREEMENT_FIELDS = ("organisation", "fields", "grades", "lists", "finding_types", "callback_url", "measures",
                     "active")


def _snapshot(a: PartnerAgreement) -> dict:
    return {name: getattr(a, name) for name in _AGREEMENT_FIELDS}


def _check_subset(errors, name, values, allowed):
    bad = [v for v in values or [] if v not in allowed]
    if bad:
        errors[name] = [_("Unknown values: %(v)s.", v=", ".join(map(str, bad)))]


def set_agreement(partner, data: dict, actor) -> PartnerAgreement:
    """Create or change a partner's agreement (admin). Audited with before and after."""
    if partner.role != "partner":
        raise ServiceError({"user_id": [_("Agreements are made with partner accounts only.")]})
    errors: dict = {}
    _check_subset(errors, "fields", data.get("fields"), READABLE_FIELDS)
    _check_subset(errors, "grades", data.get("grades"), GRADES)
    _check_subset(errors, "lists", data.get("lists"), LIST_KINDS)
    _check_subset(errors, "finding_types", data.get("finding_types"), FINDING_TYPES)
    url = (data.get("callback_url") or "").strip() or None
    if url and not (url.startswith("https://") or url.startswith("http://")):
        errors["callback_url"] = [_("The callback URL must start with https:// or http://.")]
    measures = data.get("measures") or {}
    if not isinstance(measures, dict) or any(k not in LIST_KINDS or not isinstance(v, list)
                                             or any(not isinstance(t, str) or not t.strip() or len(t) > 200 for t in v)
                                             or len(v) > 10 for k, v in measures.items()):
        errors["measures"] = [_("Measures are, per list (red, black), up to 10 texts of at most 200 characters.")]
    if errors:
        raise ServiceError(errors)
    a = agreement_of(partner)
    before = _snapshot(a) if a else None
    if a is None:
        a = PartnerAgreement(user_id=partner.id)
        db.session.add(a)
    a.organisation = (data.get("organisation") or partner.display_name or partner.username)[:128]
    a.fields = sorted(set(data.get("fields") or []), key=READABLE_FIELDS.index)
    a.grades = sorted(set(data.get("grades") or []), key=GRADES.index)
    a.lists = sorted(set(data.get("lists") or []), key=LIST_KINDS.index)
    a.finding_types = sorted(set(data.get("finding_types") or []), key=list(FINDING_TYPES).index)
    a.callback_url = url
    a.measures = {k: [t.strip() for t in v] for k, v in measures.items()}
    a.active = bool(data.get("active", True))
    a.updated_at, a.updated_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    audit("partner_agreement.set", "partner_agreement", a.id, before=before, after=_snapshot(a), actor=actor)
    return a


def require_agreement(partner) -> PartnerAgreement:
    a = agreement_of(partner)
    if a is None or not a.active:
        raise ServiceError({"agreement": [_("No data-sharing agreement is in force for your organisation.")]},
                           status=403)
    return a


def log_read(partner, what: str, *, target=None, retailer_id=None, fields=()):
    """Log a partner's read (who, what, when), written after the request in its own transaction."""
    token = getattr(partner, "current_token", None)
    security_log.write_after(PartnerRead, dict(
        at=utcnow(), partner_id=partner.id, token_id=getattr(token, "id", None), what=what,
        target=(str(target)[:64] if target is not None else None), retailer_id=retailer_id, fields=list(fields),
        ip=request.remote_addr if has_request_context() else None))


def retailer_view(partner, retailer) -> dict:
    """The retailer as this partner's agreement lets it see it: fields outside it are null and named in
    ``withheld``; the grade only if it is one of the agreement's grades; list entries of its lists."""
    from app.evaluation.models import EvaluationRow
    from app.evaluation.services import public_run
    from app.lists import services as lists
    from app.retailers.schemas import mask_name

    a = require_agreement(partner)
    allowed = set(a.fields or [])
    full = {"licence_no": retailer.licence_no, "shop_name": retailer.shop_name,
            "unit_name": retailer.unit.name if retailer.unit else None, "status": retailer.status,
            "operator_name": mask_name(retailer.operator_name), "address": retailer.address,
            "grade": None, "score": None, "lists": []}
    if {"grade", "score"} & allowed:
        run = public_run()
        row = db.session.get(EvaluationRow, (run.id, retailer.id)) if run else None
        if row is not None and row.grade in (a.grades or []):
            full["grade"], full["score"] = row.grade, row.score
    if "lists" in allowed:
        full["lists"] = [lists.public_view(e, partner=partner) for e in lists.public_entries_of(retailer.id)
                         if e.kind in (a.lists or [])]
    out = {k: (v if k in allowed else ([] if k == "lists" else None)) for k, v in full.items()}
    out["withheld"] = [k for k in READABLE_FIELDS if k not in allowed]
    shown = [k for k in READABLE_FIELDS if k in allowed]
    log_read(partner, "retailer", target=retailer.licence_no, retailer_id=retailer.id, fields=shown)
    return out


def reads_query(partner_id=None):
    stmt = select(PartnerRead).order_by(PartnerRead.id.desc())
    if partner_id:
        stmt = stmt.where(PartnerRead.partner_id == partner_id)
    return stmt


def agreements() -> list[PartnerAgreement]:
    return list(db.session.scalars(select(PartnerAgreement).order_by(PartnerAgreement.id)))
