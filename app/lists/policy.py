"""The list policy (entry criteria, notice period, validity, the bureau's joint measures): versioned
data. The shipped default is stored by the first job that needs it; a page reads the version in force
without storing anything (the default, unsaved, until then)."""
from __future__ import annotations

import hashlib
import json
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.extensions import db
from app.lists.models import ListPolicyVersion

DEFAULT_VERSION = "2026.1"
DEFAULT = {
    # days of public notice (公示期) before an approved entry takes effect
    "notice_days": 7,
    # working days a supervisor has to answer an objection to an entry
    "objection_answer_working_days": 10,
    "red": {
        # red (守信激励): this grade in this many consecutive published quarters, and no negative record in force
        "grade": "AAA", "consecutive_quarters": 2, "valid_months": 12,
    },
    "black": {
        # black (失信惩戒): a veto (假私非), a serious record (at least this many points), or a record of refusing
        # or obstructing enforcement; the entry lasts while the record counts, at most valid_months
        "veto": True, "serious_min_points": 20, "refused_codes": ["ZM06"], "valid_months": 36,
    },
    # the bureau's own measures per list (partners' measures are in their agreements)
    "measures": {
        "red": [{"zh": "以非现场监管为主，降低日常检查频次", "en": "Mostly off-site supervision, fewer routine checks"},
                {"zh": "货源投放和新品试销优先", "en": "Priority in supply allocation and new-brand trials"},
                {"zh": "办理许可证延续、变更开通绿色通道", "en": "Fast lane for licence renewal and changes"}],
        "black": [{"zh": "列为重点监管对象，提高检查频次", "en": "Special supervision with more frequent checks"},
                  {"zh": "暂停评先评优和信用激励", "en": "No honours or credit rewards"},
                  {"zh": "货源投放从严审核", "en": "Supply allocation reviewed strictly"}],
    },
}


def _sha(body) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def validate(body) -> dict:
    errors = {}
    if not isinstance(body, dict):
        return {"body": [_("The policy is a JSON object.")]}
    for name in ("notice_days", "objection_answer_working_days"):
        v = body.get(name)
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 90:
            errors[name] = [_("A whole number of days from 1 to 90.")]
    red, black = body.get("red"), body.get("black")
    if not isinstance(red, dict) or red.get("grade") not in ("AAA", "AA", "A") \
            or not isinstance(red.get("consecutive_quarters"), int) or not 1 <= red["consecutive_quarters"] <= 8 \
            or not isinstance(red.get("valid_months"), int) or not 1 <= red["valid_months"] <= 60:
        errors["red"] = [_("Give the grade (AAA, AA or A), the consecutive quarters (1-8) and the validity in "
                           "months (1-60).")]
    if not isinstance(black, dict) or not isinstance(black.get("serious_min_points"), int) \
            or not isinstance(black.get("refused_codes"), list) \
            or not isinstance(black.get("valid_months"), int) or not 1 <= black["valid_months"] <= 60:
        errors["black"] = [_("Give the serious points, the refused-enforcement indicator codes and the validity "
                             "in months (1-60).")]
    measures = body.get("measures")
    if not isinstance(measures, dict) or any(
            not isinstance(measures.get(k, []), list)
            or any(not isinstance(m, dict) or not m.get("zh") for m in measures.get(k, [])) for k in ("red", "black")):
        errors["measures"] = [_("Measures are lists per list, each with its Chinese text.")]
    return errors


def versions() -> list[ListPolicyVersion]:
    return list(db.session.scalars(select(ListPolicyVersion).order_by(ListPolicyVersion.effective_from,
                                                                       ListPolicyVersion.id)))


def in_force(day: date) -> tuple[str, dict]:
    """(version, body) in force on ``day``: the latest stored version from on or before it, else the default."""
    row = db.session.scalars(select(ListPolicyVersion).where(ListPolicyVersion.effective_from <= day)
                             .order_by(ListPolicyVersion.effective_from.desc(), ListPolicyVersion.id.desc())).first()
    if row is None:
        return DEFAULT_VERSION, DEFAULT
    return row.version, row.body


def ensure_stored(actor=None) -> None:
    """Store the shipped default once (by the job that first applies it)."""
    if db.session.scalar(select(ListPolicyVersion.id).where(ListPolicyVersion.version == DEFAULT_VERSION)) is None:
        row = ListPolicyVersion(version=DEFAULT_VERSION, effective_from=date(2026, 1, 1), body=DEFAULT,
                                sha256=_sha(DEFAULT))
        db.session.add(row)
        db.session.flush()
        audit("list_policy.add", "list_policy_version", row.id, after={"version": row.version}, actor=actor)


def add(version: str, effective_from: date, body: dict, actor) -> ListPolicyVersion:
    """A new version (admin). Versions are never edited: a change is a new version."""
    errors = validate(body)
    version = (version or "").strip()
    if not version or len(version) > 16:
        errors["version"] = [_("Give a version name of at most 16 characters.")]
    elif db.session.scalar(select(ListPolicyVersion.id).where(ListPolicyVersion.version == version)) is not None:
        errors["version"] = [_("This version exists already.")]
    if errors:
        raise ServiceError(errors)
    ensure_stored(actor)
    row = ListPolicyVersion(version=version, effective_from=effective_from, body=body, sha256=_sha(body),
                            created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit("list_policy.add", "list_policy_version", row.id, after={"version": version,
                                                                   "effective_from": effective_from,
                                                                   "sha256": row.sha256}, actor=actor)
    return row
