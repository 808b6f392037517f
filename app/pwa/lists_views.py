"""Pages of the red and black lists (the public list, the supervisors' queue and one entry with its
decisions, the retailer's entry with its objection), the admin's exchange page (deliveries to the local
credit platform and the reconciliation) and the partners page (agreements and the read log)."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.api.lists import EntryQuerySchema
from app.auth import policy
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.forms import PageForm, load_form
from app.common.paging import paginate
from app.common.time import local_today
from app.exchange import services as exchange
from app.exchange.models import ExchangeBatch
from app.extensions import db
from app.lists import policy as list_policy
from app.lists import services
from app.lists.forms import AnswerForm, ExitForm, ListObjectionForm, ListPolicyForm, ReviewForm, policy_form_values
from app.lists.models import STATUSES, ListEntry, ListObjection
from app.partners import services as partners
from app.pwa import bp
from app.pwa.filters import parse_filters
from app.retailers.schemas import mask_name

KIND_LABELS = {"red": _l("Red list"), "black": _l("Black list")}
STATUS_LABELS = {"proposed": _l("Proposed"), "notice": _l("In public notice"), "effective": _l("In effect"),
                 "rejected": _l("Rejected"), "cancelled": _l("Cancelled"), "exited": _l("Taken off the list")}
CRITERION_LABELS = {"red_grade": _l("Top grade in consecutive quarters, no deduction in force"),
                    "black_veto": _l("Veto: counterfeit, smuggled or illegal cigarettes"),
                    "black_serious": _l("Serious record in force"),
                    "black_refused": _l("Refused or obstructed enforcement")}
EXIT_LABELS = {"repair": _l("credit repaired"), "dismissed": _l("record dismissed"), "expiry": _l("expired"),
               "no_longer_meets": _l("no longer meets the criteria"), "decision": _l("supervisor's decision")}
OBJECTION_LABELS = {"open": _l("Open"), "upheld": _l("Upheld"), "rejected": _l("Rejected")}
EVENT_LABELS = {"propose": _l("Proposed"), "approve": _l("Approved: public notice"), "reject": _l("Rejected"),
                "objection": _l("Objection submitted"), "objection_rejected": _l("Objection rejected"),
                "cancel": _l("Cancelled"), "take_effect": _l("Took effect"), "propose_exit": _l("Exit proposed"),
                "exit": _l("Taken off the list")}
BATCH_LABELS = {"pending": _l("Waiting to be sent"), "sending": _l("Sending"), "sent": _l("Acknowledged"),
                "dead": _l("Failed"), "files_only": _l("Files written")}
LABELS = {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "criterion_labels": CRITERION_LABELS,
          "exit_labels": EXIT_LABELS, "objection_labels": OBJECTION_LABELS, "event_labels": EVENT_LABELS}
PER_PAGE = 20


# ---- the public list -------------------------------------------------------------------------------------

@bp.route("/public/lists")
@requires("public")
def public_lists():
    args, errors = parse_filters(EntryQuerySchema(), {"kind": "red"})
    kind = args.get("kind") or "red"
    p = paginate(services.public_query(kind, args.get("status")), per_page=PER_PAGE)
    from app.scheduling.queries import mask_name as mask_shop

    return render_template("lists/public.html", p=p, kind=kind, status=args.get("status"), mask=mask_name,
                           mask_shop=mask_shop,
                           measures=services.measures_for(kind), **LABELS)


# ---- supervisors ------------------------------------------------------------------------------------------

@bp.route("/lists")
@requires("lists.read")
def list_entries():
    args, errors = parse_filters(EntryQuerySchema())
    p = paginate(services.supervise_query(current_user, args), per_page=PER_PAGE)
    version, _body = list_policy.in_force(local_today())
    return render_template("lists/entries.html", p=p, args=args, statuses=STATUSES, filter_errors=errors,
                           counts=services.counts_by_status(current_user), policy_version=version, **LABELS)


@bp.route("/lists/policy")
@requires("lists.read")
def list_policy_page():
    """The list policy in force (entry criteria, notice, validity, the bureau's joint measures) and its
    versions; an admin adds a new version from here (a refused one is shown again with its input)."""
    today = local_today()
    version, body = list_policy.in_force(today)
    stored = list(reversed(list_policy.versions()))
    row = next((v for v in stored if v.version == version), None)
    can_edit = policy.role_allows(current_user, "lists.policy", via_token=False)
    form = PageForm(ListPolicyForm(today), endpoint="pwa.list_policy_save",
                    initial=policy_form_values(_next_version(today, stored), today, body))
    return render_template("lists/policy.html", version=version, body=body, row=row, versions=stored, today=today,
                           default_version=list_policy.DEFAULT_VERSION, can_edit=can_edit, values=form.values,
                           errors=form.errors, **LABELS)


def _next_version(today, stored) -> str:
    names = {v.version for v in stored} | {list_policy.DEFAULT_VERSION}
    n = 1
    while f"{today.year}.{n}" in names:
        n += 1
    return f"{today.year}.{n}"


@bp.route("/lists/policy", methods=["POST"])
@requires("lists.policy")
@form_page(on_refusal="pwa.list_policy_page")
def list_policy_save():
    """A new version of the list policy from a date (a version is never edited). Audited."""
    data = load_form(ListPolicyForm(local_today()))
    row = list_policy.add(data["version"], data["effective_from"], data["body"], current_user)
    flash(_("List policy version %(v)s saved; it applies from %(d)s.", v=row.version,
            d=row.effective_from.isoformat()), "ok")
    return redirect(url_for("pwa.list_policy_page"))


@bp.route("/lists/entries/<int:entry_id>")
@requires("lists.read")
def list_entry(entry_id):
    e = policy.get_or_404(current_user, "lists.read", ListEntry, entry_id)
    may_decide = policy.role_allows(current_user, "lists.decide", via_token=False) and policy.can(
        current_user, "lists.decide", e)
    return render_template("lists/entry.html", e=e, may_decide=may_decide, open_objection=services.open_objection(e),
                           measures=services.measures_for(e.kind), mask=mask_name, **LABELS)


@bp.route("/lists/entries/<int:entry_id>/review", methods=["POST"])
@requires("lists.decide")
@form_page(on_refusal="pwa.list_entry")
def list_entry_review(entry_id):
    e = policy.get_or_404(current_user, "lists.decide", ListEntry, entry_id)
    data = load_form(ReviewForm())
    services.review(e, data["decision"] == "approve", data["note"], current_user)
    flash(_("Entry approved: the public notice period has started.") if e.status == "notice"
          else _("Proposal rejected."), "ok")
    return redirect(url_for("pwa.list_entry", entry_id=e.id))


@bp.route("/lists/entries/<int:entry_id>/exit", methods=["POST"])
@requires("lists.decide")
@form_page(on_refusal="pwa.list_entry")
def list_entry_exit(entry_id):
    e = policy.get_or_404(current_user, "lists.decide", ListEntry, entry_id)
    services.confirm_exit(e, load_form(ExitForm())["note"], current_user)
    flash(_("Taken off the list; the listing is withdrawn everywhere it was published."), "ok")
    return redirect(url_for("pwa.list_entry", entry_id=e.id))


def _objection_entry(objection_id):
    o = db.session.get(ListObjection, objection_id)
    if o is None:
        abort(404)
    return {"entry_id": o.entry_id}


@bp.route("/lists/objections/<int:objection_id>/answer", methods=["POST"])
@requires("lists.decide")
@form_page(on_refusal="pwa.list_entry", args=_objection_entry)
def list_objection_answer(objection_id):
    o = policy.get_or_404(current_user, "lists.decide", ListObjection, objection_id)
    data = load_form(AnswerForm())
    services.answer(o, data["decision"] == "uphold", data["answer"], current_user)
    flash(_("Objection answered; the retailer is told."), "ok")
    return redirect(url_for("pwa.list_entry", entry_id=o.entry_id))


# ---- the retailer ---------------------------------------------------------------------------------------

def _my_entries_stmt():
    return policy.scope(current_user, "me.credit", select(ListEntry), ListEntry).where(
        ListEntry.status.notin_(("proposed", "rejected"))).order_by(ListEntry.id.desc())


@bp.route("/me/lists")
@requires("me.credit")
def my_lists():
    p = paginate(_my_entries_stmt(), per_page=PER_PAGE)
    return render_template("lists/mine.html", p=p, **LABELS)


@bp.route("/me/lists/<int:entry_id>", methods=["GET", "POST"])
@requires("me.credit")
@form_page
def my_list_entry(entry_id):
    e = policy.get_or_404(current_user, "me.credit", ListEntry, entry_id)
    if e.status in ("proposed", "rejected"):
        abort(404)
    form = PageForm(ListObjectionForm())
    if form.submitted:
        services.object_to(e, form.data["reasons"], current_user)
        flash(_("Your objection was submitted; a supervisor answers it."), "ok")
        return redirect(url_for("pwa.my_list_entry", entry_id=e.id))
    today = local_today()
    may_object = e.status == "notice" and e.notice_until and today <= e.notice_until and \
        services.open_objection(e) is None
    return render_template("lists/my_entry.html", e=e, measures=services.measures_for(e.kind), errors=form.errors,
                           values=form.values, may_object=may_object, **LABELS), form.status


# ---- admin: the local credit platform, partners ---------------------------------------------------------

@bp.route("/admin/exchange")
@requires("exchange.read")
def admin_exchange():
    p = paginate(select(ExchangeBatch).order_by(ExchangeBatch.id.desc()), per_page=PER_PAGE)
    return render_template("lists/exchange.html", p=p, rep=exchange.latest_reconciliation(),
                           unsent=exchange.unsent_counts(), batch_labels=BATCH_LABELS)


@bp.route("/admin/exchange/<int:batch_id>/retry", methods=["POST"])
@requires("exchange.read")
@form_page(on_refusal="pwa.admin_exchange", args=lambda batch_id: {})
def admin_exchange_retry(batch_id):
    batch = policy.get_or_404(current_user, "exchange.read", ExchangeBatch, batch_id)
    exchange.retry(batch, current_user)
    flash(_("The delivery is queued again."), "ok")
    return redirect(url_for("pwa.admin_exchange"))


WHAT_LABELS = {"retailer": _l("read a retailer"), "lists": _l("read the lists"), "findings": _l("read its findings"),
               "finding": _l("read one of its findings")}
FIELD_LABELS = {"licence_no": _l("Licence number"), "shop_name": _l("Shop name"), "unit_name": _l("County"),
                "status": _l("Licence state"), "operator_name": _l("Operator (name masked)"),
                "address": _l("Address"), "grade": _l("Published grade"), "score": _l("Score"),
                "lists": _l("Red and black lists")}
FINDING_LABELS = {"admin_penalty": _l("Administrative penalty"), "consumer_complaint": _l("Consumer complaint upheld"),
                  "serious_dishonesty": _l("Listed as seriously dishonest"),
                  "abnormal_operation": _l("Listed as operating abnormally"), "honour": _l("Integrity honour")}


def _partner_accounts():
    from app.auth.models import User

    return list(db.session.scalars(select(User).where(User.role == "partner").order_by(User.username)))


@bp.route("/admin/partners")
@requires("partners.manage")
def admin_partners():
    from app.partners import findings
    from app.partners.models import PartnerNotification

    p = paginate(partners.reads_query(), per_page=50)
    by_user = {a.user_id: a for a in partners.agreements()}
    dead = list(db.session.scalars(select(PartnerNotification).where(PartnerNotification.status == "dead")
                                   .order_by(PartnerNotification.id.desc()).limit(20)))
    return render_template("lists/partners.html", accounts=_partner_accounts(), by_user=by_user, p=p,
                           what_labels=WHAT_LABELS, notify_counts=findings.notification_counts(), dead=dead,
                           notify_labels=NOTIFY_LABELS, **LABELS)


NOTIFY_LABELS = {"pending": _l("Waiting to be sent"), "sending": _l("Sending"), "sent": _l("Delivered"),
                 "dead": _l("Failed"), "no_callback": _l("No callback address: in the status API only")}


@bp.route("/admin/partners/notifications/<int:notification_id>/retry", methods=["POST"])
@requires("partners.manage")
@form_page(on_refusal="pwa.admin_partners", args=lambda notification_id: {})
def admin_partner_notification_retry(notification_id):
    from app.partners import findings
    from app.partners.models import PartnerNotification

    n = policy.get_or_404(current_user, "partners.manage", PartnerNotification, notification_id)
    findings.retry(n, current_user)
    flash(_("The notification is queued again."), "ok")
    return redirect(url_for("pwa.admin_partners"))


def _agreement_values(a) -> dict:
    if a is None:
        return {"active": "y"}
    return {"organisation": a.organisation, "field": list(a.fields or []), "grade": list(a.grades or []),
            "list_kind": list(a.lists or []), "finding_type": list(a.finding_types or []),
            "callback_url": a.callback_url or "", "measures_red": "\n".join((a.measures or {}).get("red", [])),
            "measures_black": "\n".join((a.measures or {}).get("black", [])), "active": "y" if a.active else ""}


@bp.route("/admin/partners/<int:user_id>", methods=["GET", "POST"])
@requires("partners.manage")
@form_page
def admin_partner(user_id):
    from app.auth.models import User
    from app.partners.findings import FINDING_TYPES, agreement_of
    from app.partners.forms import AgreementForm
    from app.partners.models import GRADES, READABLE_FIELDS

    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    if user.role != "partner":
        abort(404)
    a = agreement_of(user)
    form = PageForm(AgreementForm(), initial=_agreement_values(a))
    if form.submitted:
        d = form.data
        measures = {k: [line.strip() for line in d[f"measures_{k}"].splitlines() if line.strip()]
                    for k in ("red", "black")}
        partners.set_agreement(user, {"organisation": d["organisation"], "fields": d["field"], "grades": d["grade"],
                                      "lists": d["list_kind"], "finding_types": d["finding_type"],
                                      "callback_url": d["callback_url"], "measures": measures,
                                      "active": d["active"]}, current_user)
        flash(_("Agreement saved."), "ok")
        return redirect(url_for("pwa.admin_partner", user_id=user.id))
    values = form.values
    for name in ("field", "grade", "list_kind", "finding_type"):
        v = values.get(name)
        values[name] = v if isinstance(v, list) else ([v] if v else [])
    p = paginate(partners.reads_query(user.id), per_page=20)
    return render_template("lists/partner.html", partner=user, agreement=a, values=values, errors=form.errors, p=p,
                           readable=READABLE_FIELDS, grades=GRADES, finding_types=list(FINDING_TYPES),
                           field_labels=FIELD_LABELS, finding_labels=FINDING_LABELS, what_labels=WHAT_LABELS,
                           **LABELS), form.status
