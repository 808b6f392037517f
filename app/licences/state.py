"""A licence's state, computed from its stored status and its expiry date: one rule for every page,
the API, the field app's data pack and the notices.

A licence is valid up to and including ``licence_expires_on``; from the next day it is expired,
whatever its stored status says until someone cancels it. Within ``EXPIRING_DAYS`` of the date it
is expiring. A cancelled or suspended licence keeps that state (cancelled wins over expired)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, or_

from app.common.time import local_today

EXPIRING_DAYS = 60
STATES = ("valid", "expiring", "expired", "suspended", "cancelled")


@dataclass(frozen=True)
class LicenceState:
    state: str  # one of STATES
    expires_on: date
    days_left: int  # negative once expired

    @property
    def label(self) -> str:
        if self.state == "cancelled":
            return _("Cancelled")
        if self.state == "suspended":
            return _("Suspended")
        if self.state == "expired":
            return _("Expired on %(d)s", d=self.expires_on.isoformat())
        if self.state == "expiring":
            if self.days_left == 0:
                return _("Expires today")
            return _("Expires on %(d)s (in %(n)d days)", d=self.expires_on.isoformat(), n=self.days_left)
        return _("Valid until %(d)s", d=self.expires_on.isoformat())

    @property
    def warn(self) -> bool:
        return self.state != "valid"


def licence_state(retailer, today: date | None = None) -> LicenceState:
    return state_for(retailer.status, retailer.licence_expires_on, today)


def state_for(status: str, expires: date, today: date | None = None) -> LicenceState:
    """The state of a licence with this stored status and expiry date, on ``today``."""
    today = today or local_today()
    days_left = (expires - today).days
    if status == "cancelled":
        state = "cancelled"
    elif days_left < 0:
        state = "expired"
    elif status == "suspended":
        state = "suspended"
    elif days_left <= EXPIRING_DAYS:
        state = "expiring"
    else:
        state = "valid"
    return LicenceState(state, expires, days_left)


def state_clause(state: str, today: date | None = None):
    """SQL for "licences in this state" (the same rule as licence_state), for list filters."""
    from app.retailers.models import Retailer

    today = today or local_today()
    soon = today + timedelta(days=EXPIRING_DAYS)
    not_cancelled = Retailer.status != "cancelled"
    if state == "cancelled":
        return Retailer.status == "cancelled"
    if state == "expired":
        return and_(not_cancelled, Retailer.licence_expires_on < today)
    if state == "suspended":
        return and_(Retailer.status == "suspended", Retailer.licence_expires_on >= today)
    if state == "expiring":
        return and_(Retailer.status == "active", Retailer.licence_expires_on >= today,
                    Retailer.licence_expires_on <= soon)
    if state == "valid":
        return and_(Retailer.status == "active", Retailer.licence_expires_on > soon)
    if state == "attention":  # anything but valid and not cancelled
        return and_(not_cancelled, or_(Retailer.status == "suspended", Retailer.licence_expires_on <= soon))
    raise ValueError(state)


def _extract():  # pragma: no cover - read by pybabel only
    _("Valid"), _("Expiring within 60 days"), _("Expired")
