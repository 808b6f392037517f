"""Accounts, server-side sessions, partner API tokens and the security log."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

# mkt_supervisor: a marketing supervisor (营销管理人员) of the tobacco company, county or city level;
# ordering: the ordering system (订货系统), reached with an API token like a partner.
ROLES = ("admin", "supervisor", "inspector", "marketer", "mkt_supervisor", "retailer", "partner", "ordering")
# Roles that belong to exactly one org unit (a supervisor at the city unit sees the whole city).
UNIT_ROLES = ("supervisor", "inspector", "marketer", "mkt_supervisor")

user_retailers = Table(
    "user_retailers",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("retailer_id", Integer, ForeignKey("retailers.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    password_hash: Mapped[str] = mapped_column(String(256))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(16))
    # 执法证号: an enforcement officer's certificate number, printed on the inspection record.
    enforcement_cert_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)

    unit = relationship("OrgUnit")
    retailers = relationship("Retailer", secondary=user_retailers, order_by="Retailer.licence_no")

    # Set by the session loader: the server-side session row behind this request.
    current_session = None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.is_enabled)

    def get_id(self):  # Flask-Login stores the session token, not the user id
        return self.current_session.token if self.current_session is not None else None

    @property
    def is_city_level(self) -> bool:
        return self.role == "admin" or (self.unit is not None and self.unit.is_city)

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


class UserSession(db.Model):
    """A signed-in session. The cookie holds a random token; only its SHA-256 is stored.

    Deleting the row ends the session at once (logout, account disabled, password reset)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))

    user = relationship("User")
    token = None  # the clear token, known only in the request that created or presented it


class ApiToken(db.Model):
    """A partner's API token (Authorization: Bearer). Only a SHA-256 of it is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The key partners sign pushed findings with (HMAC-SHA256) and callbacks are signed with. Unlike the
    # token it must be kept (a signature is checked with the key itself); it is shown once, at issue.
    signing_secret: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginAttempt(db.Model):
    """Every sign-in attempt, successful or not (ASVS V16.3), in UTC."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)
    # ok, bad_password, unknown_user, disabled, throttled, partner_token_only
    reason: Mapped[str] = mapped_column(String(32))


class SecurityEvent(db.Model):
    """Refused accesses and other security-relevant events (ASVS V16.3), in UTC."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(32))  # forbidden, not_found_scope, unauthenticated, csrf, bad_token
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ip: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str | None] = mapped_column(String(8))
    path: Mapped[str | None] = mapped_column(String(512))
    detail: Mapped[str | None] = mapped_column(Text)
