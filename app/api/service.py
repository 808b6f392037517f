"""The ordering system's API (订货系统), reached only with its token (Authorization: Bearer): it sends
each licence's base tier and monthly ordering figures, and fetches each published month's effective
tiers and supply coefficients with their reasons, then confirms receipt with the file's SHA-256."""
import hashlib

from flask import Response, abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api.common import page_args, paginate
from app.auth.policy import requires
from app.common.fields import Id, Int32, UtcDateTime
from app.common.validation import N_
from app.extensions import db
from app.service import figures, runs
from app.service.models import ServiceRun

blp = Blueprint("ordering", __name__, url_prefix="/api/ordering",
                description="The ordering system 订货系统: base tiers in, monthly tiers and supply out (token only)")
SECURITY = [{"orderingToken": []}]


class FiguresQuerySchema(Schema):
    dry_run = fields.Bool(load_default=False, metadata={"description": "check every row and write nothing"})


class FiguresFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class FiguresRowErrorSchema(Schema):
    row = fields.Int(required=True, metadata={"description": "line in the file (1 is the header; 0 the file)"})
    column = fields.Str(required=True)
    message = fields.Str(required=True)


class FiguresResultSchema(Schema):
    ok = fields.Bool(required=True)
    dry_run = fields.Bool(required=True)
    encoding = fields.Str(required=True, allow_none=True)
    rows = fields.Int(required=True)
    valid = fields.Int(required=True)
    created = fields.Int(required=True, metadata={"description": "rows new (in a dry run: that would be new)"})
    updated = fields.Int(required=True, metadata={"description": "rows whose stored figures are replaced"})
    unchanged = fields.Int(required=True, metadata={"description": "rows identical to what is stored"})
    months = fields.List(fields.Str(), required=True)
    errors = fields.List(fields.Nested(FiguresRowErrorSchema), required=True)


class ServiceRunSchema(Schema):
    id = Id(required=True)
    cycle = fields.Str(required=True, metadata={"description": "the ordering month served, YYYY-MM"})
    as_of = fields.Date(required=True)
    policy_version = fields.Str(required=True)
    licence_count = Int32(required=True)
    published_at = UtcDateTime(required=True)
    export_sha256 = fields.Str(required=True, metadata={"description": "SHA-256 of the export file"})


class ReceiptSchema(Schema):
    sha256 = fields.Str(required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$",
                                                               error=N_("A SHA-256 in 64 hexadecimal digits.")))
    rows = Int32(load_default=None, allow_none=True, validate=validate.Range(min=0, error=N_("Too small.")))


class ReceiptResultSchema(Schema):
    id = Id(required=True)
    matched = fields.Bool(required=True, metadata={"description": "false: the file differs; fetch it again"})
    expected_sha256 = fields.Str(required=True)


@blp.route("/figures", methods=["POST"])
@requires("ordering.api")
@blp.arguments(FiguresQuerySchema, location="query")
@blp.arguments(FiguresFileSchema, location="files")
@blp.response(200, FiguresResultSchema)
@blp.alt_response(422, description="Bad rows: nothing was imported; result.errors lists every one")
@blp.doc(security=SECURITY)
def import_figures(query, files):
    """Each licence's base tier (1-30; class_code for letter classes) and the month's order amount and
    cartons, as CSV (columns licence_no, month, base_tier, class_code, order_amount, order_cartons; UTF-8
    or GBK). All rows or none; every bad row named by line and column. One row per licence and month:
    sending the same file again changes nothing, a corrected figure replaces the stored one."""
    upload = files["file"]
    result = figures.run(upload.read(), actor=current_user, dry_run=query["dry_run"], source="api",
                         filename=(upload.filename or "")[:200] or None)
    return figures.result_dict(result)


@blp.route("/service-runs", methods=["GET"])
@requires("ordering.api")
@blp.response(200, ServiceRunSchema(many=True))
@blp.paginate(**page_args(50))
@blp.doc(security=SECURITY)
def list_runs(pagination_parameters):
    """Published monthly service runs, newest month first."""
    stmt = select(ServiceRun).where(ServiceRun.state == "published").order_by(ServiceRun.cycle.desc())
    return paginate(stmt, pagination_parameters)


@blp.route("/service-runs/<int:run_id>/export", methods=["GET"])
@requires("ordering.api")
@blp.response(200, content_type="text/csv", description="The run as CSV (UTF-8 with BOM): licence_no, cycle, grade, "
              "base_tier, class_code, adjusted_class, tier, coefficient, scarce_priority, supply_suspended, suspension_id, reasons. "
              "Header X-Checksum-SHA256 carries the file's SHA-256.")
@blp.doc(security=SECURITY)
def export_run(run_id):
    """A published run's file. Reading it writes nothing; confirm receipt with POST .../receipt."""
    run = db.session.get(ServiceRun, run_id)
    if run is None or run.state != "published":
        abort(404)
    data = runs.export_csv(run)
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="service-{run.cycle}.csv"',
        "X-Checksum-SHA256": hashlib.sha256(data).hexdigest()})


@blp.route("/service-runs/<int:run_id>/receipt", methods=["POST"])
@requires("ordering.api")
@blp.arguments(ReceiptSchema)
@blp.response(200, ReceiptResultSchema)
@blp.doc(security=SECURITY)
def confirm_receipt(data, run_id):
    """Confirm the file was received, with the SHA-256 the ordering system computed over the bytes it
    got. Logged in the delivery log either way; ``matched`` false means the file must be fetched again."""
    run = db.session.get(ServiceRun, run_id)
    if run is None or run.state != "published":
        abort(404)
    delivery = runs.confirm_receipt(run, current_user, data["sha256"], data.get("rows"))
    return {"id": delivery.id, "matched": delivery.matched, "expected_sha256": run.export_sha256}
