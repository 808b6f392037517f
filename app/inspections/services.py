"""Recording field inspections. Every change of state goes through here; the caller commits once,
so an inspection, its checklist, violations (and their suspected credit records), interview,
rectification items, photos, signature and the audit entry land together or not at all.

Replays are safe by construction: the phone's UUID is unique, and ``content_hash`` is the SHA-256 of
the canonical JSON it sent. Same UUID and same content: the stored inspection (200). Same UUID and
different content: 409, nothing changed."""
import hashlib
import json
import uuid as uuidlib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from geopy.distance import geodesic
from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.audit.services import record
from app.auth import policy
from app.auth.models import User
from app.common import bilingual
from app.common.errors import ServiceError
from app.common.time import local_today, to_local, utcnow
from app.extensions import db
from app.inspections import checklist
from app.inspections.models import (ABNORMAL_OUTCOMES, Inspection, InspectionCheck, InspectionFile,
                                    InspectionViolation, Interview, RectificationCheck, RectificationItem)
from app.retailers.models import Retailer
from app.storage.models import StoredFile

# Namespace of the credit records' client UUIDs: uuid5(NS, "<inspection uuid>/violation/<n>").
CREDIT_UUID_NS = uuidlib.UUID("6f1d3c1e-5b1a-4c55-9a39-2f3c0f6d1a01")
CLOCK_SKEW = timedelta(minutes=10)
CHINA_LAT = (3.0, 54.0)
CHINA_LNG = (73.0, 136.0)
MAX_PHOTOS = 40


def content_hash(payload) -> str:
    """SHA-256 of the canonical JSON of what the phone sent (key order and spacing do not matter)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def full_load_options():
    """Everything the inspection's JSON (InspectionSchema) shows, loaded in a few queries instead of
    one per relationship and per row."""
    from sqlalchemy.orm import joinedload

    from app.inspections.models import InspectionCheck, InspectionFile, InspectionViolation

    files = selectinload(Inspection.files).joinedload(InspectionFile.file)
    return (joinedload(Inspection.retailer), joinedload(Inspection.unit), joinedload(Inspection.inspector),
            joinedload(Inspection.second_officer), joinedload(Inspection.interview), files,
            selectinload(Inspection.checks).selectinload(InspectionCheck.files).joinedload(InspectionFile.file),
            selectinload(Inspection.violations).options(
                joinedload(InspectionViolation.credit_record),
                selectinload(InspectionViolation.files).joinedload(InspectionFile.file)),
            selectinload(Inspection.rectifications), selectinload(Inspection.rectification_checks))


def load_full(inspection_id: int) -> Inspection:
    return db.session.scalars(select(Inspection).where(Inspection.id == inspection_id)
                              .options(*full_load_options())).one()


def find_by_uuid(client_uuid: str) -> Inspection | None:
    return db.session.scalars(select(Inspection).where(Inspection.client_uuid == client_uuid)).first()


def replay(existing: Inspection, digest: str, actor) -> Inspection:
    """A capture arrived again under a UUID already received."""
    if not policy.can(actor, "inspections.read", existing):
        from app.auth.security_log import log_event

        log_event("out_of_scope", detail=f"Inspection {existing.id} replayed by another county")
        abort(404)
    if existing.content_hash == digest:
        return existing
    raise ServiceError({"uuid": [_("An inspection with this id was already received with different content. "
                                   "Nothing was changed.")]}, status=409)


class _Errors(dict):
    def add(self, key, message):
        self.setdefault(key, []).append(message)

    def raise_if_any(self):
        if self:
            raise ServiceError(dict(self))


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def distance_m(a_lat, a_lng, b_lat, b_lng) -> float:
    return geodesic((a_lat, a_lng), (b_lat, b_lng)).meters


def geofence_for(retailer, position, radius) -> tuple[str, float | None]:
    """(status, distance in metres) of a check-in position against the registered shop."""
    if position is None:
        return "no_gps", None
    if retailer is None or retailer.lat is None or retailer.lng is None:
        return "no_shop_location", None
    d = distance_m(position["lat"], position["lng"], retailer.lat, retailer.lng)
    return ("inside" if d <= radius else "outside"), d


def _scoped_retailer(actor, retailer_id):
    stmt = policy.scope(actor, "retailers.read", select(Retailer), Retailer).where(Retailer.id == retailer_id)
    return db.session.scalars(stmt).first()


def submit(data: dict, *, content_hash: str, actor) -> tuple[Inspection, bool]:
    """Record one capture; return (inspection, created). Raises ServiceError (422 with messages per
    field, 409 on a UUID reused for other content) or 404 (the UUID belongs to another county)."""
    existing = find_by_uuid(data["uuid"])
    if existing is not None:
        return replay(existing, content_hash, actor), False

    cfg = current_app.config
    err = _Errors()
    now = utcnow()

    retailer = _scoped_retailer(actor, data["retailer_id"])
    if retailer is None:
        err.add("retailer_id", _("No such shop in your county."))

    started = _utc(data["started_at"])
    finished = _utc(data.get("finished_at"))
    if started > now + CLOCK_SKEW:
        err.add("started_at", _("The time lies in the future: check the phone's clock."))
    elif started < now - timedelta(days=cfg["INSPECTION_MAX_AGE_DAYS"]):
        err.add("started_at", _("This capture is older than %(n)d days and can no longer be received.",
                                n=cfg["INSPECTION_MAX_AGE_DAYS"]))
    if finished is not None:
        if finished < started:
            err.add("finished_at", _("The end lies before the start."))
        elif finished > now + CLOCK_SKEW:
            err.add("finished_at", _("The time lies in the future: check the phone's clock."))
    occurred_on = to_local(started).date()

    second = db.session.get(User, data["second_officer_id"])
    if second is not None and second.id == actor.id:
        err.add("second_officer_id", _("The second officer must be someone else: the law requires two officers."))
    elif (second is None or second.role != "inspector" or not second.is_enabled
          or second.unit_id != actor.unit_id):
        err.add("second_officer_id", _("Choose the second officer from your county's inspectors."))

    # -- check-in position and geofence
    radius = cfg["INSPECTION_GEOFENCE_METRES"]
    position = data.get("position")
    position_at = None
    if position is not None:
        if not (CHINA_LAT[0] <= position["lat"] <= CHINA_LAT[1] and CHINA_LNG[0] <= position["lng"] <= CHINA_LNG[1]):
            err.add("position", _("The position lies outside China: the GPS fix is wrong."))
            position = None
        else:
            position_at = _utc(position["at"])
            if position_at > now + CLOCK_SKEW:
                err.add("position", _("The time lies in the future: check the phone's clock."))
    geofence, distance = geofence_for(retailer, position, radius)
    location_reason = data["location_reason"].strip()
    if geofence == "outside" and not location_reason:
        err.add("location_reason", _("You checked in %(d)d m from the registered address (more than %(r)d m): "
                                     "give a reason.", d=round(distance), r=radius))

    # -- outcome, checklist
    outcome = data["outcome"]
    configured = {item["code"]: item for item in current_app.config["INSPECTION_CHECKLIST"]}
    if outcome == "inspected":
        seen = set()
        for i, c in enumerate(data["checks"]):
            if c["code"] not in configured:
                err.add(f"checks.{i}.code", _("Unknown checklist item."))
            elif c["code"] in seen:
                err.add(f"checks.{i}.code", _("This item is answered twice."))
            seen.add(c["code"])
            if c["result"] == "fail" and not c["note"].strip():
                err.add(f"checks.{i}.note", _("Say what was wrong."))
        missing = [_(item["label"]) for code, item in configured.items() if code not in seen]
        if missing:
            err.add("checks", _("Answer every checklist item. Missing: %(items)s", items="; ".join(missing)))
        if data["signature"]["status"] == "not_applicable":
            err.add("signature.status", _("An inspection needs the retailer's signature, or a note that they "
                                          "refused to sign."))
    else:
        for key, message in (("checks", _("A visit without an inspection has no checklist.")),
                             ("violations", _("Violations are recorded only during an inspection.")),
                             ("interview", _("An interview is recorded only during an inspection.")),
                             ("rectifications", _("Rectifications are ordered only during an inspection."))):
            if data.get(key):
                err.add(key, message)
        if not data["outcome_note"].strip():
            err.add("outcome_note", _("Describe what you found at the address."))

    # -- violations against the catalogue in force on the day
    catalogue = None
    if data["violations"]:
        try:
            catalogue = checklist.catalogue_on(occurred_on)
        except LookupError:
            err.add("violations", _("No indicator catalogue is in force on %(day)s.", day=occurred_on.isoformat()))
    allowed = {i.code: i for i in checklist.field_indicators(catalogue)} if catalogue else {}
    for i, v in enumerate(data["violations"]):
        indicator = allowed.get(v["indicator"])
        if indicator is None:
            if catalogue is not None:
                err.add(f"violations.{i}.indicator", _("Not an indicator an inspector may record."))
        elif indicator.banded:
            if v["quantity"] is None:
                err.add(f"violations.{i}.quantity", _("Give the quantity (%(unit)s).",
                                                                       unit=bilingual.pick(indicator.quantity_unit)))
            else:
                try:
                    indicator.points_for(v["quantity"])
                except ValueError:
                    err.add(f"violations.{i}.quantity", _("The quantity is outside every band of this indicator."))
        elif v["quantity"] is not None:
            err.add(f"violations.{i}.quantity", _("This indicator takes no quantity."))
        if not v["description"].strip():
            err.add(f"violations.{i}.description", _("Must not be empty."))

    # -- interview and rectifications
    interview = data.get("interview")
    if interview is not None:
        for key in ("attendees", "statement"):
            if not interview[key].strip():
                err.add(f"interview.{key}", _("Must not be empty."))
    for i, r in enumerate(data["rectifications"]):
        if not r["description"].strip():
            err.add(f"rectifications.{i}.description", _("Must not be empty."))
        if not (occurred_on <= r["deadline"] <= occurred_on + timedelta(days=365)):
            err.add(f"rectifications.{i}.deadline", _("The deadline must lie between the visit and one year after it."))
    check_items = {}
    ids = [c["item_id"] for c in data["rectification_checks"]]
    if ids and retailer is not None:
        check_items = {item.id: item for item in db.session.scalars(select(RectificationItem).where(
            RectificationItem.id.in_(ids), RectificationItem.retailer_id == retailer.id))}
    seen_items = set()
    for i, c in enumerate(data["rectification_checks"]):
        if c["item_id"] not in check_items:
            err.add(f"rectification_checks.{i}.item_id", _("Unknown rectification item for this shop."))
        elif c["item_id"] in seen_items:
            err.add(f"rectification_checks.{i}.item_id", _("This item is answered twice."))
        seen_items.add(c["item_id"])
    if data["rectification_checks"] and outcome != "inspected":
        err.add("rectification_checks", _("Rectifications are verified only during an inspection."))

    # -- photos and the signature: uploaded first by this user for this capture
    refs = [("photos", u, None, None) for u in data["photos"]]
    refs += [(f"checks.{i}.photos", u, i, None) for i, c in enumerate(data["checks"]) for u in c["photos"]]
    refs += [(f"violations.{i}.photos", u, None, i) for i, v in enumerate(data["violations"]) for u in v["photos"]]
    signature = data["signature"]
    wanted = [u for _k, u, _c, _v in refs] + ([signature["file"]] if signature.get("file") else [])
    files = {}
    if wanted:
        files = {f.client_uuid: f for f in db.session.scalars(select(StoredFile).where(
            StoredFile.client_uuid.in_(wanted)))}
    if len(refs) > MAX_PHOTOS:
        err.add("photos", _("At most %(n)d photos per inspection.", n=MAX_PHOTOS))
    if len(set(wanted)) != len(wanted):
        err.add("photos", _("The same photo is attached twice."))

    def usable(f, kind):
        return (f is not None and f.uploaded_by_id == actor.id and f.capture_uuid == data["uuid"]
                and f.kind == kind)

    for key, u, _c, _v in refs:
        if not usable(files.get(u), "photo"):
            err.add(key, _("Photo %(id)s has not been received yet: send it first.", id=u[:8]))
    if signature["status"] == "signed":
        if not signature.get("file"):
            err.add("signature.file", _("The retailer's signature is missing."))
        elif not usable(files.get(signature["file"]), "signature"):
            err.add("signature.file", _("The signature has not been received yet: send it first."))
    elif signature.get("file"):
        err.add("signature.file", _("A signature image goes only with a signed record."))
    if signature["status"] == "refused" and not signature["refusal_reason"].strip():
        err.add("signature.refusal_reason", _("Give the reason the retailer refused to sign."))

    err.raise_if_any()

    # -- write everything. The relationships are built in memory (every collection starts empty and the
    # rows are appended to it), so the answer, the audit summary and the visit read what is in hand
    # instead of loading the rows just written.
    inspection = Inspection(
        client_uuid=data["uuid"], content_hash=content_hash, retailer=retailer, unit_id=retailer.unit_id,
        inspector=actor, second_officer=second, outcome=outcome,
        outcome_note=data["outcome_note"].strip(), notes=data["notes"].strip(), started_at=started,
        finished_at=finished, received_at=now, occurred_on=occurred_on,
        lat=position["lat"] if position else None, lng=position["lng"] if position else None,
        accuracy_m=position["accuracy"] if position else None, position_at=position_at,
        distance_m=None if distance is None else round(distance, 1), geofence=geofence, geofence_radius_m=radius,
        location_reason=location_reason, signature_status=signature["status"],
        signer_name=signature["signer_name"].strip(), signature_refusal_reason=signature["refusal_reason"].strip(),
        checks=[], violations=[], interview=None, rectifications=[], rectification_checks=[], files=[],
    )
    inspection.unit = retailer.unit
    db.session.add(inspection)
    db.session.flush()  # a concurrent replay of the same UUID fails here (unique client_uuid)

    checks = []
    if data["checks"]:
        checks = sorted(db.session.scalars(insert(InspectionCheck).returning(InspectionCheck), [
            {"inspection_id": inspection.id, "position": pos, "item_code": c["code"],
             "label": configured[c["code"]].get("label_zh") or configured[c["code"]]["label"],
             "result": c["result"], "note": c["note"].strip()} for pos, c in enumerate(data["checks"])]),
            key=lambda check: check.position)
        for check in checks:
            set_committed_value(check, "files", [])
            set_committed_value(check, "inspection", inspection)
    set_committed_value(inspection, "checks", checks)
    violations = []
    for pos, v in enumerate(data["violations"]):
        indicator = allowed[v["indicator"]]
        violations.append(InspectionViolation(
            position=pos, indicator_code=indicator.code,
            catalogue_version=catalogue.version, indicator_name=indicator.name_zh, quantity=v["quantity"],
            description=v["description"].strip(), files=[], credit_record=None))
    inspection.violations.extend(violations)
    if interview is not None:
        inspection.interview = Interview(kind=interview["kind"], attendees=interview["attendees"].strip(),
                                         statement=interview["statement"].strip(),
                                         commitments=interview["commitments"].strip())
    ordered = [RectificationItem(retailer_id=retailer.id,
                                 description=r["description"].strip(), deadline=r["deadline"], status="open")
               for r in data["rectifications"]]
    inspection.rectifications.extend(ordered)
    for c in data["rectification_checks"]:
        item = check_items[c["item_id"]]
        inspection.rectification_checks.append(RectificationCheck(item=item, result=c["result"],
                                                                  note=c["note"].strip()))
        if item.checked_on is None or occurred_on >= item.checked_on:  # the latest verdict stands
            item.status = c["result"]
            item.checked_on = occurred_on
            item.checked_by_inspection_id = inspection.id
    for pos, (_key, u, check_index, violation_index) in enumerate(refs):
        attached = InspectionFile(file=files[u], role="photo", position=pos)
        inspection.files.append(attached)
        if check_index is not None:
            checks[check_index].files.append(attached)
        if violation_index is not None:
            violations[violation_index].files.append(attached)
    if signature["status"] == "signed":
        inspection.files.append(InspectionFile(file=files[signature["file"]], role="signature", position=len(refs)))
    db.session.flush()
    from app.notices.services import notify_rectification

    for item in ordered:  # the retailer is told what to correct and by when (信息告知)
        notify_rectification(item)

    _suspected_records(inspection, retailer, actor)
    _close_visit(inspection, data.get("visit_id"), actor)
    from app.licences.services import note_not_found

    note_not_found(inspection, actor)  # the second "not found" within 90 days opens a licence check
    # Chained at the commit: the chain's lock is not held while the answer is made (app.audit.services).
    record("inspection.submit", "inspection", inspection.id, after=audit_summary(inspection), actor=actor,
           at_commit=True)
    return inspection, True


def _suspected_records(inspection: Inspection, retailer, actor):
    """Each violation becomes a suspected credit record, evidenced by its photos and the record PDF."""
    if not inspection.violations:
        return
    from app.credit import facts, recording  # noqa: PLC0415 - the credit part is optional at import

    for violation in inspection.violations:
        record_uuid = uuidlib.uuid5(CREDIT_UUID_NS, f"{inspection.client_uuid}/violation/{violation.position}")
        evidence = [{"kind": "photo", "ref": file_url(f)} for f in violation.files]
        evidence.append({"kind": "document", "ref": f"/inspections/{inspection.id}/record.pdf"})
        try:
            rec = recording.create_record(
                retailer, violation.indicator_code, occurred_on=inspection.occurred_on, source="inspection",
                actor=actor, quantity=violation.quantity, description=violation.description, evidence=evidence,
                lat=inspection.lat, lng=inspection.lng, inspection_id=inspection.id,
                client_uuid=str(record_uuid))
        except facts.DuplicateFact as exc:
            # One fact, one record: the fact is already recorded (an earlier inspection, the second officer's
            # phone, an entry by a supervisor). The signed capture stands as it is; its violation points to
            # the record that holds the fact, whose history notes this inspection.
            rec = facts.found_again(exc.existing, inspection.id, actor)
        except ServiceError as exc:
            raise ServiceError({f"violations.{violation.position}.{k}": v for k, v in exc.errors.items()},
                               status=exc.status) from None
        violation.credit_record = rec
    db.session.flush()


def _visit_outcome(inspection: Inspection) -> str | None:
    """The planned visit's outcome: the inspection's findings, or why there was no inspection
    (closed, not found, moved, not trading): the visit was made either way, so it is closed."""
    if inspection.outcome in ABNORMAL_OUTCOMES:
        return inspection.outcome
    if inspection.violations:
        return "violation"
    if inspection.rectifications:
        return "rectification"
    return "no_violation"


def _close_visit(inspection: Inspection, visit_id, actor):
    """Close the planned visit this inspection fulfils (scheduling), if that part is present."""
    outcome = _visit_outcome(inspection)
    if outcome is None:
        return
    try:
        from app.scheduling import visits  # noqa: PLC0415
        from app.scheduling.models import Visit  # noqa: PLC0415
    except ImportError:
        return
    try:
        if visit_id is not None:
            visit = db.session.scalars(select(Visit).where(
                Visit.id == visit_id, Visit.retailer_id == inspection.retailer_id,
                Visit.status.in_(("approved", "missed")))).first()
            if visit is not None:
                visits.complete_visit(visit, actor, outcome, done_on=inspection.occurred_on,
                                      inspection_id=inspection.id)
                return
        visits.close_visit_for_inspection(inspection.retailer_id, inspection.occurred_on, outcome,
                                          inspection_id=inspection.id, actor=actor)
    except ServiceError:
        pass  # the visit is no longer open: the inspection stands on its own


def file_url(inspection_file: InspectionFile) -> str:
    return f"/api/inspections/{inspection_file.inspection_id}/files/{inspection_file.file.key}"


def audit_summary(inspection: Inspection) -> dict:
    return {
        "uuid": inspection.client_uuid, "retailer_id": inspection.retailer_id, "outcome": inspection.outcome,
        "occurred_on": inspection.occurred_on, "second_officer_id": inspection.second_officer_id,
        "geofence": inspection.geofence, "distance_m": inspection.distance_m,
        "checks": {c.item_code: c.result for c in inspection.checks},
        "violations": [{"indicator": v.indicator_code, "quantity": v.quantity, "credit_record_id": v.credit_record_id}
                       for v in inspection.violations],
        "interview": inspection.interview.kind if inspection.interview else None,
        "rectifications": len(inspection.rectifications),
        "photos": [f.file.sha256 for f in inspection.photos],
        "signature": inspection.signature_status,
        "content_hash": inspection.content_hash,
    }


# ---- captures discarded on the phone -------------------------------------------------------------

DISCARD_ACTION = "inspection.capture_discarded"
MAX_DISCARDED_PAYLOAD = 64 * 1024


def record_discarded(data: dict, actor):
    """Keep a copy of a capture the inspector threw away from the phone's outbox: an audit entry
    holding what it was (its payload, its state and the server's last answer), so nothing recorded
    on site disappears without trace. Idempotent by the capture's UUID for the same inspector:
    returns (audit entry, created)."""
    from app.audit.models import AuditEntry

    existing = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == DISCARD_ACTION, AuditEntry.target_id == data["uuid"],
        AuditEntry.actor_id == actor.id)).first()
    if existing is not None:
        return existing, False
    err = _Errors()
    if _scoped_retailer(actor, data["retailer_id"]) is None:
        err.add("retailer_id", _("No such shop in your county."))
    payload = data["payload"]
    if len(json.dumps(payload, ensure_ascii=False, default=str)) > MAX_DISCARDED_PAYLOAD:
        err.add("payload", _("Too long."))
    elif payload.get("uuid") not in (None, data["uuid"]):
        err.add("payload", _("The record does not belong to this id."))
    err.raise_if_any()
    received = find_by_uuid(data["uuid"])
    entry = record(DISCARD_ACTION, "inspection_capture", data["uuid"], actor=actor, after={
        "uuid": data["uuid"], "retailer_id": data["retailer_id"], "state": data["state"], "status": data["status"],
        "message": data["message"], "errors": data["errors"], "photos_on_phone": data["photos"],
        "discarded_at": _utc(data["discarded_at"]), "content_hash": content_hash(payload),
        "received_as_inspection": received.id if received is not None else None, "payload": payload})
    return entry, True


# ---- uploads ---------------------------------------------------------------------------------

def check_capture_open(capture_uuid: str, actor, file_uuid: str):
    """An upload for a capture that was already received: 404 outside the county; 409 for a new file
    (the record is closed), nothing for a replay of a file it already has."""
    existing = find_by_uuid(capture_uuid)
    if existing is None:
        return
    if not policy.can(actor, "inspections.read", existing):
        abort(404)
    from app.storage.services import find_by_client_uuid

    if find_by_client_uuid(file_uuid) is None:
        raise ServiceError({"inspection_uuid": [_("This inspection was already received; no file can be added.")]},
                           status=409)


# ---- reading ---------------------------------------------------------------------------------

def list_query(user, args: dict):
    stmt = policy.scope(user, "inspections.read", select(Inspection), Inspection)
    if args.get("retailer_id"):
        stmt = stmt.where(Inspection.retailer_id == args["retailer_id"])
    if args.get("q"):
        from app.retailers.services import search_clause

        stmt = stmt.where(Inspection.retailer_id.in_(select(Retailer.id).where(search_clause(args["q"]))))
    if args.get("unit"):
        from app.org.models import OrgUnit

        stmt = stmt.where(Inspection.unit_id.in_(select(OrgUnit.id).where(OrgUnit.code == args["unit"])))
    if args.get("officer"):
        stmt = stmt.where(or_(Inspection.inspector_id == args["officer"],
                              Inspection.second_officer_id == args["officer"]))
    if args.get("date_from"):
        stmt = stmt.where(Inspection.occurred_on >= args["date_from"])
    if args.get("date_to"):
        stmt = stmt.where(Inspection.occurred_on <= args["date_to"])
    if args.get("outcome"):
        stmt = stmt.where(Inspection.outcome == args["outcome"])
    if args.get("flagged") is True:
        stmt = stmt.where(Inspection.geofence != "inside")
    if args.get("violations") is True:
        stmt = stmt.where(Inspection.id.in_(select(InspectionViolation.inspection_id)))
    if args.get("indicator"):
        stmt = stmt.where(Inspection.id.in_(select(InspectionViolation.inspection_id).where(
            InspectionViolation.indicator_code == args["indicator"].upper())))
    if args.get("business_format"):
        stmt = stmt.where(Inspection.retailer_id.in_(select(Retailer.id).where(
            Retailer.business_format == args["business_format"])))
    # A list shows each inspection's shop, officers and number of violations: loaded with the page in
    # one SELECT (the count as a correlated subquery), not per row; of the shop and the officers only
    # the names the lists show.
    from sqlalchemy.orm import aliased, joinedload, with_expression

    violation_count = (select(func.count()).where(InspectionViolation.inspection_id == Inspection.id)
                       .correlate(Inspection).scalar_subquery())
    second = aliased(User)
    return stmt.options(joinedload(Inspection.retailer).load_only(Retailer.shop_name, Retailer.licence_no),
                        joinedload(Inspection.inspector).load_only(User.display_name),
                        joinedload(Inspection.second_officer.of_type(second)).load_only(second.display_name),
                        with_expression(Inspection.violation_count, violation_count)).order_by(
        Inspection.occurred_on.desc(), Inspection.id.desc())


def officers(user) -> list[User]:
    """The county's other inspectors: candidates for the second officer."""
    return list(db.session.scalars(select(User).where(
        User.role == "inspector", User.unit_id == user.unit_id, User.is_enabled.is_(True), User.id != user.id)
        .order_by(User.display_name, User.id)))


def shop_pack(user, today: date | None = None) -> dict:
    """Everything the phone needs for the coming days, offline: the county's shops (with grade, last
    inspections, recent violations, open rectifications, warnings), officers, checklist, indicators,
    and the inspector's planned visits."""
    from app.credit.models import CreditRecord, RetailerGrade
    from app.licences.state import state_for

    today = today or local_today()
    year_ago = today - timedelta(days=365)
    scoped = policy.scope(user, "retailers.read", select(Retailer.id), Retailer).where(Retailer.status != "cancelled")
    rows = db.session.execute(
        policy.scope(user, "retailers.read", select(
            Retailer.id, Retailer.licence_no, Retailer.shop_name, Retailer.name_initials, Retailer.address,
            Retailer.lat, Retailer.lng, Retailer.status, Retailer.operator_name, Retailer.phone,
            Retailer.licence_expires_on), Retailer)
        .where(Retailer.status != "cancelled").order_by(Retailer.licence_no)).all()

    grades = {r: (g, s) for r, g, s in db.session.execute(
        select(RetailerGrade.retailer_id, RetailerGrade.grade, RetailerGrade.score)
        .where(RetailerGrade.retailer_id.in_(scoped)))}

    visits_by_shop = defaultdict(list)
    abnormal = defaultdict(int)
    recent = db.session.execute(
        select(Inspection.id, Inspection.retailer_id, Inspection.occurred_on, Inspection.outcome,
               func.count(InspectionViolation.id))
        .outerjoin(InspectionViolation, InspectionViolation.inspection_id == Inspection.id)
        .where(Inspection.retailer_id.in_(scoped), Inspection.occurred_on >= year_ago)
        .group_by(Inspection.id, Inspection.retailer_id, Inspection.occurred_on, Inspection.outcome)
        .order_by(Inspection.occurred_on.desc(), Inspection.id.desc())).all()
    for iid, rid, day, outcome, n_viol in recent:
        if len(visits_by_shop[rid]) < 3:
            visits_by_shop[rid].append([day.isoformat(), outcome, n_viol, iid])
        if outcome in ABNORMAL_OUTCOMES:
            abnormal[rid] += 1

    records = defaultdict(list)
    bonuses = defaultdict(list)  # bonuses (positive points) are listed apart: they are not violations
    suspected = set()
    for rid, code, status, day, qty, points in db.session.execute(
            select(CreditRecord.retailer_id, CreditRecord.indicator_code, CreditRecord.status,
                   CreditRecord.occurred_on, CreditRecord.quantity, CreditRecord.nominal_points)
            .where(CreditRecord.retailer_id.in_(scoped), CreditRecord.dimension == "monopoly",
                   or_(CreditRecord.status == "suspected",
                       (CreditRecord.status == "confirmed") & (CreditRecord.occurred_on >= year_ago)))
            .order_by(CreditRecord.occurred_on.desc())):
        if points is not None and points > 0:
            bonuses[rid].append([code, status, day.isoformat(), points, _indicator_name(code, today)])
            continue
        records[rid].append([code, status, day.isoformat(), qty])
        if status == "suspected":
            suspected.add(rid)

    rect = defaultdict(list)
    overdue = set()
    for item in db.session.scalars(select(RectificationItem).where(
            RectificationItem.retailer_id.in_(scoped), RectificationItem.status == "open")
            .order_by(RectificationItem.deadline)):
        rect[item.retailer_id].append([item.id, item.description, item.deadline.isoformat()])
        if item.deadline < today:
            overdue.add(item.retailer_id)

    shops = []
    for (rid, licence_no, name, initials, address, lat, lng, status, operator, phone, expires) in rows:
        shop = {"id": rid, "no": licence_no, "name": name, "py": initials, "addr": address, "lat": lat, "lng": lng,
                "op": operator, "tel": phone or ""}
        if status != "active":
            shop["st"] = status
        if rid in grades:
            shop["grade"], shop["score"] = grades[rid]
        warn = []
        if rid in grades and grades[rid][0] in ("B", "C", "D"):
            warn.append("grade_low")
        if rid in overdue:
            warn.append("rect_overdue")
        if abnormal.get(rid):
            warn.append("abnormal_visits")
        if rid in suspected:
            warn.append("suspected")
        state = state_for(status, expires, today).state
        if state in ("expired", "expiring", "suspended"):
            warn.append({"expired": "licence_expired", "expiring": "licence_expiring",
                         "suspended": "suspended"}[state])
        shop["exp"] = expires.isoformat()
        for key, value in (("insp", visits_by_shop.get(rid)), ("recs", records.get(rid, [])[:5]),
                           ("bonus", bonuses.get(rid, [])[:3]),
                           ("rect", rect.get(rid)), ("warn", warn)):
            if value:
                shop[key] = value
        shops.append(shop)

    catalogue = checklist.catalogue_on(today)
    return {
        "generated_at": utcnow().isoformat() + "Z",
        "today": today.isoformat(),
        "user_id": user.id,
        "unit": user.unit.code if user.unit else None,
        "radius_m": current_app.config["INSPECTION_GEOFENCE_METRES"],
        "officers": [{"id": u.id, "name": u.display_name} for u in officers(user)],
        "checklist": checklist.items(),
        "indicators": [checklist.indicator_dict(i, catalogue.version) for i in checklist.field_indicators(catalogue)],
        "visits": _planned_visits(user, today),
        "shops": shops,
    }


def _indicator_name(code: str, day: date) -> str:
    try:
        indicator = checklist.catalogue_on(day).indicator(code)
    except (LookupError, KeyError):
        return code
    return checklist.indicator_dict(indicator, "").get("name") or code


def _planned_visits(user, today: date) -> list:
    try:
        from app.scheduling.models import Visit  # noqa: PLC0415
    except ImportError:
        return []
    out = []
    for v in db.session.scalars(select(Visit).where(
            or_(Visit.officer_a_id == user.id, Visit.officer_b_id == user.id),
            Visit.status.in_(("approved", "missed")),
            Visit.planned_on >= today - timedelta(days=7), Visit.planned_on <= today + timedelta(days=7))
            .order_by(Visit.planned_on, Visit.route_order, Visit.id)):
        partner = v.officer_b_id if v.officer_a_id == user.id else v.officer_a_id
        out.append({"id": v.id, "retailer_id": v.retailer_id, "day": v.planned_on.isoformat(), "kind": v.kind,
                    "status": v.status, "partner_id": partner, "order": v.route_order})
    return out


def open_rectifications(retailer_id: int) -> list[RectificationItem]:
    return list(db.session.scalars(select(RectificationItem).where(
        RectificationItem.retailer_id == retailer_id, RectificationItem.status == "open")
        .order_by(RectificationItem.deadline)))


def purge_orphan_uploads(older_than_days: int) -> int:
    """Uploads never attached to an inspection and older than the given age: the capture was
    abandoned on the phone (or thrown away). Rows and files go; an audit entry says how many."""
    from app.storage import services as storage

    from app.trust.models import SelfCheckPhoto

    cutoff = utcnow() - timedelta(days=older_than_days)
    # attached: to an inspection, or to a remote self-check (app.trust), which uploads through the same code
    attached = select(InspectionFile.file_id).union(select(SelfCheckPhoto.file_id))
    orphans = list(db.session.scalars(select(StoredFile).where(StoredFile.created_at < cutoff,
                                                               StoredFile.id.not_in(attached))))
    # A capture that did arrive keeps its files even if one was not used (a photo removed on the phone
    # after it was sent); only captures with no inspection are purged.
    received = set(db.session.scalars(select(Inspection.client_uuid).where(
        Inspection.client_uuid.in_({f.capture_uuid for f in orphans})))) if orphans else set()
    orphans = [f for f in orphans if f.capture_uuid not in received]
    for f in orphans:
        storage.discard(f)
        db.session.delete(f)
    if orphans:
        db.session.flush()
        record("file.purge", "stored_file", None, after={"count": len(orphans), "older_than_days": older_than_days})
    return len(orphans)
