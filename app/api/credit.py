"""Credit records 信用记录, the suspected-violation queue, live grades 信用等级, CSV import, and the
catalogue and policy versions 指标体系与等级政策版本. Thin views: parse → app.credit → serialise."""
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from app.api.common import page_args, paginate
from app.auth import policy
from app.auth.policy import requires
from app.common.errors import ServiceError
from app.common.time import local_today
from app.credit import entry, facts, grading, imports, queries, recording, versions
from app.credit.models import CatalogueVersion, CreditRecord, GradeChange, PolicyVersion
from app.credit.schemas import (CreditConfirmSchema, CreditQueueQuerySchema, CreditDismissSchema, CreditGradeSchema, CreditImportFileSchema,
                                CreditImportQuerySchema, CreditImportResultSchema, CreditRecordCreateSchema,
                                CreditRecordDetailSchema, CreditRecordQuerySchema, CreditRecordSchema,
                                CreditVersionDetailSchema, CreditVersionSchema, CreditVersionUploadSchema,
                                SelfCreditGradeSchema)
from app.extensions import db
from app.retailers.models import Retailer

blp = Blueprint("credit", __name__, url_prefix="/api",
                description="Credit records, live grades, catalogue and policy versions 信用记录与等级")


def _detail(rec: CreditRecord) -> CreditRecord:
    """Attach what the detail view shows besides the record: its grade effects and the live grade."""
    rec.grade_changes = [
        {"retailer_id": g.retailer_id, "at": g.at, "as_of": g.as_of, "from_grade": g.from_grade,
         "to_grade": g.to_grade, "from_score": g.from_score, "to_score": g.to_score, "cause": g.cause}
        for g in db.session.scalars(select(GradeChange).where(GradeChange.record_id == rec.id)
                                    .order_by(GradeChange.id))]
    grade = grading.current_grade(rec.retailer)
    rec.current_grade = {"grade": grade.grade, "score": grade.score, "as_of": grade.as_of,
                         "valid_until": grade.valid_until}
    return rec


@blp.route("/credit-records", methods=["GET"])
@requires("credit.read")
@blp.arguments(CreditRecordQuerySchema, location="query")
@blp.response(200, CreditRecordSchema(many=True))
@blp.paginate(**page_args(20))
def list_records(args, pagination_parameters):
    """Credit records the user may see (county staff: their county), filtered, newest first."""
    return paginate(queries.list_query(current_user, args), pagination_parameters)


@blp.route("/credit-records/queue", methods=["GET"])
@requires("credit.decide")
@blp.arguments(CreditQueueQuerySchema, location="query")
@blp.response(200, CreditRecordSchema(many=True))
@blp.paginate(**page_args(20))
def suspected_queue(args, pagination_parameters):
    """Suspected violations awaiting confirmation or dismissal, oldest first; filter by county
    (``unit``), indicator and age (``min_days`` since found)."""
    return paginate(queries.queue_query(current_user, args), pagination_parameters)


@blp.route("/credit-records", methods=["POST"])
@requires("credit.record")
@blp.arguments(CreditRecordCreateSchema)
@blp.response(201, CreditRecordDetailSchema)
@blp.alt_response(200, schema=CreditRecordDetailSchema,
                  description="A retry: a record was already made with this client_uuid; it is returned")
@blp.alt_response(409, description="The fact (licence, indicator, date, case number) is already recorded: "
                                   "errors.indicator_code names the record and existing has its id, status and link")
def create_record(data):
    """Enter a record: suspected, or confirmed with its decision (account managers: marketing
    indicators of their county only). The source follows from the role (supervisor, account manager);
    one fact is one record: a duplicate answers 409 naming the record that holds it, unless it is a
    retry with the same ``client_uuid``, which returns the record made the first time (200)."""
    retailer = db.session.scalars(policy.scope(current_user, "credit.record", select(Retailer), Retailer)
                                  .where(Retailer.id == data.pop("retailer_id"))).first()
    if retailer is None:
        raise ServiceError({"retailer_id": [_("Unknown retailer.")]})
    source = entry.source_for(current_user, "api")
    entry.check_requested(data.pop("source"), source)
    rec = recording.create_record(retailer, data.pop("indicator_code"), source=source, actor=current_user, **data)
    created = facts.made_now(rec)
    return _detail(rec), 201 if created else 200


@blp.route("/credit-records/<int:record_id>", methods=["GET"])
@requires("credit.read")
@blp.response(200, CreditRecordDetailSchema)
def get_record(record_id):
    """One record with its full status history and the grade changes it caused (404 outside the
    user's county)."""
    rec = policy.get_or_404(current_user, "credit.read", CreditRecord, record_id)
    return _detail(rec)


@blp.route("/credit-records/<int:record_id>/confirm", methods=["POST"])
@requires("credit.decide")
@blp.arguments(CreditConfirmSchema)
@blp.response(200, CreditRecordDetailSchema)
@blp.alt_response(409, description="The record is not suspected (e.g. already confirmed)")
def confirm_record(data, record_id):
    """Confirm a suspected violation against its case decision; the live grades it reaches are
    recomputed in the same transaction (see grade_changes)."""
    rec = policy.get_or_404(current_user, "credit.decide", CreditRecord, record_id)
    recording.confirm(rec, data.get("case_number"), data.get("decided_on"), current_user,
                      penalty_kinds=data.get("penalty_kinds"), penalty_content=data.get("penalty_content"),
                      penalty_amount=data.get("penalty_amount"))
    return _detail(rec)


@blp.route("/credit-records/<int:record_id>/dismiss", methods=["POST"])
@requires("credit.decide")
@blp.arguments(CreditDismissSchema)
@blp.response(200, CreditRecordDetailSchema)
@blp.alt_response(409, description="The record cannot be dismissed in its state")
def dismiss_record(data, record_id):
    """Dismiss a suspected violation (or a confirmed record whose objection was upheld), with the reason."""
    rec = policy.get_or_404(current_user, "credit.decide", CreditRecord, record_id)
    recording.dismiss(rec, data.get("reason"), current_user)
    return _detail(rec)


@blp.route("/credit-records/import", methods=["POST"])
@requires("credit.record")
@blp.arguments(CreditImportQuerySchema, location="query")
@blp.arguments(CreditImportFileSchema, location="files")
@blp.response(200, CreditImportResultSchema)
@blp.alt_response(422, description="Bad rows: nothing was imported; result.errors lists every one")
@blp.alt_response(409, description="Every bad row is a fact already recorded (result.errors names the records): "
                                   "nothing was imported")
def import_records(query, files):
    """Bulk entry of confirmed records from a CSV file (columns licence_no, indicator_code,
    occurred_on, quantity, decided_on, case_number, description; UTF-8 or GBK). With dry_run=true
    every row is checked and every bad one reported, and nothing is written."""
    upload = files["file"]
    result = imports.run(upload.read(), actor=current_user, dry_run=query["dry_run"], filename=upload.filename)
    return imports.result_dict(result)


@blp.route("/retailers/<int:retailer_id>/grade", methods=["GET"])
@requires("credit.read")
@blp.response(200, CreditGradeSchema)
def retailer_grade(retailer_id):
    """A retailer's live grade for today and why: score, subtotals, grade, the rule that decided it,
    every contributing record (points, counts until) and the measures the policy attaches to the grade."""
    retailer = policy.get_or_404(current_user, "credit.read", Retailer, retailer_id)
    return grading.explain(retailer)


@blp.route("/me/retailers/<int:retailer_id>/grade", methods=["GET"])
@requires("me.retailers")
@blp.response(200, SelfCreditGradeSchema)
def my_retailer_grade(retailer_id):
    """The live grade of one of the signed-in retailer's own licences and why (another licence: 404)."""
    retailer = policy.get_or_404(current_user, "me.retailers", Retailer, retailer_id)
    return grading.explain(retailer)


# ---- catalogue and policy versions --------------------------------------------------------------

def _version_rows(model, in_force, pagination_parameters):
    rows = paginate(policy.scope(current_user, "credit.read", select(model), model)
                    .order_by(model.effective_from, model.version), pagination_parameters)
    today = local_today()
    return [versions.describe(r, today=today, in_force_version=in_force) for r in rows]


def _in_force(kind):
    today = local_today()
    try:
        return (versions.catalogue_on(today) if kind == "catalogue" else versions.policy_on(today)).version
    except (LookupError, AttributeError):
        return None


def _version_detail(model, version):
    row = db.session.scalars(policy.scope(current_user, "credit.read", select(model), model)
                             .where(model.version == version)).first()
    if row is None:
        from flask import abort

        abort(404)
    kind = "catalogue" if model is CatalogueVersion else "policy"
    return {**versions.describe(row, in_force_version=_in_force(kind)), "source_text": row.source_text}


@blp.route("/catalogue-versions", methods=["GET"])
@requires("credit.read")
@blp.response(200, CreditVersionSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_catalogue_versions(pagination_parameters):
    """Indicator catalogue versions 信用评价指标体系, oldest first; the one in force today is marked."""
    return _version_rows(CatalogueVersion, _in_force("catalogue"), pagination_parameters)


@blp.route("/catalogue-versions", methods=["POST"])
@requires("catalogue.manage")
@blp.arguments(CreditVersionUploadSchema)
@blp.response(201, CreditVersionDetailSchema)
@blp.alt_response(409, description="This version is already stored (versions are never replaced)")
def add_catalogue_version(data):
    """Store a new catalogue version from its YAML text (validated; a bad file answers 422 naming the line)."""
    row = versions.add_catalogue(data["source_text"], actor=current_user)
    return {**versions.describe(row, in_force_version=_in_force("catalogue")), "source_text": row.source_text}, 201


@blp.route("/catalogue-versions/<string:version>", methods=["GET"])
@requires("credit.read")
@blp.response(200, CreditVersionDetailSchema)
def get_catalogue_version(version):
    """One catalogue version with its YAML text."""
    return _version_detail(CatalogueVersion, version)


@blp.route("/policy-versions", methods=["GET"])
@requires("credit.read")
@blp.response(200, CreditVersionSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_policy_versions(pagination_parameters):
    """Grade policy versions 信用等级政策 (thresholds, periods, measures), oldest first."""
    return _version_rows(PolicyVersion, _in_force("policy"), pagination_parameters)


@blp.route("/policy-versions", methods=["POST"])
@requires("catalogue.manage")
@blp.arguments(CreditVersionUploadSchema)
@blp.response(201, CreditVersionDetailSchema)
@blp.alt_response(409, description="This version is already stored (versions are never replaced)")
def add_policy_version(data):
    """Store a new grade-policy version from its YAML text (validated; a bad file answers 422 naming the line)."""
    row = versions.add_policy(data["source_text"], actor=current_user)
    return {**versions.describe(row, in_force_version=_in_force("policy")), "source_text": row.source_text}, 201


@blp.route("/policy-versions/<string:version>", methods=["GET"])
@requires("credit.read")
@blp.response(200, CreditVersionDetailSchema)
def get_policy_version(version):
    """One policy version with its YAML text."""
    return _version_detail(PolicyVersion, version)
