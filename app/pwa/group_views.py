"""Pages of integrity mutual-aid groups (诚信互助小组), their ratings, model groups and retailers
(示范小组、示范户), the public lists and the 树标杆 page; the remote self-checks of trust supervision."""
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy import func, select

from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.errors import ServiceError
from app.common.forms import PageForm, load_form
from app.common.paging import paginate
from app.common.time import local_today
from app.credit import grading
from app.extensions import db
from app.groups import awards, services
from app.groups.forms import (
    AnswerForm,
    GroupForm,
    LeaveForm,
    MemberForm,
    NominateForm,
    ObjectionForm,
    RatingForm,
    ReasonForm,
    ReviewForm,
    RoundForm,
    SelfCheckForm,
    SelfCheckReviewForm,
)
from app.groups.models import (
    GroupMembership,
    GroupRating,
    IntegrityGroup,
    ModelAward,
    RatingObjection,
    RatingRound,
)
from app.org.models import OrgUnit
from app.pwa import bp
from app.retailers.models import Retailer
from app.retailers.schemas import mask_name
from app.storage import services as storage
from app.trust import services as trust
from app.trust.models import ITEMS, SelfCheck, SelfCheckPhoto

PER_PAGE = 30
RATING_STATUS = {"notice": _l("In its notice period"), "published": _l("Published"),
                 "superseded": _l("Replaced by a later rating"), "withdrawn": _l("Withdrawn")}
AWARD_STATUS = {"nominated": _l("Nominated"), "approved": _l("Approved, in its notice period"),
                "published": _l("Published"), "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn")}
AWARD_KIND = {"group": _l("Model group"), "shop": _l("Model retailer")}
OBJECTION_STATUS = {"open": _l("Open"), "upheld": _l("Upheld"), "rejected": _l("Rejected")}
ROUND_KIND = {"year": _l("Yearly"), "half": _l("Half-yearly")}
EFFECT = {"next_round": _l("A member's serious violation takes the stars at the next rating"),
          "at_once": _l("A member's serious violation takes the stars at once")}
ITEM_LABELS = {"licence_displayed": _l("The licence is displayed where customers see it"),
               "price_tags": _l("Every cigarette on sale has its price tag"),
               "no_out_of_area": _l("No cartons coded for another area are in the shop")}
CHECK_STATUS = {"submitted": _l("Waiting for review"), "accepted": _l("Passed: counts as the routine visit"),
                "failed": _l("Not passed: an on-site check follows")}
LABELS = {"rating_status": RATING_STATUS, "award_status": AWARD_STATUS, "award_kind": AWARD_KIND,
          "objection_status": OBJECTION_STATUS, "round_kind": ROUND_KIND, "effect": EFFECT,
          "item_labels": ITEM_LABELS, "check_status": CHECK_STATUS}


def _counties():
    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if not current_user.is_city_level:
        stmt = stmt.where(OrgUnit.id == current_user.unit_id)
    return list(db.session.scalars(stmt))


def _rounds():
    return list(db.session.scalars(select(RatingRound).order_by(RatingRound.period_end.desc(), RatingRound.id.desc())))


def _may(action) -> bool:
    return current_user.is_authenticated and policy.role_allows(current_user, action, via_token=False)


# ---- groups ---------------------------------------------------------------------------------------

@bp.route("/groups")
@requires("groups.read")
@form_page
def groups():
    q = (request.args.get("q") or "").strip()[:64]
    p = paginate(services.list_query(current_user, {"q": q}), per_page=PER_PAGE)
    counts = services.member_counts([g.id for g in p.items])
    stars = {g.id: services._last_published(g.id) for g in p.items}
    form = PageForm(GroupForm(), endpoint="pwa.group_new")
    return render_template("groups/list.html", rows=p.items, p=p, total=p.total, q=q, counts=counts, stars=stars,
                           counties=_counties(), values=form.values, errors=form.errors,
                           may_manage=_may("groups.manage"), may_decide=_may("groups.decide"), **LABELS), form.status


@bp.route("/groups/new", methods=["POST"])
@requires("groups.manage")
@form_page(on_refusal="pwa.groups")
def group_new():
    data = load_form(GroupForm())
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == (data["unit"] or ""))).first() \
        if data["unit"] else current_user.unit
    if unit is None or unit.level != "county":
        raise ServiceError({"unit": [_("Choose a county.")]})
    group = services.create_group(current_user, name=data["name"], unit_id=unit.id, area=data["area"],
                                  manager=data["manager"])
    flash(_("The group was created."), "ok")
    return redirect(url_for("pwa.group", group_id=group.id))


@bp.route("/groups/<int:group_id>")
@requires("groups.read")
@form_page
def group(group_id):
    g = policy.get_or_404(current_user, "groups.read", IntegrityGroup, group_id)
    history = list(db.session.scalars(select(GroupMembership).where(GroupMembership.group_id == g.id)
                                      .order_by(GroupMembership.left_on.is_not(None), GroupMembership.joined_on,
                                                GroupMembership.id)))
    ratings = list(db.session.scalars(select(GroupRating).where(GroupRating.group_id == g.id)
                                      .order_by(GroupRating.id.desc())))
    grades = {m.retailer_id: grading.current_grade(m.retailer).grade for m in history if m.left_on is None}
    return render_template("groups/detail.html", g=g, history=history, ratings=ratings, grades=grades,
                           rounds=_rounds(), may_manage=_may("groups.manage"), may_decide=_may("groups.decide"),
                           **LABELS)


@bp.route("/groups/<int:group_id>/members", methods=["POST"])
@requires("groups.manage")
@form_page(on_refusal="pwa.group")
def group_member_add(group_id):
    g = policy.get_or_404(current_user, "groups.manage", IntegrityGroup, group_id)
    data = load_form(MemberForm())
    m = services.add_member(g, data["licence_no"], current_user)
    if data["leader"]:
        services.set_leader(g, m.retailer_id, current_user)
    flash(_("The member joined the group."), "ok")
    return redirect(url_for("pwa.group", group_id=g.id))


@bp.route("/groups/<int:group_id>/members/<int:membership_id>/leave", methods=["POST"])
@requires("groups.manage")
@form_page(on_refusal="pwa.group")
def group_member_leave(group_id, membership_id):
    g = policy.get_or_404(current_user, "groups.manage", IntegrityGroup, group_id)
    m = db.session.get(GroupMembership, membership_id)
    if m is None or m.group_id != g.id:
        abort(404)
    data = load_form(LeaveForm())
    services.remove_member(m, current_user, reason=data["reason"])
    flash(_("The member left the group."), "ok")
    return redirect(url_for("pwa.group", group_id=g.id))


@bp.route("/groups/<int:group_id>/dissolve", methods=["POST"])
@requires("groups.manage")
@form_page(on_refusal="pwa.group")
def group_dissolve(group_id):
    g = policy.get_or_404(current_user, "groups.manage", IntegrityGroup, group_id)
    data = load_form(LeaveForm())
    services.dissolve(g, current_user, reason=data["reason"])
    flash(_("The group was dissolved; its members left it."), "ok")
    return redirect(url_for("pwa.group", group_id=g.id))


# ---- rounds and ratings ---------------------------------------------------------------------------

@bp.route("/group-rounds", methods=["GET", "POST"])
@requires("groups.decide")
@form_page
def group_rounds():
    form = PageForm(RoundForm(), initial={"kind": "year", "violation_effect": "next_round",
                                          "notice_days": services.DEFAULT_NOTICE_DAYS})
    if form.submitted:
        d = form.data
        services.open_round(current_user, label=d["label"], kind=d["kind"], period_start=d["period_start"],
                            period_end=d["period_end"], notice_days=d["notice_days"],
                            violation_effect=d["violation_effect"])
        flash(_("The rating round is open."), "ok")
        return redirect(url_for("pwa.group_rounds"))
    return render_template("groups/rounds.html", rounds=_rounds(), values=form.values, errors=form.errors,
                           criteria=services.DEFAULT_CRITERIA, thresholds=services.DEFAULT_THRESHOLDS,
                           **LABELS), form.status


def _rating_schema(rnd):
    extra = {f"score_{c['key']}": fields.Int(load_default=None, strict=False,
                                             validate=validate.Range(0, int(c["max"])))
             for c in (rnd.criteria if rnd else [])}
    return RatingForm.from_dict(extra, name="RatingScores")()


@bp.route("/groups/<int:group_id>/rate", methods=["GET", "POST"])
@requires("groups.decide")
@form_page
def group_rate(group_id):
    g = policy.get_or_404(current_user, "groups.decide", IntegrityGroup, group_id)
    rounds = _rounds()
    rnd = db.session.get(RatingRound, request.args.get("round", type=int) or 0) or (rounds[0] if rounds else None)
    form = PageForm(_rating_schema(rnd), initial={"round_id": rnd.id if rnd else None})
    if form.submitted:
        d = form.data
        rnd = db.session.get(RatingRound, d["round_id"])
        if rnd is None:
            raise ServiceError({"round_id": [_("Choose a rating round.")]})
        scores = {c["key"]: d.get(f"score_{c['key']}") for c in rnd.criteria}
        rating = services.rate(rnd, g, current_user, scores=scores, evidence=d["evidence"], panel=d["panel"])
        flash(_("The rating is decided and published for objections until %(day)s.",
                day=rating.notice_until.isoformat()), "ok")
        return redirect(url_for("pwa.group_rating", rating_id=rating.id))
    return render_template("groups/rate.html", g=g, rnd=rnd, rounds=rounds, values=form.values, errors=form.errors,
                           members=services.members(g), **LABELS), form.status


@bp.route("/group-ratings/<int:rating_id>")
@requires("groups.read")
def group_rating(rating_id):
    r = policy.get_or_404(current_user, "groups.read", GroupRating, rating_id)
    return render_template("groups/rating.html", r=r, today=local_today(), may_decide=_may("groups.decide"),
                           lost=services.serious_violations(r.group, r.round.period_start, r.decided_on),
                           **LABELS)


def _decided_rating(rating_id) -> GroupRating:
    return policy.get_or_404(current_user, "groups.decide", GroupRating, rating_id)


@bp.route("/group-ratings/<int:rating_id>/objections", methods=["POST"])
@requires("groups.decide")
@form_page(on_refusal="pwa.group_rating")
def group_rating_objection(rating_id):
    r = _decided_rating(rating_id)
    data = load_form(ObjectionForm())
    services.raise_objection(r, current_user, raised_by=data["raised_by"], reason=data["reason"])
    flash(_("The objection was recorded; publication waits for its answer."), "ok")
    return redirect(url_for("pwa.group_rating", rating_id=r.id))


@bp.route("/group-ratings/<int:rating_id>/objections/<int:objection_id>/answer", methods=["POST"])
@requires("groups.decide")
@form_page(on_refusal="pwa.group_rating")
def group_objection_answer(rating_id, objection_id):
    r = _decided_rating(rating_id)
    obj = db.session.get(RatingObjection, objection_id)
    if obj is None or obj.rating_id != r.id:
        abort(404)
    data = load_form(AnswerForm())
    services.answer_objection(obj, current_user, upheld=data["decision"] == "upheld", answer=data["answer"])
    flash(_("The objection was answered."), "ok")
    return redirect(url_for("pwa.group_rating", rating_id=r.id))


@bp.route("/group-ratings/<int:rating_id>/publish", methods=["POST"])
@requires("groups.decide")
@form_page(on_refusal="pwa.group_rating")
def group_rating_publish(rating_id):
    r = _decided_rating(rating_id)
    services.publish(r, current_user)
    flash(_("The rating is published; the members' bonus records were made."), "ok")
    return redirect(url_for("pwa.group_rating", rating_id=r.id))


@bp.route("/group-ratings/<int:rating_id>/withdraw", methods=["POST"])
@requires("groups.decide")
@form_page(on_refusal="pwa.group_rating")
def group_rating_withdraw(rating_id):
    r = _decided_rating(rating_id)
    data = load_form(ReasonForm())
    services.withdraw(r, current_user, reason=data["reason"])
    flash(_("The rating was withdrawn; its bonus records were dismissed."), "ok")
    return redirect(url_for("pwa.group_rating", rating_id=r.id))


# ---- model groups and retailers -------------------------------------------------------------------

@bp.route("/models")
@requires("groups.read")
@form_page
def models():
    status = request.args.get("status")
    p = paginate(services.awards_query(current_user, {"status": status if status in AWARD_STATUS else None}),
                 per_page=PER_PAGE)
    groups_in_scope = list(db.session.scalars(policy.scope(current_user, "groups.read", select(IntegrityGroup),
                                                           IntegrityGroup).where(IntegrityGroup.status == "active")
                                              .order_by(IntegrityGroup.name).limit(200)))
    form = PageForm(NominateForm(), endpoint="pwa.model_nominate", initial={"kind": "shop"})
    return render_template("groups/models.html", rows=p.items, p=p, total=p.total, status=status,
                           groups=groups_in_scope, values=form.values, errors=form.errors,
                           may_manage=_may("groups.manage"), **LABELS), form.status


@bp.route("/models/nominate", methods=["POST"])
@requires("groups.manage")
@form_page(on_refusal="pwa.models")
def model_nominate():
    d = load_form(NominateForm())
    for key in ("group_id", "by_group_id"):
        if d.get(key):
            policy.get_or_404(current_user, "groups.manage", IntegrityGroup, d[key])
    award = awards.nominate(current_user, kind=d["kind"], practice=d["practice"], group_id=d["group_id"],
                            licence_no=d["licence_no"], by_group_id=d["by_group_id"])
    flash(_("The nomination was recorded."), "ok")
    return redirect(url_for("pwa.model_award", award_id=award.id))


@bp.route("/models/<int:award_id>")
@requires("groups.read")
def model_award(award_id):
    a = policy.get_or_404(current_user, "groups.read", ModelAward, award_id)
    return render_template("groups/award.html", a=a, today=local_today(), may_decide=_may("groups.decide"),
                           **LABELS)


@bp.route("/models/<int:award_id>/review", methods=["POST"])
@requires("groups.decide")
@form_page(on_refusal="pwa.model_award")
def model_review(award_id):
    a = policy.get_or_404(current_user, "groups.decide", ModelAward, award_id)
    d = load_form(ReviewForm())
    awards.review(a, current_user, approve=d["decision"] == "approve", note=d["note"])
    flash(_("Saved."), "ok")
    return redirect(url_for("pwa.model_award", award_id=a.id))


@bp.route("/models/<int:award_id>/publish", methods=["POST"])
@requires("groups.decide")
@form_page(on_refusal="pwa.model_award")
def model_publish(award_id):
    a = policy.get_or_404(current_user, "groups.decide", ModelAward, award_id)
    awards.publish(a, current_user)
    flash(_("Published."), "ok")
    return redirect(url_for("pwa.model_award", award_id=a.id))


@bp.route("/models/<int:award_id>/withdraw", methods=["POST"])
@requires("groups.decide")
@form_page(on_refusal="pwa.model_award")
def model_withdraw(award_id):
    a = policy.get_or_404(current_user, "groups.decide", ModelAward, award_id)
    d = load_form(ReasonForm())
    awards.withdraw(a, current_user, reason=d["reason"])
    flash(_("Withdrawn."), "ok")
    return redirect(url_for("pwa.model_award", award_id=a.id))


# ---- public ---------------------------------------------------------------------------------------

def _leader_name(g):
    return mask_name(g.leader.operator_name) if g.leader is not None else ""


@bp.route("/public/groups")
@requires("public")
def public_groups():
    p = paginate(services.public_ratings(), per_page=50)
    counts = dict(db.session.execute(select(GroupMembership.group_id, func.count(GroupMembership.id)).where(
        GroupMembership.group_id.in_([r.group_id for r in p.items]), GroupMembership.left_on.is_(None))
        .group_by(GroupMembership.group_id)).all()) if p.items else {}
    return render_template("groups/public_groups.html", rows=p.items, p=p, total=p.total, counts=counts,
                           leader=_leader_name)


@bp.route("/public/models")
@requires("public")
def public_models():
    p = paginate(awards.public_awards(), per_page=30)
    return render_template("groups/public_models.html", rows=p.items, p=p, total=p.total, leader=_leader_name,
                           mask_name=mask_name, **LABELS)


# ---- trust supervision: remote self-checks --------------------------------------------------------

@bp.route("/me/self-check/<int:retailer_id>", methods=["GET", "POST"])
@requires("trust.self_check")
@form_page
def my_self_check(retailer_id):
    retailer = policy.get_or_404(current_user, "trust.self_check", Retailer, retailer_id)
    form = PageForm(SelfCheckForm())
    if form.submitted:
        d = form.data
        answers = {k: (None if d[k] is None else d[k] == "yes") for k in ITEMS}
        photos = {}
        for item in ITEMS:
            f = request.files.get(f"photo_{item}")
            photos[item] = f.read() if f else b""
        trust.submit(retailer, current_user, client_uuid=d["client_uuid"], answers=answers, photos=photos,
                     lat=d["lat"], lng=d["lng"], accuracy=d["accuracy"])
        flash(_("Your self-check was sent; an inspector will review it."), "ok")
        return redirect(url_for("pwa.my_self_check", retailer_id=retailer.id))
    checks = list(db.session.scalars(select(SelfCheck).where(SelfCheck.retailer_id == retailer.id)
                                     .order_by(SelfCheck.id.desc()).limit(10)))
    grade = grading.current_grade(retailer).grade
    return render_template("trust/me_self_check.html", retailer=retailer, checks=checks, grade=grade,
                           trusted=grade in ("AA", "AAA"), waiting=trust.open_check(retailer.id),
                           values=form.values, errors=form.errors, items=ITEMS, **LABELS), form.status


@bp.route("/self-checks")
@requires("trust.review")
def self_checks():
    from app.trust.services import review_query

    show = request.args.get("show", "open")
    p = paginate(review_query(current_user, {"show": show}), per_page=PER_PAGE)
    return render_template("trust/self_checks.html", rows=p.items, p=p, total=p.total, show=show, **LABELS)


@bp.route("/self-checks/<int:check_id>", methods=["GET", "POST"])
@requires("trust.review")
@form_page
def self_check(check_id):
    c = policy.get_or_404(current_user, "trust.review", SelfCheck, check_id)
    form = PageForm(SelfCheckReviewForm())
    if form.submitted:
        d = form.data
        trust.review(c, current_user, accept=d["decision"] == "accept", note=d["note"])
        flash(_("Saved."), "ok")
        return redirect(url_for("pwa.self_check", check_id=c.id))
    from app.scheduling.models import Visit

    visit = db.session.get(Visit, c.visit_id) if c.visit_id else None
    return render_template("trust/self_check.html", c=c, visit=visit, values=form.values, errors=form.errors,
                           **LABELS), form.status


@bp.route("/self-checks/<int:check_id>/photos/<int:photo_id>")
@requires("trust.review")
def self_check_photo(check_id, photo_id):
    c = policy.get_or_404(current_user, "trust.review", SelfCheck, check_id)
    photo = db.session.get(SelfCheckPhoto, photo_id)
    if photo is None or photo.self_check_id != c.id:
        abort(404)
    try:
        path = storage.absolute_path(photo.file)
    except FileNotFoundError:
        abort(404)
    response = send_file(path, mimetype=photo.file.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
