"""Service policy versions: data, like the grade policy. The shipped default (policies/2026.1.yaml)
is used until a version is stored; a marketing supervisor or an administrator adds versions (validated
YAML text, never replaced). The version in force on a day is the latest whose effective date is on or
before it. Reading never writes: the default is returned unsaved."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import yaml
from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.extensions import db
from app.service.engine import GRADES, Band, GradeRule, Policy
from app.service.models import ServicePolicy

DEFAULT_FILE = Path(__file__).parent / "policies" / "2026.1.yaml"
MAX_TEXT = 64 * 1024
_parsed: dict[str, Policy] = {}


def default_text() -> str:
    return DEFAULT_FILE.read_text(encoding="utf-8")


def _pct(value, where, errors):
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(_("%(where)s: not a number.", where=where))
        return 0
    if not 0 <= number <= 3:
        errors.append(_("%(where)s: a coefficient lies between 0 and 3.", where=where))
    return int(round(number * 100))


def _int(value, where, errors, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append(_("%(where)s: a whole number from %(low)d to %(high)d.", where=where, low=low, high=high))
        return 0
    return value


def parse(text: str) -> Policy:
    """The policy in ``text``; ServiceError({"text": [...every problem...]}) if it is not valid."""
    errors: list[str] = []
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ServiceError({"text": [_("Not valid YAML (line %(line)s).", line=(mark.line + 1) if mark else "?")]})
    if not isinstance(data, dict):
        raise ServiceError({"text": [_("The policy must be a mapping of named settings.")]})
    version = str(data.get("version") or "").strip()
    if not version or len(version) > 16:
        errors.append(_("version: a name of at most 16 characters."))
    effective = data.get("effective_from")
    if not isinstance(effective, dt.date):
        errors.append(_("effective_from: a date (YYYY-MM-DD)."))
        effective = dt.date(2000, 1, 1)
    tier_min = _int(data.get("tier_min"), "tier_min", errors, 1, 30)
    tier_max = _int(data.get("tier_max"), "tier_max", errors, 1, 30)
    if tier_min and tier_max and tier_min > tier_max:
        errors.append(_("tier_min must not exceed tier_max."))
    grades = {}
    raw_grades = data.get("grades") if isinstance(data.get("grades"), dict) else {}
    for g in GRADES:
        rule = raw_grades.get(g)
        if not isinstance(rule, dict):
            errors.append(_("grades: the grade %(g)s is missing.", g=g))
            continue
        grades[g] = GradeRule(tier=_int(rule.get("tier"), f"grades.{g}.tier", errors, -29, 29),
                              coefficient_pct=_pct(rule.get("coefficient"), f"grades.{g}.coefficient", errors),
                              scarce_priority=_int(rule.get("scarce_priority", 0), f"grades.{g}.scarce_priority",
                                                   errors, 0, 9),
                              suspend=bool(rule.get("suspend", False)))
    if set(raw_grades) - set(GRADES):
        errors.append(_("grades: unknown grade %(g)s.", g=", ".join(sorted(map(str, set(raw_grades) - set(GRADES))))))
    circ = data.get("circulation") if isinstance(data.get("circulation"), dict) else {}
    indicators = tuple(str(c).upper() for c in (circ.get("indicators") or []))
    bands = []
    last = 0
    for i, b in enumerate(circ.get("bands") or []):
        where = f"circulation.bands[{i + 1}]"
        if not isinstance(b, dict):
            errors.append(_("%(where)s: a mapping.", where=where))
            continue
        band = Band(min_quantity=_int(b.get("min_quantity"), f"{where}.min_quantity", errors, 1, 1000000),
                    months=_int(b.get("months"), f"{where}.months", errors, 1, 36),
                    tier=_int(b.get("tier"), f"{where}.tier", errors, -29, 0), suspend=bool(b.get("suspend")))
        if band.min_quantity and band.min_quantity <= last:
            errors.append(_("%(where)s: the bands must rise by quantity.", where=where))
        last = band.min_quantity or last
        bands.append(band)
    if indicators and not bands:
        errors.append(_("circulation.bands: at least one band."))
    hardship = data.get("hardship") if isinstance(data.get("hardship"), dict) else {}
    floor = _pct(hardship.get("coefficient_floor", 0), "hardship.coefficient_floor", errors)
    objection = data.get("objection") if isinstance(data.get("objection"), dict) else {}
    within = _int(objection.get("within_days"), "objection.within_days", errors, 1, 90)
    answer = _int(objection.get("answer_within_working_days"), "objection.answer_within_working_days", errors, 1, 30)
    basis = data.get("legal_basis") if isinstance(data.get("legal_basis"), dict) else {}
    for kind in ("grade", "circulation"):
        if not str(basis.get(kind) or "").strip():
            errors.append(_("legal_basis.%(kind)s: the legal basis of a suspension must be written.", kind=kind))
    scales = []
    raw_classes = data.get("letter_classes")
    if raw_classes is not None:
        raw_scales = raw_classes.get("scales") if isinstance(raw_classes, dict) else None
        if not isinstance(raw_scales, list):
            errors.append(_("letter_classes.scales: a list of scales, each a list of class levels, best first."))
            raw_scales = []
        seen: set[str] = set()
        for i, scale in enumerate(raw_scales):
            where = f"letter_classes.scales[{i + 1}]"
            levels = [str(x).strip().upper() for x in scale] if isinstance(scale, list) else []
            if len(levels) < 2 or any(len(x) != 1 or not x.isalnum() for x in levels):
                errors.append(_("%(where)s: at least two class levels, each one letter or digit.", where=where))
                continue
            if seen & set(levels) or len(set(levels)) != len(levels):
                errors.append(_("%(where)s: a class level may appear on one scale only, once.", where=where))
            seen |= set(levels)
            scales.append(tuple(levels))
    if errors:
        raise ServiceError({"text": errors})
    return Policy(version=version, effective_from=effective, tier_min=tier_min, tier_max=tier_max, grades=grades,
                  indicators=indicators, bands=tuple(bands), hardship_floor_pct=floor, objection_days=within,
                  answer_working_days=answer,
                  legal_basis={k: str(basis[k]).strip() for k in ("grade", "circulation")},
                  class_scales=tuple(scales))


def _cached(text: str) -> Policy:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest not in _parsed:
        _parsed[digest] = parse(text)
    return _parsed[digest]


def default() -> Policy:
    return _cached(default_text())


def in_force(day: dt.date) -> Policy:
    row = db.session.scalars(select(ServicePolicy).where(ServicePolicy.effective_from <= day)
                             .order_by(ServicePolicy.effective_from.desc(), ServicePolicy.id.desc())).first()
    return _cached(row.source_text) if row is not None else default()


def versions() -> list[ServicePolicy]:
    return list(db.session.scalars(select(ServicePolicy).order_by(ServicePolicy.effective_from.desc(),
                                                                  ServicePolicy.id.desc())))


def add_version(text: str, actor) -> ServicePolicy:
    text = (text or "").replace("\r\n", "\n")
    if not text.strip():
        raise ServiceError({"text": [_("Paste the policy text.")]})
    if len(text) > MAX_TEXT:
        raise ServiceError({"text": [_("Too long.")]})
    policy = parse(text)
    if db.session.scalar(select(ServicePolicy.id).where(ServicePolicy.version == policy.version)):
        raise ServiceError({"text": [_("Version %(v)s exists already: a stored version is never replaced.",
                                       v=policy.version)]}, status=409)
    row = ServicePolicy(version=policy.version, effective_from=policy.effective_from, source_text=text,
                        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), created_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except Exception:  # noqa: BLE001  (a concurrent add of the same version: the unique index decides)
        raise ServiceError({"text": [_("Version %(v)s exists already: a stored version is never replaced.",
                                       v=policy.version)]}, status=409) from None
    audit("service_policy.add", "ServicePolicy", row.id, after={"version": row.version, "sha256": row.sha256,
                                                                "effective_from": row.effective_from}, actor=actor)
    return row
