"""Banks (信易贷) over JSON: the bank's queries (its partner API token), the retailer's consents and the
log of who queried its credit, and the admin's register of banks."""
from flask import make_response
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from app.api.common import page_args, paginate
from app.api.me_credit import CreditSchema
from app.auth import policy
from app.auth.models import User
from app.auth.policy import requires
from app.banks import services as banks
from app.banks.models import SCOPES, Bank, BankConsent
from app.common.fields import Id, UtcDateTime
from app.common.time import local_today
from app.common.validation import N_
from app.credit.grading import current_grade
from app.extensions import db
from app.reports.overview import official_grade, overview
from app.retailers.models import Retailer

blp = Blueprint("banks", __name__, url_prefix="/api",
                description="Banks (信易贷): a bank's API token reads the grade or the credit report of a retailer "
                            "that consented, only while the consent stands and within its scope; every query is "
                            "recorded and shown to the retailer. Retailers grant and revoke consent; admins "
                            "register banks.")

REFUSED = {"description": "No consent from this licence (404), or the consent was revoked, has expired or does not "
                          "cover this (403); `message` says which"}


# ---------------------------------------------------------------- schemas

class BankSchema(Schema):
    id = fields.Int()
    name = fields.Str()
    username = fields.Function(lambda b: b.user.username)
    is_enabled = fields.Bool()
    created_at = UtcDateTime()


class BankCreateSchema(Schema):
    username = fields.Str(required=True, metadata={"description": "The partner account that becomes the bank"})
    name = fields.Str(required=True, validate=validate.Length(min=1, max=64, error=N_("At most 64 characters.")))


class ConsentSchema(Schema):
    id = fields.Int()
    bank_id = fields.Int()
    bank_name = fields.Function(lambda c: c.bank.name)
    licence_no = fields.Function(lambda c: c.retailer.licence_no)
    scope = fields.Str(metadata={"description": "grade, or report (the credit report, which includes the grade)"})
    starts_on = fields.Date()
    expires_on = fields.Date(metadata={"description": "The last day the consent stands"})
    granted_at = UtcDateTime()
    revoked_at = UtcDateTime(allow_none=True)
    state = fields.Function(lambda c: c.state(local_today()),
                            metadata={"description": "active, expired or revoked"})


class ConsentCreateSchema(Schema):
    bank_id = Id(required=True)
    scope = fields.Str(required=True, validate=validate.OneOf(SCOPES, error=N_("Must be one of the allowed values.")))
    months = fields.Int(required=True, validate=validate.OneOf(banks.DURATIONS,
                                                                error=N_("Must be one of the allowed values.")))


class QueryLogSchema(Schema):
    id = fields.Int()
    bank_name = fields.Function(lambda q: q.bank.name)
    kind = fields.Str(metadata={"description": "grade, report or report_pdf"})
    at = UtcDateTime()
    grade = fields.Str(allow_none=True)
    report_serial = fields.Str(allow_none=True)


class BankGradeSchema(Schema):
    licence_no = fields.Str()
    shop_name = fields.Str()
    grade = fields.Str(metadata={"description": "The live grade today"})
    score = fields.Int()
    as_of = fields.Date()
    official_grade = fields.Str(allow_none=True, metadata={"description": "The last published quarterly grade"})
    official_quarter = fields.Str(allow_none=True)
    consent_expires_on = fields.Date()
    query_id = fields.Int(metadata={"description": "This query's number in the log the retailer sees"})


class BankReportSchema(CreditSchema):
    query_id = fields.Int()
    consent_expires_on = fields.Date()


class BankConsentHeldSchema(Schema):
    licence_no = fields.Str()
    shop_name = fields.Str()
    scope = fields.Str()
    starts_on = fields.Date()
    expires_on = fields.Date()
    state = fields.Str(metadata={"description": "active, expired or revoked"})


# ---------------------------------------------------------------- the bank

def _allowed(licence_no, kind):
    try:
        return banks.check(current_user, licence_no, kind)
    except banks.ConsentRefused as refused:
        error = Forbidden() if refused.status == 403 else NotFound()
        error.user_message = refused.message
        raise error from None


@blp.route("/bank/consents", methods=["GET"])
@requires("bank.api")
@blp.response(200, BankConsentHeldSchema(many=True))
@blp.paginate(**page_args(50))
@blp.doc(security=[{"partnerToken": []}])
def bank_consents(pagination_parameters):
    """The consents this bank holds (any state), newest first. Reading this list is not a query of
    anyone's credit."""
    bank = banks.bank_of(current_user)
    if bank is None:
        error = Forbidden()
        error.user_message = str(banks.NOT_A_BANK)
        raise error
    today = local_today()
    rows = paginate(banks.bank_consents_query(bank), pagination_parameters, rows=True)
    return [{"licence_no": r.licence_no, "shop_name": r.shop_name, "scope": c.scope, "starts_on": c.starts_on,
             "expires_on": c.expires_on, "state": c.state(today)} for c, r in rows]


@blp.route("/bank/retailers/<string:licence_no>/grade", methods=["POST"])
@requires("bank.api")
@blp.response(200, BankGradeSchema)
@blp.alt_response(403, description=REFUSED["description"])
@blp.doc(security=[{"partnerToken": []}])
def bank_grade(licence_no):
    """The retailer's grade today (and its last published quarterly grade), under its consent. A POST
    because each query is recorded: the retailer sees who looked and when."""
    bank, retailer, consent = _allowed(licence_no, "grade")
    live = current_grade(retailer)
    official = official_grade(retailer)
    q = banks.log_query(current_user, bank, retailer, consent, "grade", grade=live.grade)
    return {"licence_no": retailer.licence_no, "shop_name": retailer.shop_name, "grade": live.grade,
            "score": live.score, "as_of": local_today(), "official_grade": official[0].grade if official else None,
            "official_quarter": official[1].quarter if official else None,
            "consent_expires_on": consent.expires_on, "query_id": q.id}


@blp.route("/bank/retailers/<string:licence_no>/report", methods=["POST"])
@requires("bank.api")
@blp.response(200, BankReportSchema)
@blp.alt_response(403, description=REFUSED["description"])
@blp.doc(security=[{"partnerToken": []}])
def bank_report(licence_no):
    """The credit report as JSON (grade, score, subtotals, every record in force, history, measures), the
    same the retailer sees, under a consent of scope ``report``. Recorded like every query."""
    bank, retailer, consent = _allowed(licence_no, "report")
    ov = overview(retailer, None)
    q = banks.log_query(current_user, bank, retailer, consent, "report", grade=ov["result"].grade)
    ov["query_id"], ov["consent_expires_on"] = q.id, consent.expires_on
    return ov


@blp.route("/bank/retailers/<string:licence_no>/report.pdf", methods=["POST"])
@requires("bank.api")
@blp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
@blp.alt_response(403, description=REFUSED["description"])
@blp.doc(security=[{"partnerToken": []}])
def bank_report_pdf(licence_no):
    """The credit report as a PDF with its serial number and QR code (verifiable at /verify/<serial>),
    under a consent of scope ``report``. Recorded like every query."""
    from app.reports import services as reports

    bank, retailer, consent = _allowed(licence_no, "report_pdf")
    report, pdf = reports.issue(retailer, current_user)
    banks.log_query(current_user, bank, retailer, consent, "report_pdf", grade=report.grade,
                    report_serial=report.serial)
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="credit-report-{report.serial}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- the retailer

@blp.route("/me/retailers/<int:retailer_id>/bank-consents", methods=["GET"])
@requires("me.credit")
@blp.response(200, ConsentSchema(many=True))
@blp.paginate(**page_args(50))
def my_consents(retailer_id, pagination_parameters):
    """The licence's consents to banks, newest first (in force, expired, revoked)."""
    retailer = policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)
    return paginate(banks.consents_query(retailer.id), pagination_parameters)


@blp.route("/me/retailers/<int:retailer_id>/bank-consents", methods=["POST"])
@requires("me.credit")
@blp.arguments(ConsentCreateSchema)
@blp.response(201, ConsentSchema)
def grant_consent(data, retailer_id):
    """Consent to a bank seeing the grade (scope ``grade``) or the credit report (``report``) for 1, 3, 6 or
    12 months from today; replaces a consent in force to the same bank."""
    retailer = policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)
    return banks.grant(retailer, data["bank_id"], data["scope"], data["months"], current_user)


@blp.route("/me/bank-consents/<int:consent_id>/revoke", methods=["POST"])
@requires("me.credit")
@blp.response(200, ConsentSchema)
def revoke_consent(consent_id):
    """Revoke a consent at once: the bank's next query is refused."""
    consent = policy.get_or_404(current_user, "me.credit", BankConsent, consent_id)
    return banks.revoke(consent, current_user)


@blp.route("/me/retailers/<int:retailer_id>/credit-queries", methods=["GET"])
@requires("me.credit")
@blp.response(200, QueryLogSchema(many=True))
@blp.paginate(**page_args(50))
def my_credit_queries(retailer_id, pagination_parameters):
    """谁查询了我的信用: every query a bank made of this licence, newest first."""
    retailer = policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)
    return paginate(banks.queries_query(retailer.id), pagination_parameters)


@blp.route("/banks", methods=["GET"])
@requires("banks.list")
@blp.response(200, BankSchema(many=True))
@blp.paginate(**page_args(50))
def list_banks(pagination_parameters):
    """The banks a retailer may consent to (admins and retailers)."""
    return paginate(select(Bank).where(Bank.is_enabled.is_(True)).order_by(Bank.name), pagination_parameters)


@blp.route("/banks", methods=["POST"])
@requires("banks.manage")
@blp.arguments(BankCreateSchema)
@blp.response(201, BankSchema)
def register_bank(data):
    """Register a partner account as a bank (admin): its API tokens become the bank's."""
    user = db.session.scalars(select(User).where(User.username == data["username"])).first()
    return banks.register_bank(user, data["name"], current_user)
