"""Account management pages for admins (the same services as the API and the CLI)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.auth import policy, services
from app.auth.lookup import retailers_by_licence, unit_by_code
from app.auth.models import ROLES, ApiToken, User
from app.auth.policy import requires
from app.common.errors import ServiceError
from app.extensions import db
from app.org.services import all_units
from app.pwa import bp

PER_PAGE = 25


@bp.route("/admin/users")
@requires("users.manage")
def admin_users():
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") or ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    stmt = policy.scope(current_user, "users.manage", select(User), User)
    if q:
        stmt = stmt.where(or_(User.username.like(f"%{q}%"), User.display_name.like(f"%{q}%")))
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    users = list(db.session.scalars(stmt.order_by(User.username).limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    pages = max(1, (total + PER_PAGE - 1) // PER_PAGE)
    return render_template("admin/users.html", users=users, q=q, role=role, roles=ROLES, page=page, pages=pages,
                           total=total)


def _form_values():
    return {k: (request.form.get(k) or "").strip() for k in ("username", "display_name", "role", "unit",
                                                               "retailers")}


@bp.route("/admin/users/new", methods=["GET", "POST"])
@requires("users.manage")
def admin_user_new():
    errors, values = {}, {"role": "inspector"}
    if request.method == "POST":
        values = _form_values()
        try:
            retailers = retailers_by_licence(values["retailers"].replace("，", ",").split(","))
            user = services.create_user(username=values["username"], display_name=values["display_name"],
                                        role=values["role"], password=request.form.get("password", ""),
                                        unit=unit_by_code(values["unit"]), retailers=retailers, actor=current_user)
            db.session.commit()
            flash(_("Account %(name)s created. The user must change the password at first sign-in.",
                    name=user.username), "ok")
            return redirect(url_for("pwa.admin_user", user_id=user.id))
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.errors
    return render_template("admin/user_form.html", errors=errors, values=values, roles=ROLES, units=all_units(),
                           user=None), (422 if errors else 200)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@requires("users.manage")
def admin_user(user_id):
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    errors = {}
    values = {"display_name": user.display_name, "role": user.role, "unit": user.unit.code if user.unit else "",
              "retailers": ", ".join(r.licence_no for r in user.retailers)}
    if request.method == "POST":
        values = _form_values()
        try:
            retailers = retailers_by_licence(values["retailers"].replace("，", ",").split(","))
            services.update_user(user, role=values["role"], unit=unit_by_code(values["unit"]),
                                 display_name=values["display_name"], retailers=retailers, actor=current_user)
            db.session.commit()
            flash(_("Saved."), "ok")
            return redirect(url_for("pwa.admin_user", user_id=user.id))
        except ServiceError as exc:
            db.session.rollback()
            errors = exc.errors
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))
    return render_template("admin/user_form.html", errors=errors, values=values, roles=ROLES, units=all_units(),
                           user=user, tokens=tokens), (422 if errors else 200)


@bp.route("/admin/users/<int:user_id>/state", methods=["POST"])
@requires("users.manage")
def admin_user_state(user_id):
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    action = request.form.get("action")
    try:
        if action == "disable":
            services.set_enabled(user, False, actor=current_user)
            message = _("Account disabled; its sessions have ended.")
        elif action == "enable":
            services.set_enabled(user, True, actor=current_user)
            message = _("Account enabled.")
        elif action == "reset":
            temp = services.reset_password(user, actor=current_user)
            message = _("Temporary password: %(p)s (shown once; the user must change it at next sign-in).", p=temp)
        else:
            abort(400)
        db.session.commit()
        flash(message, "ok")
    except ServiceError as exc:
        db.session.rollback()
        flash("; ".join(m for msgs in exc.errors.values() for m in msgs), "error")
    return redirect(url_for("pwa.admin_user", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/tokens", methods=["POST"])
@requires("tokens.manage")
def admin_token_new(user_id):
    user = policy.get_or_404(current_user, "tokens.manage", User, user_id)
    try:
        _token, raw = services.create_token(user, request.form.get("name", ""), actor=current_user)
        db.session.commit()
        flash(_("New token (copy it now, it is shown only once): %(t)s", t=raw), "ok")
    except ServiceError as exc:
        db.session.rollback()
        flash("; ".join(m for msgs in exc.errors.values() for m in msgs), "error")
    return redirect(url_for("pwa.admin_user", user_id=user.id))


@bp.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@requires("tokens.manage")
def admin_token_revoke(token_id):
    token = policy.get_or_404(current_user, "tokens.manage", ApiToken, token_id)
    try:
        services.revoke_token(token, actor=current_user)
        db.session.commit()
        flash(_("Token revoked."), "ok")
    except ServiceError as exc:
        db.session.rollback()
        flash("; ".join(m for msgs in exc.errors.values() for m in msgs), "error")
    return redirect(url_for("pwa.admin_user", user_id=token.user_id))
