"""Account management pages for admins (the same services as the API and the CLI)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from app.auth import policy, services
from app.auth.forms import TokenForm, UserCreateForm, UserEditForm, UserStateForm
from app.auth.lookup import retailers_by_licence, unit_by_code
from app.auth.models import ROLES, ApiToken, User
from app.auth.policy import requires
from app.common.boundary import form_page
from app.common.forms import PageForm, load_form
from app.common.paging import paginate
from app.extensions import db
from app.org.services import all_units
from app.pwa import bp

PER_PAGE = 25


@bp.route("/admin/users")
@requires("users.manage")
def admin_users():
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") or ""
    stmt = policy.scope(current_user, "users.manage", select(User), User)
    if q:
        stmt = stmt.where(or_(User.username.like(f"%{q}%"), User.display_name.like(f"%{q}%")))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    p = paginate(stmt.order_by(User.username), per_page=PER_PAGE)
    return render_template("admin/users.html", users=p.items, p=p, q=q, role=role, roles=ROLES, total=p.total)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires("users.manage")
@form_page
def admin_user_new():
    form = PageForm(UserCreateForm(), initial={"role": "inspector"})
    if form.submitted:
        data = form.data
        user = services.create_user(username=data["username"], display_name=data["display_name"],
                                    role=data["role"], password=data["password"], unit=unit_by_code(data["unit"]),
                                    retailers=retailers_by_licence(data["retailers"]), actor=current_user,
                                    enforcement_cert_no=data.get("enforcement_cert_no"))
        flash(_("Account %(name)s created. The user must change the password at first sign-in.",
                name=user.username), "ok")
        return redirect(url_for("pwa.admin_user", user_id=user.id))
    return render_template("admin/user_form.html", errors=form.errors, values=form.values, roles=ROLES,
                           units=all_units(), user=None), form.status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@requires("users.manage")
@form_page
def admin_user(user_id):
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    form = PageForm(UserEditForm(), initial={
        "display_name": user.display_name, "role": user.role, "unit": user.unit.code if user.unit else "",
        "retailers": ", ".join(r.licence_no for r in user.retailers),
        "enforcement_cert_no": user.enforcement_cert_no or ""})
    if form.submitted:
        data = form.data
        services.update_user(user, role=data["role"], unit=unit_by_code(data["unit"]),
                             display_name=data["display_name"], retailers=retailers_by_licence(data["retailers"]),
                             actor=current_user, enforcement_cert_no=data.get("enforcement_cert_no"))
        flash(_("Saved."), "ok")
        return redirect(url_for("pwa.admin_user", user_id=user.id))
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))
    from app.banks.models import Bank

    bank = db.session.scalars(select(Bank).where(Bank.user_id == user.id)).first()
    return render_template("admin/user_form.html", errors=form.errors, values=form.values, roles=ROLES,
                           units=all_units(), user=user, tokens=tokens, bank=bank), form.status


@bp.route("/admin/users/<int:user_id>/state", methods=["POST"])
@requires("users.manage")
@form_page(on_refusal="pwa.admin_user")
def admin_user_state(user_id):
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    action = load_form(UserStateForm())["action"]
    if action == "disable":
        services.set_enabled(user, False, actor=current_user)
        message = _("Account disabled; its sessions have ended.")
    elif action == "enable":
        services.set_enabled(user, True, actor=current_user)
        message = _("Account enabled.")
    else:
        temp = services.reset_password(user, actor=current_user)
        message = _("Temporary password: %(p)s (shown once; the user must change it at next sign-in).", p=temp)
    flash(message, "ok")
    return redirect(url_for("pwa.admin_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/tokens", methods=["POST"])
@requires("tokens.manage")
@form_page(on_refusal="pwa.admin_user")
def admin_token_new(user_id):
    user = policy.get_or_404(current_user, "tokens.manage", User, user_id)
    token, raw = services.create_token(user, load_form(TokenForm())["name"], actor=current_user)
    flash(_("New token (copy it now, it is shown only once): %(t)s", t=raw), "ok")
    flash(_("Its signing secret for pushed findings (copy it now, it is shown only once): %(s)s",
            s=token.signing_secret), "ok")
    return redirect(url_for("pwa.admin_user", user_id=user.id))


def _token_owner(token_id):
    token = policy.get_or_404(current_user, "tokens.manage", ApiToken, token_id)
    return {"user_id": token.user_id}


@bp.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@requires("tokens.manage")
@form_page(on_refusal="pwa.admin_user", args=_token_owner)
def admin_token_revoke(token_id):
    token = policy.get_or_404(current_user, "tokens.manage", ApiToken, token_id)
    services.revoke_token(token, actor=current_user)
    flash(_("Token revoked."), "ok")
    return redirect(url_for("pwa.admin_user", user_id=token.user_id))
