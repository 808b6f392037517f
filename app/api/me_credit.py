"""The retailer side over JSON: a retailer's own credit and notices (identity from the session;
a licence id outside the user's own answers 404), and the supervisor's repair/objection inbox."""
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from app.auth import policy
from app.auth.policy import requires
from app.extensions import db
from app.notices import services as notices
from app.notices.models import Notice
from app.repair import services as repair
from app.repair.models import Objection, RepairRequest
from app.reports.overview import overview
from app.retailers.models import Retailer
from app.common.fields import UtcDateTime

blp = Blueprint("me_credit", __name__, url_prefix="/api", description="Retailer side: credit, repair, notices")


class RecordLineSchema(Schema):
    record_id = fields.Function(lambda line: line.record.id)
    indicator_code = fields.Function(lambda line: line.record.indicator_code)
    name = fields.Str()
    points = fields.Int()
    status = fields.Function(lambda line: line.record.status)
    disputed = fields.Function(lambda line: bool(line.record.disputed))
    decided_on = fields.Function(lambda line: line.record.decided_on.isoformat() if line.record.decided_on else None)
    counting = fields.Bool()
    counts_until = fields.Date(allow_none=True)


class CreditSchema(Schema):
    licence_no = fields.Function(lambda ov: ov["retailer"].licence_no)
    shop_name = fields.Function(lambda ov: ov["retailer"].shop_name)
    grade = fields.Function(lambda ov: ov["result"].grade)
    score = fields.Function(lambda ov: ov["result"].score)
    subtotals = fields.Function(lambda ov: ov["result"].subtotals)
    rule = fields.Function(lambda ov: ov["result"].to_dict()["rule"])
    official_grade = fields.Function(lambda ov: ov["official"][0].grade if ov["official"] else None)
    official_quarter = fields.Function(lambda ov: ov["official"][1].quarter if ov["official"] else None)
    records = fields.Function(lambda ov: RecordLineSchema(many=True).dump(ov["lines"]))
    history = fields.Function(lambda ov: [{**p, "as_of": p["as_of"].isoformat()} for p in ov["history"]])
    measures = fields.Function(lambda ov: {
        "inspection_interval_days": ov["measures"].inspection_interval_days,
        "random_draw_share": ov["measures"].random_draw_share,
        "supply_coefficient": ov["measures"].supply_coefficient,
        "regime_zh": ov["measures"].regime_zh, "regime_en": ov["measures"].regime_en})
    steps = fields.List(fields.Str())


class NoticeSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    title = fields.Str()
    body = fields.Str()
    link = fields.Str(allow_none=True)
    created_at = UtcDateTime()
    read = fields.Function(lambda n: n.read_at is not None)


class NoticesSchema(Schema):
    unread = fields.Int()
    notices = fields.List(fields.Nested(NoticeSchema))


def _deadline(dl):
    return None if dl is None else {"step": dl[0], "due": dl[1].isoformat(), "state": dl[2]}


class RepairInboxSchema(Schema):
    id = fields.Int()
    licence_no = fields.Function(lambda r: r.retailer.licence_no)
    shop_name = fields.Function(lambda r: r.retailer.shop_name)
    record_id = fields.Int()
    status = fields.Str()
    submitted_on = fields.Date()
    accept_due = fields.Date()
    decide_due = fields.Date()
    deadline = fields.Function(lambda r: _deadline(repair.repair_deadline(r)))
    calendar_note = fields.Function(lambda r: repair.repair_deadline_note(r), metadata={
        "description": "Non-empty while an open request's deadlines reach a year without an official holiday "
                       "schedule: they are then counted Monday to Friday and this sentence says so."})
    eligibility = fields.Dict()
    evidence_ids = fields.List(fields.Int())


class ObjectionInboxSchema(Schema):
    id = fields.Int()
    licence_no = fields.Function(lambda o: o.retailer.licence_no)
    shop_name = fields.Function(lambda o: o.retailer.shop_name)
    record_id = fields.Int(allow_none=True)
    grade = fields.Str(allow_none=True)
    status = fields.Str()
    submitted_on = fields.Date()
    answer_due = fields.Date()
    deadline = fields.Function(lambda o: _deadline(repair.objection_deadline(o)))
    calendar_note = fields.Function(lambda o: repair.objection_deadline_note(o), metadata={
        "description": "Non-empty while an open objection's answer deadline reaches a year without an official "
                       "holiday schedule (counted Monday to Friday until it is entered)."})


@blp.route("/me/retailers/<int:retailer_id>/credit", methods=["GET"])
@requires("me.credit")
@blp.response(200, CreditSchema)
def my_credit(retailer_id):
    """The retailer's own grade and why: score, subtotals, every record, history, measures, steps."""
    retailer = policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)
    return overview(retailer, current_user)


@blp.route("/me/notices", methods=["GET"])
@requires("notices.read")
@blp.response(200, NoticesSchema)
def my_notices():
    """The signed-in user's notices (newest first) and the unread count."""
    rows = list(db.session.scalars(policy.scope(current_user, "notices.read", select(Notice), Notice)
                                   .order_by(Notice.id.desc()).limit(200)))
    return {"unread": notices.unread_count(current_user), "notices": rows}


@blp.route("/repairs", methods=["GET"])
@requires("repairs.decide")
@blp.response(200, RepairInboxSchema(many=True))
def repair_inbox():
    """Open credit repair requests in the supervisor's county, by decision deadline."""
    stmt = policy.scope(current_user, "repairs.decide", select(RepairRequest), RepairRequest)
    return list(db.session.scalars(stmt.where(RepairRequest.status.in_(repair.OPEN_REPAIR))
                                   .order_by(RepairRequest.decide_due, RepairRequest.id).limit(500)))


@blp.route("/objections", methods=["GET"])
@requires("repairs.decide")
@blp.response(200, ObjectionInboxSchema(many=True))
def objection_inbox():
    """Open objections in the supervisor's county, by answer deadline."""
    stmt = policy.scope(current_user, "repairs.decide", select(Objection), Objection)
    return list(db.session.scalars(stmt.where(Objection.status == "open")
                                   .order_by(Objection.answer_due, Objection.id).limit(500)))
