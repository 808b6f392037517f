"""Red and black lists: supervisors review proposals, take entries off and answer objections; retailers
object during the notice period; the public sees entries in notice and in effect (names masked).
Admins manage partner agreements, read the partner read log and watch the exchange with the local
credit platform."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from app.api.common import page_args, paginate
from app.api.partner import ListEntryPublicSchema
from app.auth import policy
from app.auth.models import User
from app.auth.policy import requires
from app.common.fields import UtcDateTime
from app.common.validation import N_
from app.exchange import services as exchange
from app.exchange.models import ExchangeBatch
from app.lists import services
from app.lists.models import KINDS, STATUSES, ListEntry, ListObjection
from app.partners import services as partners
from app.partners.models import GRADES, LIST_KINDS, READABLE_FIELDS
from app.partners.findings import FINDING_TYPES

blp = Blueprint("lists", __name__, url_prefix="/api", description="Red and black lists 红黑名单, partners, exchange")
public_blp = Blueprint("public_lists", __name__, url_prefix="/api/public",
                       description="Published red and black lists (names masked)")
ONE_OF = N_("Must be one of the allowed values.")
TEXT = validate.Length(max=2000, error=N_("Too long."))


class ObjectionSchema(Schema):
    id = fields.Int()
    status = fields.Str(metadata={"description": "open | upheld | rejected"})
    reasons = fields.Str()
    submitted_at = UtcDateTime()
    answer_due = fields.Date()
    answer = fields.Str(allow_none=True)
    answered_at = UtcDateTime(allow_none=True)


class ListEntrySchema(Schema):
    id = fields.Int()
    kind = fields.Str(metadata={"description": "red | black"})
    status = fields.Str(metadata={"description": " | ".join(STATUSES)})
    criterion = fields.Str()
    retailer_id = fields.Int()
    licence_no = fields.Function(lambda e: e.retailer.licence_no)
    shop_name = fields.Function(lambda e: e.retailer.shop_name)
    policy_version = fields.Str()
    basis_record_id = fields.Int(allow_none=True)
    run_id = fields.Int(allow_none=True)
    proposed_at = UtcDateTime()
    review_note = fields.Str(allow_none=True)
    notice_from = fields.Date(allow_none=True)
    notice_until = fields.Date(allow_none=True)
    effective_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    exit_proposed_at = UtcDateTime(allow_none=True)
    exit_reason = fields.Str(allow_none=True)
    exited_on = fields.Date(allow_none=True)
    objections = fields.List(fields.Nested(ObjectionSchema))


class EntryQuerySchema(Schema):
    status = fields.Str(validate=validate.OneOf(STATUSES, error=ONE_OF))
    kind = fields.Str(validate=validate.OneOf(KINDS, error=ONE_OF))


class ReviewSchema(Schema):
    approve = fields.Bool(required=True)
    note = fields.Str(load_default="", validate=TEXT)


class NoteSchema(Schema):
    note = fields.Str(load_default="", validate=TEXT)


class AnswerSchema(Schema):
    uphold = fields.Bool(required=True)
    answer = fields.Str(required=True, validate=TEXT)


class ObjectSchema(Schema):
    reasons = fields.Str(required=True, validate=TEXT)


@blp.route("/lists/entries", methods=["GET"])
@requires("lists.read")
@blp.arguments(EntryQuerySchema, location="query")
@blp.response(200, ListEntrySchema(many=True))
@blp.paginate(**page_args(50))
def list_entries(args, pagination_parameters):
    """List entries of the user's county (city level and admins: all), newest first."""
    return paginate(services.supervise_query(current_user, args), pagination_parameters)


@blp.route("/lists/entries/<int:entry_id>", methods=["GET"])
@requires("lists.read")
@blp.response(200, ListEntrySchema)
def get_entry(entry_id):
    """One entry with its objections."""
    return policy.get_or_404(current_user, "lists.read", ListEntry, entry_id)


@blp.route("/lists/entries/<int:entry_id>/review", methods=["POST"])
@requires("lists.decide")
@blp.arguments(ReviewSchema)
@blp.response(200, ListEntrySchema)
@blp.alt_response(409, description="not a proposal")
def review_entry(data, entry_id):
    """Approve a proposal (the public notice period starts) or reject it with the reason."""
    e = policy.get_or_404(current_user, "lists.decide", ListEntry, entry_id)
    return services.review(e, data["approve"], data["note"], current_user)


@blp.route("/lists/entries/<int:entry_id>/exit", methods=["POST"])
@requires("lists.decide")
@blp.arguments(NoteSchema)
@blp.response(200, ListEntrySchema)
@blp.alt_response(409, description="not in effect")
def exit_entry(data, entry_id):
    """Take an effective entry off its list (a proposed exit, or with the reason): withdrawn everywhere."""
    e = policy.get_or_404(current_user, "lists.decide", ListEntry, entry_id)
    return services.confirm_exit(e, data["note"], current_user)


@blp.route("/lists/objections/<int:objection_id>/answer", methods=["POST"])
@requires("lists.decide")
@blp.arguments(AnswerSchema)
@blp.response(200, ListEntrySchema)
@blp.alt_response(409, description="already answered")
def answer_objection(data, objection_id):
    """Uphold (the entry is cancelled) or reject (it takes effect when the notice period ends)."""
    o = policy.get_or_404(current_user, "lists.decide", ListObjection, objection_id)
    services.answer(o, data["uphold"], data["answer"], current_user)
    return o.entry


@blp.route("/me/lists", methods=["GET"])
@requires("me.credit")
@blp.response(200, ListEntrySchema(many=True))
@blp.paginate(**page_args(20))
def my_entries(pagination_parameters):
    """The retailer's own list entries from the notice period on (proposals not yet reviewed are not shown)."""
    from sqlalchemy import select

    stmt = policy.scope(current_user, "me.credit", select(ListEntry), ListEntry).where(
        ListEntry.status.notin_(("proposed", "rejected"))).order_by(ListEntry.id.desc())
    return paginate(stmt, pagination_parameters)


@blp.route("/me/lists/<int:entry_id>/objection", methods=["POST"])
@requires("me.credit")
@blp.arguments(ObjectSchema)
@blp.response(201, ObjectionSchema)
@blp.alt_response(409, description="outside the notice period, or an objection is open")
def object_to_entry(data, entry_id):
    """Object to an entry during its notice period; a supervisor answers within the policy's working days."""
    e = policy.get_or_404(current_user, "me.credit", ListEntry, entry_id)
    return services.object_to(e, data["reasons"], current_user), 201


@public_blp.route("/lists", methods=["GET"])
@requires("public")
@public_blp.arguments(EntryQuerySchema, location="query")
@public_blp.response(200, ListEntryPublicSchema(many=True))
@public_blp.paginate(**page_args(50))
def public_lists(args, pagination_parameters):
    """Entries in their notice period and in effect; operators' names masked. Withdrawn ones are gone."""
    entries = paginate(services.public_query(args.get("kind"), args.get("status")), pagination_parameters)
    return [services.public_view(e) for e in entries]


# ---- partners (admin) -----------------------------------------------------------------------------------

class AgreementSchema(Schema):
    organisation = fields.Str(required=True, validate=validate.Length(min=1, max=128, error=N_("Too long.")))
    fields_ = fields.List(fields.Str(validate=validate.OneOf(READABLE_FIELDS, error=ONE_OF)), data_key="fields",
                          attribute="fields", load_default=list, validate=validate.Length(max=20))
    grades = fields.List(fields.Str(validate=validate.OneOf(GRADES, error=ONE_OF)), load_default=list,
                         validate=validate.Length(max=6))
    lists = fields.List(fields.Str(validate=validate.OneOf(LIST_KINDS, error=ONE_OF)), load_default=list,
                        validate=validate.Length(max=2))
    finding_types = fields.List(fields.Str(validate=validate.OneOf(tuple(FINDING_TYPES), error=ONE_OF)),
                                load_default=list, validate=validate.Length(max=10))
    callback_url = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=512))
    measures = fields.Dict(keys=fields.Str(validate=validate.OneOf(LIST_KINDS, error=ONE_OF)),
                           values=fields.List(fields.Str(validate=validate.Length(max=200)),
                                              validate=validate.Length(max=10)), load_default=dict)
    active = fields.Bool(load_default=True)


class PartnerReadSchema(Schema):
    id = fields.Int()
    at = UtcDateTime()
    partner = fields.Function(lambda r: r.partner.username)
    what = fields.Str()
    target = fields.Str(allow_none=True)
    retailer_id = fields.Int(allow_none=True)
    fields_ = fields.List(fields.Str(), attribute="fields", data_key="fields")
    ip = fields.Str(allow_none=True)


class ReadQuerySchema(Schema):
    partner_id = fields.Int(validate=validate.Range(min=1, max=2**31 - 1))


@blp.route("/partners/<int:user_id>/agreement", methods=["GET"])
@requires("partners.manage")
@blp.response(200, AgreementSchema)
def get_agreement(user_id):
    """A partner account's agreement (404 if none yet)."""
    from flask import abort

    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    a = partners.agreement_of(user)
    if a is None:
        abort(404)
    return a


@blp.route("/partners/<int:user_id>/agreement", methods=["PUT"])
@requires("partners.manage")
@blp.arguments(AgreementSchema)
@blp.response(200, AgreementSchema)
def put_agreement(data, user_id):
    """Set a partner's agreement: fields, grades and lists it may read, finding types it may push, its
    callback URL and its joint measures per list. Audited."""
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    return partners.set_agreement(user, data, current_user)


@blp.route("/partner-reads", methods=["GET"])
@requires("partners.manage")
@blp.arguments(ReadQuerySchema, location="query")
@blp.response(200, PartnerReadSchema(many=True))
@blp.paginate(**page_args(100))
def partner_reads(args, pagination_parameters):
    """Every read a partner made (who, what, when), newest first."""
    return paginate(partners.reads_query(args.get("partner_id")), pagination_parameters)


# ---- the local credit platform (admin) ------------------------------------------------------------------

class BatchSchema(Schema):
    id = fields.Int()
    day = fields.Date()
    status = fields.Str(metadata={"description": "pending | sending | sent | dead | files_only"})
    counts = fields.Dict()
    folder = fields.Str()
    manifest_sha256 = fields.Str()
    attempts = fields.Int()
    last_error = fields.Str(allow_none=True)
    sent_at = UtcDateTime(allow_none=True)
    grades_run_id = fields.Int(allow_none=True)


class ReconciliationSchema(Schema):
    at = UtcDateTime()
    day = fields.Date()
    source = fields.Str(metadata={"description": "platform (its inventory) | local (acknowledgements)"})
    expected = fields.Int()
    matching = fields.Int()
    missing = fields.List(fields.Str())
    extra = fields.List(fields.Str())
    error = fields.Str(allow_none=True)


@blp.route("/exchange/batches", methods=["GET"])
@requires("exchange.read")
@blp.response(200, BatchSchema(many=True))
@blp.paginate(**page_args(50))
def exchange_batches(pagination_parameters):
    """The deliveries to the local credit platform, newest first."""
    from sqlalchemy import select

    return paginate(select(ExchangeBatch).order_by(ExchangeBatch.id.desc()), pagination_parameters)


@blp.route("/exchange/reconciliation", methods=["GET"])
@requires("exchange.read")
@blp.response(200, ReconciliationSchema)
@blp.alt_response(404, description="no reconciliation yet")
def exchange_reconciliation():
    """The latest reconciliation: what the platform holds against what it should hold."""
    from flask import abort

    rep = exchange.latest_reconciliation()
    if rep is None:
        abort(404)
    return rep


# ---- the list policy (admin) ----------------------------------------------------------------------------

class ListPolicySchema(Schema):
    version = fields.Str(required=True, validate=validate.Length(min=1, max=16, error=N_("Too long.")))
    effective_from = fields.Date(required=True)
    body = fields.Dict(required=True, metadata={"description": (
        "notice_days, objection_answer_working_days, red {grade, consecutive_quarters, valid_months}, "
        "black {veto, serious_min_points, refused_codes, valid_months}, measures {red: [{zh, en}], black: [...]}")})
    sha256 = fields.Str(dump_only=True)
    created_at = UtcDateTime(dump_only=True, allow_none=True)


@blp.route("/lists/policies", methods=["GET"])
@requires("lists.policy")
@blp.response(200, ListPolicySchema(many=True))
def list_policies():
    """Every stored version of the list policy, oldest first (none stored yet: the shipped default,
    unsaved, is in force)."""
    from app.lists import policy as list_policy

    return list_policy.versions()


@blp.route("/lists/policies", methods=["POST"])
@requires("lists.policy")
@blp.arguments(ListPolicySchema)
@blp.response(201, ListPolicySchema)
def add_list_policy(data):
    """Add a version of the list policy (never edited: a change is a new version). Audited."""
    from app.lists import policy as list_policy

    return list_policy.add(data["version"], data["effective_from"], data["body"], current_user), 201
