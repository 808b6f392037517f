"""Banks (信易贷): consent given by a retailer, and the bank's queries under it.

- An admin registers a partner account as a bank (:func:`register_bank`); its API tokens are then the
  bank's.
- A retailer grants a named bank consent (:func:`grant`): scope ``grade`` (the grade) or ``report`` (the
  credit report, which includes the grade), for 1 to 12 months from today; a new grant to the same bank
  replaces the one in force. The retailer revokes it at any time (:func:`revoke`). Both audited.
- The bank queries a licence (:func:`query`) only while a consent stands and within its scope; every
  query is recorded (``bank_queries``) and the retailer is told by a notice ("谁查询了我的信用").
  No consent ever: 404; revoked, expired, or outside the scope: 403, each with its own message.
"""
from __future__ import annotations

import calendar
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record as audit
from app.auth.models import User
from app.banks.models import SCOPES, Bank, BankConsent, BankQuery
from app.common.errors import ServiceError
from app.common.time import local_today, utcnow
from app.common.validation import N_
from app.extensions import db
from app.retailers.models import Retailer

DURATIONS = (1, 3, 6, 12)  # months a consent may be granted for


class ConsentRefused(Exception):
    """The bank may not see this licence now: status (403/404) and the message to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# ---------------------------------------------------------------- banks

def register_bank(user: User, name: str, actor=None) -> Bank:
    name = (name or "").strip()
    errors = {}
    if user is None or user.role != "partner":
        errors["username"] = [_("Only a partner account can be registered as a bank.")]
    if not name or len(name) > 64:
        errors["name"] = [_("Please give the bank's name (at most 64 characters).")]
    if errors:
        raise ServiceError(errors)
    if db.session.scalars(select(Bank).where((Bank.user_id == user.id) | (Bank.name == name))).first() is not None:
        raise ServiceError({"name": [_("This account or this name is already registered as a bank.")]}, status=409)
    bank = Bank(user_id=user.id, name=name, is_enabled=True, created_by_id=getattr(actor, "id", None))
    db.session.add(bank)
    db.session.flush()
    audit("bank.register", "Bank", bank.id, after={"user": user.username, "name": name}, actor=actor)
    return bank


def bank_of(user) -> Bank | None:
    if user is None or getattr(user, "role", None) != "partner":
        return None
    return db.session.scalars(select(Bank).where(Bank.user_id == user.id, Bank.is_enabled.is_(True))).first()


def enabled_banks() -> list[Bank]:
    return list(db.session.scalars(select(Bank).where(Bank.is_enabled.is_(True)).order_by(Bank.name)))


# ---------------------------------------------------------------- consent

def _snapshot(c: BankConsent) -> dict:
    return {"bank": c.bank_id, "retailer": c.retailer_id, "scope": c.scope, "starts_on": c.starts_on,
            "expires_on": c.expires_on, "revoked_at": c.revoked_at}


def grant(retailer: Retailer, bank_id: int | None, scope: str | None, months: int | None, actor,
          today: date | None = None) -> BankConsent:
    today = today or local_today()
    errors = {}
    bank = db.session.get(Bank, bank_id) if bank_id else None
    if bank is None or not bank.is_enabled:
        errors["bank_id"] = [_("Choose a bank from the list.")]
    if scope not in SCOPES:
        errors["scope"] = [_("Choose what the bank may see.")]
    if months not in DURATIONS:
        errors["months"] = [_("Choose how long the consent lasts.")]
    if errors:
        raise ServiceError(errors)
    db.session.refresh(retailer, with_for_update=True)  # two grants at once: one after the other
    for old in db.session.scalars(select(BankConsent).where(
            BankConsent.retailer_id == retailer.id, BankConsent.bank_id == bank.id,
            BankConsent.revoked_at.is_(None), BankConsent.expires_on >= today)):
        before = _snapshot(old)
        old.revoked_at, old.revoked_by_id = utcnow(), getattr(actor, "id", None)
        audit("bank_consent.replace", "BankConsent", old.id, before=before, after=_snapshot(old), actor=actor)
    # the last day it stands: the day before the same date N months on
    expires = add_months(today, months)
    consent = BankConsent(retailer_id=retailer.id, bank_id=bank.id, scope=scope, starts_on=today,
                          expires_on=date.fromordinal(expires.toordinal() - 1), granted_at=utcnow(),
                          granted_by_id=getattr(actor, "id", None))
    db.session.add(consent)
    db.session.flush()
    audit("bank_consent.grant", "BankConsent", consent.id, after={**_snapshot(consent), "bank_name": bank.name},
          actor=actor)
    return consent


def revoke(consent: BankConsent, actor, today: date | None = None) -> BankConsent:
    today = today or local_today()
    db.session.refresh(consent, with_for_update=True)
    if consent.revoked_at is not None:
        raise ServiceError({"consent": [_("This consent was already revoked.")]}, status=409)
    if consent.expires_on < today:
        raise ServiceError({"consent": [_("This consent has already expired.")]}, status=409)
    before = _snapshot(consent)
    consent.revoked_at, consent.revoked_by_id = utcnow(), getattr(actor, "id", None)
    db.session.flush()
    audit("bank_consent.revoke", "BankConsent", consent.id, before=before, after=_snapshot(consent), actor=actor)
    return consent


def consents_query(retailer_id: int):
    return (select(BankConsent).where(BankConsent.retailer_id == retailer_id)
            .order_by(BankConsent.granted_at.desc(), BankConsent.id.desc()))


def queries_query(retailer_id: int):
    return (select(BankQuery).where(BankQuery.retailer_id == retailer_id)
            .order_by(BankQuery.at.desc(), BankQuery.id.desc()))


def bank_consents_query(bank: Bank):
    """The consents a bank holds (any state), newest first, with their licences."""
    return (select(BankConsent, Retailer).join(Retailer, Retailer.id == BankConsent.retailer_id)
            .where(BankConsent.bank_id == bank.id).order_by(BankConsent.granted_at.desc(), BankConsent.id.desc()))


# ---------------------------------------------------------------- the bank's queries

NOT_A_BANK = _l("This API token does not belong to a bank.")


def check(user, licence_no: str, kind: str, today: date | None = None) -> tuple[Bank, Retailer, BankConsent]:
    """Whether this bank may make this query now; raises ConsentRefused with the reason."""
    today = today or local_today()
    bank = bank_of(user)
    if bank is None:
        raise ConsentRefused(403, str(NOT_A_BANK))
    retailer = db.session.scalars(select(Retailer).where(Retailer.licence_no == (licence_no or "").strip())).first()
    consent = None
    if retailer is not None:
        consent = db.session.scalars(select(BankConsent).where(
            BankConsent.retailer_id == retailer.id, BankConsent.bank_id == bank.id)
            .order_by(BankConsent.granted_at.desc(), BankConsent.id.desc())).first()
    if consent is None:
        raise ConsentRefused(404, _("No consent from a retailer with this licence number."))
    state = consent.state(today)
    if state == "revoked":
        raise ConsentRefused(403, _("The retailer revoked its consent on %(d)s.",
                                    d=consent.revoked_at.date().isoformat()))
    if state == "expired":
        raise ConsentRefused(403, _("The retailer's consent expired on %(d)s.", d=consent.expires_on.isoformat()))
    if state != "active":
        raise ConsentRefused(403, _("The retailer's consent starts on %(d)s.", d=consent.starts_on.isoformat()))
    if kind in ("report", "report_pdf") and consent.scope != "report":
        raise ConsentRefused(403, _("The retailer's consent covers the grade only, not the credit report."))
    return bank, retailer, consent


def log_query(user, bank: Bank, retailer: Retailer, consent: BankConsent, kind: str, *, grade: str | None,
              report_serial: str | None = None) -> BankQuery:
    """Record the query and tell the retailer (a notice to each of the licence's accounts)."""
    from app.notices.services import notify_retailer

    token = getattr(user, "current_token", None)
    q = BankQuery(bank_id=bank.id, retailer_id=retailer.id, consent_id=consent.id, kind=kind, at=utcnow(),
                  token_id=getattr(token, "id", None), grade=grade, report_serial=report_serial)
    db.session.add(q)
    db.session.flush()
    what = {"grade": N_("Credit query: %(bank)s looked at your grade"),
            "report": N_("Credit query: %(bank)s looked at your credit report"),
            "report_pdf": N_("Credit query: %(bank)s looked at your credit report")}[kind]
    notify_retailer(retailer, "credit_query", what,
                    N_("Under the consent you gave until %(d)s. You may revoke it at any time on the page of your "
                       "consents."), link=f"/me/banks/{retailer.id}", dedupe_key=f"bankq:{q.id}", bank=bank.name,
                    d=consent.expires_on.isoformat())
    return q

