"""Page forms of the groups part: groups and members, rounds, ratings, objections, model awards,
self-checks. Parsed by app.common.forms.PageForm / load_form; the services check the content."""
from marshmallow import fields, validate

from app.common.fields import Id
from app.common.forms import Checkbox, FormSchema
from app.common.validation import N_

_CHOICE = N_("Must be one of the allowed values.")


class GroupForm(FormSchema):
    name = fields.Str(load_default="")
    area = fields.Str(load_default="")
    manager = fields.Str(load_default=None)
    unit = fields.Str(load_default=None)


class MemberForm(FormSchema):
    licence_no = fields.Str(load_default="")
    leader = Checkbox()


class LeaveForm(FormSchema):
    reason = fields.Str(load_default="")


class RoundForm(FormSchema):
    label = fields.Str(load_default="")
    kind = fields.Str(load_default="year", validate=validate.OneOf(("year", "half"), error=_CHOICE))
    period_start = fields.Date(load_default=None)
    period_end = fields.Date(load_default=None)
    notice_days = fields.Int(load_default=None, strict=False, validate=validate.Range(1, 60))
    violation_effect = fields.Str(load_default="next_round",
                                  validate=validate.OneOf(("next_round", "at_once"), error=_CHOICE))


class RatingForm(FormSchema):
    round_id = Id(required=True)
    evidence = fields.Str(load_default="")
    panel = fields.Str(load_default="")
    # one score_<criterion key> field per criterion: read by the view from the round's criteria


class ObjectionForm(FormSchema):
    raised_by = fields.Str(load_default="")
    reason = fields.Str(load_default="")


class AnswerForm(FormSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(("upheld", "rejected"), error=_CHOICE))
    answer = fields.Str(load_default="")


class ReasonForm(FormSchema):
    reason = fields.Str(load_default="")


class NominateForm(FormSchema):
    kind = fields.Str(required=True, validate=validate.OneOf(("group", "shop"), error=_CHOICE))
    group_id = Id(load_default=None)
    licence_no = fields.Str(load_default=None)
    by_group_id = Id(load_default=None)
    practice = fields.Str(load_default="")


class ReviewForm(FormSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(("approve", "reject"), error=_CHOICE))
    note = fields.Str(load_default="")


class SelfCheckForm(FormSchema):
    client_uuid = fields.Str(load_default="")
    licence_displayed = fields.Str(load_default=None, validate=validate.OneOf(("yes", "no"), error=_CHOICE))
    price_tags = fields.Str(load_default=None, validate=validate.OneOf(("yes", "no"), error=_CHOICE))
    no_out_of_area = fields.Str(load_default=None, validate=validate.OneOf(("yes", "no"), error=_CHOICE))
    lat = fields.Float(load_default=None, allow_nan=False)
    lng = fields.Float(load_default=None, allow_nan=False)
    accuracy = fields.Float(load_default=None, allow_nan=False)


class SelfCheckReviewForm(FormSchema):
    decision = fields.Str(required=True, validate=validate.OneOf(("accept", "fail"), error=_CHOICE))
    note = fields.Str(load_default="")
