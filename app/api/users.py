"""Accounts (admin only): create, change role or unit, disable, reset password; partner tokens."""
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from app.api.common import page_args, paginate
from app.auth import policy, services
from app.auth.lookup import retailers_by_licence, unit_by_code
from app.auth.models import ApiToken, User
from app.auth.policy import requires
from app.auth.schemas import (PasswordResetSchema, TokenCreatedSchema, TokenCreateSchema, TokenSchema,
                              UserCreateSchema, UserQuerySchema, UserSchema, UserUpdateSchema)
from app.org.models import OrgUnit

blp = Blueprint("users", __name__, url_prefix="/api", description="Accounts and partner tokens (admin)")


@blp.route("/users", methods=["GET"])
@requires("users.manage")
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserSchema(many=True))
@blp.paginate(**page_args(50))
def list_users(args, pagination_parameters):
    """Accounts, filtered by role, unit, state or a name."""
    stmt = policy.scope(current_user, "users.manage", select(User), User)
    if args.get("q"):
        like = f"%{args['q']}%"
        stmt = stmt.where(or_(User.username.like(like), User.display_name.like(like)))
    if args.get("role"):
        stmt = stmt.where(User.role == args["role"])
    if args.get("unit"):
        stmt = stmt.join(OrgUnit, User.unit_id == OrgUnit.id).where(OrgUnit.code == args["unit"])
    if "enabled" in args:
        stmt = stmt.where(User.is_enabled == args["enabled"])
    return paginate(stmt.order_by(User.username), pagination_parameters)


@blp.route("/users", methods=["POST"])
@requires("users.manage")
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
def create_user(data):
    """Create an account; the user must change the password at first sign-in."""
    user = services.create_user(
        username=data["username"], display_name=data["display_name"], role=data["role"], password=data["password"],
        unit=unit_by_code(data.get("unit")), retailers=retailers_by_licence(data.get("retailers") or []),
        actor=current_user, enforcement_cert_no=data.get("enforcement_cert_no"))
    return user


@blp.route("/users/<int:user_id>", methods=["GET"])
@requires("users.manage")
@blp.response(200, UserSchema)
def get_user(user_id):
    return policy.get_or_404(current_user, "users.manage", User, user_id)


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@requires("users.manage")
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
def update_user(data, user_id):
    """Change name, role, unit or linked licences (a change of role or unit ends the user's sessions)."""
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    kwargs = {}
    if "unit" in data:
        kwargs["unit"] = unit_by_code(data["unit"])
    if "retailers" in data:
        kwargs["retailers"] = retailers_by_licence(data["retailers"])
    if "enforcement_cert_no" in data:
        kwargs["enforcement_cert_no"] = data["enforcement_cert_no"]
    services.update_user(user, role=data.get("role"), display_name=data.get("display_name"), actor=current_user,
                         **kwargs)
    return user


@blp.route("/users/<int:user_id>/disable", methods=["POST"])
@requires("users.manage")
@blp.response(200, UserSchema)
def disable_user(user_id):
    """Disable an account: every session of the user ends at once."""
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    services.set_enabled(user, False, actor=current_user)
    return user


@blp.route("/users/<int:user_id>/enable", methods=["POST"])
@requires("users.manage")
@blp.response(200, UserSchema)
def enable_user(user_id):
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    services.set_enabled(user, True, actor=current_user)
    return user


@blp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@requires("users.manage")
@blp.response(200, PasswordResetSchema)
def reset_password(user_id):
    """Set a temporary password (returned once); the user must change it at next sign-in."""
    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    temp = services.reset_password(user, actor=current_user)
    return {"temporary_password": temp}


@blp.route("/users/<int:user_id>/tokens", methods=["GET"])
@requires("tokens.manage")
@blp.response(200, TokenSchema(many=True))
@blp.paginate(page_size=50, max_page_size=200)
def list_tokens(user_id, pagination_parameters):
    """A partner account's API tokens (revoked ones too), oldest first, paginated."""
    user = policy.get_or_404(current_user, "tokens.manage", User, user_id)
    return paginate(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id), pagination_parameters)


@blp.route("/users/<int:user_id>/tokens", methods=["POST"])
@requires("tokens.manage")
@blp.arguments(TokenCreateSchema)
@blp.response(201, TokenCreatedSchema)
def create_token(data, user_id):
    """Issue an API token to a partner account. The token is shown only in this response."""
    user = policy.get_or_404(current_user, "tokens.manage", User, user_id)
    token, raw = services.create_token(user, data["name"], actor=current_user)
    token.token = raw  # shown once, never stored
    return token


@blp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@requires("tokens.manage")
@blp.response(200, TokenSchema)
def revoke_token(token_id):
    """Revoke a token: it stops working at once."""
    token = policy.get_or_404(current_user, "tokens.manage", ApiToken, token_id)
    services.revoke_token(token, actor=current_user)
    return token
