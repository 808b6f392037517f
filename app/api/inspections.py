"""Field inspections 现场检查: the phone's data pack, uploads of photos and signatures, submission
(idempotent by the phone's UUID), reading, and the stored files (served through the policy)."""
import gzip
import json

from flask import Response, abort, request, send_file
from flask_login import current_user
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api.common import page_args, paginate
from app.auth import policy
from app.auth.policy import requires
from app.extensions import db
from app.inspections import services
from app.inspections.models import Inspection, InspectionFile
from app.inspections.schemas import (DiscardedCaptureOutSchema, DiscardedCaptureSchema, InspectionListItemSchema,
                                     InspectionQuerySchema, InspectionSchema, InspectionSubmitSchema,
                                     UploadFormSchema, UploadSchema)
from app.storage import services as storage
from app.storage.models import StoredFile

blp = Blueprint("inspections", __name__, url_prefix="/api", description="Field inspections 现场检查")


class UploadFileSchema(Schema):
    file = Upload(required=True)


@blp.route("/inspections/pack", methods=["GET"])
@requires("inspections.write")
@blp.doc(responses={200: {"description": "shops, officers, checklist, indicators and planned visits"}})
def pack():
    """The data the phone keeps for offline work: the county's shops with grade, last inspections,
    recent violations, open rectifications and warnings; the county's inspectors; the checklist;
    the indicators; the inspector's planned visits. Gzipped when the client accepts it."""
    body = json.dumps(services.shop_pack(current_user), ensure_ascii=False, separators=(",", ":")).encode()
    response = Response(mimetype="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        body = gzip.compress(body, compresslevel=6)
        response.headers["Content-Encoding"] = "gzip"
    response.set_data(body)
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/inspections/uploads", methods=["POST"])
@requires("inspections.write")
@blp.arguments(UploadFormSchema, location="form")
@blp.arguments(UploadFileSchema, location="files")
@blp.response(201, UploadSchema)
@blp.alt_response(200, schema=UploadSchema, description="The same file was already received (a replay)")
@blp.alt_response(409, description="This file id was used for a different file, or the inspection is closed")
@blp.alt_response(413, description="Too large")
def upload_file(form, files):
    """Upload one photo or the signature before the inspection that uses it (multipart: ``file``,
    ``uuid`` made on the phone, ``inspection_uuid``, ``kind`` photo|signature). JPEG, PNG or WebP,
    checked by content; idempotent by ``uuid``."""
    services.check_capture_open(form["inspection_uuid"], current_user, form["uuid"])
    data = files["file"].read()
    # A concurrent upload of the same file id is answered inside save (200 for the same file, 409 for
    # another); a file written for a transaction that does not commit is removed (app.storage.pending).
    stored, created = storage.save(data, kind=form["kind"], client_uuid=form["uuid"],
                                   capture_uuid=form["inspection_uuid"], uploader=current_user)
    return stored, 201 if created else 200


@blp.route("/inspections", methods=["POST"])
@requires("inspections.write")
@blp.arguments(InspectionSubmitSchema)
@blp.response(201, InspectionSchema)
@blp.alt_response(200, schema=InspectionSchema, description="The same capture was already received (a replay)")
@blp.alt_response(409, description="This UUID was already used for a different capture")
def submit_inspection(data):
    """Submit one capture. Photos and the signature are uploaded first and referenced by their UUIDs.
    Same UUID, same content: 200 with the stored inspection; same UUID, other content: 409."""
    digest = services.content_hash(request.get_json())
    try:
        inspection, created = services.submit(data, content_hash=digest, actor=current_user)
        db.session.flush()  # a race shows here, not at the boundary's commit
        if not created:  # a replay: the answer's relationships in a few queries (a new one has them)
            inspection = services.load_full(inspection.id)
    except IntegrityError:
        # Two copies of one capture raced (two tabs, a retry while the first was still running):
        # the loser starts its unit of work again and answers as a replay.
        db.session.rollback()
        existing = services.find_by_uuid(data["uuid"])
        if existing is None:
            raise
        inspection, created = services.replay(existing, digest, current_user), False
    return inspection, 201 if created else 200


@blp.route("/inspections/discarded", methods=["POST"])
@requires("inspections.write")
@blp.arguments(DiscardedCaptureSchema)
@blp.response(201, DiscardedCaptureOutSchema)
@blp.alt_response(200, schema=DiscardedCaptureOutSchema, description="This discard was already reported")
def discard_capture(data):
    """Report a capture the inspector discarded from the phone's outbox (after a confirmation): the
    server keeps a copy of what it held in the audit trail (action ``inspection.capture_discarded``).
    Idempotent by ``uuid``."""
    entry, created = services.record_discarded(data, current_user)
    return {"uuid": data["uuid"], "audit_seq": entry.seq, "recorded_at": entry.at}, 201 if created else 200


@blp.route("/inspections", methods=["GET"])
@requires("inspections.read")
@blp.arguments(InspectionQuerySchema, location="query")
@blp.response(200, InspectionListItemSchema(many=True))
@blp.paginate(**page_args(20))
def list_inspections(args, pagination_parameters):
    """Inspections the user may see (county staff: their county); filter by shop, outcome (the
    abnormal outcomes feed the search for 虚假户), or flagged check-ins."""
    return paginate(services.list_query(current_user, args), pagination_parameters)


@blp.route("/inspections/<int:inspection_id>", methods=["GET"])
@requires("inspections.read")
@blp.response(200, InspectionSchema)
def get_inspection(inspection_id):
    """One inspection with its checklist, violations (and their credit records), interview,
    rectifications, photos and signature. Another county's: 404."""
    return policy.get_or_404(current_user, "inspections.read", Inspection, inspection_id)


@blp.route("/inspections/<int:inspection_id>/files/<key>", methods=["GET"])
@requires("inspections.read")
@blp.doc(responses={200: {"description": "the image", "content": {"image/jpeg": {}, "image/png": {}}}})
def inspection_file(inspection_id, key):
    """A photo or the signature of an inspection, to those who may read the inspection."""
    inspection = policy.get_or_404(current_user, "inspections.read", Inspection, inspection_id)
    stored = db.session.scalars(select(StoredFile).join(InspectionFile, InspectionFile.file_id == StoredFile.id)
                                .where(InspectionFile.inspection_id == inspection.id, StoredFile.key == key)).first()
    if stored is None:
        abort(404)
    try:
        path = storage.absolute_path(stored)
    except FileNotFoundError:
        abort(404)
    response = send_file(path, mimetype=stored.content_type, max_age=86400, etag=stored.sha256, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = f"inline; filename={stored.key}.{stored.path.rsplit('.', 1)[-1]}"
    return response
