"""Resolving codes and licence numbers given by admins into objects, with field errors."""
from flask_babel import gettext as _
from sqlalchemy import select

from app.common.errors import ServiceError
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer


def unit_by_code(code, field="unit"):
    if code in (None, ""):
        return None
    unit = db.session.scalars(select(OrgUnit).where(OrgUnit.code == code)).first()
    if unit is None:
        raise ServiceError({field: [_("Unknown org unit.")]})
    return unit


def retailers_by_licence(numbers, field="retailers"):
    numbers = [n.strip() for n in numbers if n and n.strip()]
    if len(numbers) > 100:  # app.auth.services.MAX_LICENCES
        raise ServiceError({field: [_("At most 100 licences per account.")]})
    found = list(db.session.scalars(select(Retailer).where(Retailer.licence_no.in_(numbers)))) if numbers else []
    missing = sorted(set(numbers) - {r.licence_no for r in found})
    if missing:
        raise ServiceError({field: [_("Unknown licence number: %(n)s", n=", ".join(missing))]})
    return found
