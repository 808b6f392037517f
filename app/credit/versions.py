"""Catalogue and policy versions as data an admin can change (信用评价指标体系 and 等级政策 versions).

The database is the source of truth: each version is a row holding its validated YAML text.
``sync_shipped()`` inserts the files shipped under ``scoring/catalogues`` and ``scoring/policies``
when they are missing (idempotent); admins add later versions through the API or the CLI. A stored
version is never replaced: records keep the version they were made under, and past results must
stay reproducible.

Parsed objects are cached by the SHA-256 of their text, so reading the versions costs one small
query per call and no parsing after the first.
"""
import hashlib
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select, update

import scoring
from app.audit.services import record as audit
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit.models import CatalogueVersion, PolicyVersion
from app.extensions import db

MAX_TEXT = 512 * 1024  # a catalogue of a few hundred indicators is far below this

_parsed: dict[tuple[str, str], object] = {}


class _Kind:
    def __init__(self, name, model, loader, error, directory, audit_action):
        self.name, self.model, self.loader, self.error = name, model, loader, error
        self.directory, self.audit_action = directory, audit_action


CATALOGUE = _Kind("catalogue", CatalogueVersion, scoring.load_catalogue, scoring.CatalogueError,
                  scoring.catalogue.CATALOGUE_DIR, "catalogue.add")
POLICY = _Kind("policy", PolicyVersion, scoring.load_policy, scoring.PolicyError,
               scoring.policy.POLICY_DIR, "policy.add")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parse(kind: _Kind, text: str, digest: str | None = None, source: str | None = None):
    digest = digest or sha256(text)
    key = (kind.name, digest)
    obj = _parsed.get(key)
    if obj is None:
        obj = kind.loader(text, source=source or f"{kind.name} {digest[:12]}")
        _parsed[key] = obj
    return obj


def _load_rows(kind: _Kind) -> dict:
    """version -> parsed object, oldest first; texts are read only for versions not yet cached."""
    model = kind.model
    rows = db.session.execute(select(model.version, model.sha256, model.effective_from)
                              .order_by(model.effective_from, model.version)).all()
    missing = [r.sha256 for r in rows if (kind.name, r.sha256) not in _parsed]
    if missing:
        for version, text, digest in db.session.execute(
                select(model.version, model.source_text, model.sha256).where(model.sha256.in_(missing))):
            _parse(kind, text, digest, source=f"{kind.name} {version}")
    return {r.version: _parsed[(kind.name, r.sha256)] for r in rows}


def catalogues() -> dict[str, scoring.Catalogue]:
    """Every stored catalogue version by version, oldest first. Before the first ``sync_shipped()``
    (an empty table) the shipped files are used as they are."""
    found = _load_rows(CATALOGUE)
    return found or scoring.available_catalogues()


def policies() -> dict[str, scoring.GradePolicy]:
    """Every stored policy version by version, oldest first (the shipped files while none is stored)."""
    found = _load_rows(POLICY)
    return found or scoring.available_policies()


def catalogue_on(day: date, cats=None) -> scoring.Catalogue | None:
    """The catalogue in force on ``day`` (None if none is)."""
    try:
        return scoring.catalogue_for(day, cats if cats is not None else catalogues())
    except LookupError:
        return None


def catalogue_for(day: date, cats=None) -> scoring.Catalogue:
    """The catalogue in force on ``day``; LookupError if none is."""
    return scoring.catalogue_for(day, cats if cats is not None else catalogues())


def policy_on(day: date, pols=None) -> scoring.GradePolicy:
    """The grade policy in force on ``day``."""
    return scoring.policy_for(day, pols if pols is not None else policies())


def next_effective_after(day: date) -> date | None:
    """The first date after ``day`` on which a stored catalogue or policy version comes into force.

    A live grade computed on ``day`` is valid at most until then (the engine foresees later
    catalogue versions, not later policies)."""
    dates = []
    for model in (CatalogueVersion, PolicyVersion):
        dates.append(db.session.scalar(select(db.func.min(model.effective_from)).where(model.effective_from > day)))
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


# ---- writing ------------------------------------------------------------------------------------

def _store(kind: _Kind, obj, text: str, *, actor, shipped: bool):
    row = kind.model(version=obj.version, effective_from=obj.effective_from, source_text=text,
                     sha256=sha256(text), created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    _parsed[(kind.name, row.sha256)] = obj
    audit(kind.audit_action, kind.name, obj.version, actor=actor,
          after={"version": obj.version, "effective_from": obj.effective_from, "sha256": row.sha256,
                 "shipped": shipped})
    # Live grades computed before this version existed may be valid beyond its start: cut them there.
    from app.credit.models import RetailerGrade

    db.session.execute(update(RetailerGrade)
                       .where((RetailerGrade.valid_until.is_(None))
                              | (RetailerGrade.valid_until > obj.effective_from))
                       .values(valid_until=obj.effective_from))
    return row


def _sync_kind(kind: _Kind, actor=None) -> list[str]:
    stored = set(db.session.scalars(select(kind.model.version)))
    added = []
    for path in sorted(kind.directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        obj = _parse(kind, text, source=str(path.name))
        if obj.version in stored:
            continue
        _store(kind, obj, text, actor=actor, shipped=True)
        stored.add(obj.version)
        added.append(obj.version)
    return added


def sync_shipped(actor=None) -> dict[str, list[str]]:
    """Insert the shipped catalogue and policy files that are not stored yet (idempotent).

    A shipped file whose version is already stored is left alone, even if its text differs: the
    stored version is the one in force."""
    return {"catalogues": _sync_kind(CATALOGUE, actor), "policies": _sync_kind(POLICY, actor)}


def _add(kind: _Kind, text: str, *, actor, source: str | None = None):
    if not isinstance(text, str) or not text.strip():
        raise ServiceError({"source_text": [_("Please give the YAML text of the new version.")]})
    if len(text) > MAX_TEXT:
        raise ServiceError({"source_text": [_("The file is too large.")]})
    text = text.replace("\r\n", "\n")
    try:
        obj = kind.loader(text, source=source or f"{kind.name}.yaml")
    except kind.error as exc:
        raise ServiceError({"source_text": [_("The file does not load: %(problem)s", problem=str(exc))]}) from None
    if len(obj.version) > 16:
        raise ServiceError({"source_text": [_("The version name is at most 16 characters.")]})
    sync_shipped(actor=None)  # the shipped versions are stored first, so they stay in force
    model = kind.model
    if db.session.scalar(select(model.id).where(model.version == obj.version)) is not None:
        raise ServiceError({"version": [_("Version %(v)s is already stored; a stored version cannot be replaced. "
                                          "Give the new file a new version.", v=obj.version)]}, status=409)
    today = local_today()
    if obj.effective_from < today:
        raise ServiceError({"effective_from": [
            _("A new version cannot take effect before today (%(today)s): past results must stay reproducible.",
              today=today.isoformat())]})
    clash = db.session.scalar(select(model.version).where(model.effective_from == obj.effective_from))
    if clash is not None:
        raise ServiceError({"effective_from": [
            _("Version %(v)s already takes effect on this date.", v=clash)]}, status=409)
    return _store(kind, obj, text, actor=actor, shipped=False)


def add_catalogue(text: str, *, actor, source: str | None = None) -> CatalogueVersion:
    """Validate and store a new catalogue version (422 naming the line if it does not load; 409 if the
    version exists). The caller commits."""
    return _add(CATALOGUE, text, actor=actor, source=source)


def add_policy(text: str, *, actor, source: str | None = None) -> PolicyVersion:
    """Validate and store a new grade-policy version. The caller commits."""
    return _add(POLICY, text, actor=actor, source=source)


def describe(row, *, today: date | None = None, in_force_version: str | None = None) -> dict:
    """A version row for listing (the parsed object gives the indicator count)."""
    today = today or local_today()
    kind = CATALOGUE if isinstance(row, CatalogueVersion) else POLICY
    obj = _parse(kind, row.source_text, row.sha256, source=f"{kind.name} {row.version}")
    out = {"version": row.version, "effective_from": row.effective_from, "sha256": row.sha256,
           "created_at": row.created_at, "created_by_id": row.created_by_id,
           "in_force": row.version == in_force_version, "future": row.effective_from > today}
    if kind is CATALOGUE:
        out["indicator_count"] = len(obj.indicators)
    return out
