"""The configured checklist and the indicators an inspector may record, in the user's language."""
from datetime import date

from flask import current_app
from flask_babel import get_locale, gettext as _

import scoring
from app.common import bilingual
from app.common.validation import N_

# The default checklist's labels (config.INSPECTION_CHECKLIST), listed for message extraction.
_LABELS = [
    N_("Licence displayed in the shop"),
    N_('"No sales to minors" sign visible'),
    N_("Prices clearly marked"),
    N_("Bought from the local wholesaler (purchase records, invoices)"),
    N_("No counterfeit, smuggled or illegal cigarettes on the shelves"),
    N_("Carton codes intact and issued to this shop"),
    N_("Licence details match the shop (name, operator, address)"),
]


def _zh() -> bool:
    return str(get_locale() or "zh").startswith("zh")


def items() -> list[dict]:
    """The checklist as configured: [{code, label, indicator}], labels translated."""
    out = []
    for item in current_app.config["INSPECTION_CHECKLIST"]:
        label = item.get("label_zh") if (_zh() and item.get("label_zh")) else _(item["label"])
        out.append({"code": item["code"], "label": label, "indicator": item.get("indicator")})
    return out


def codes() -> list[str]:
    return [item["code"] for item in current_app.config["INSPECTION_CHECKLIST"]]


def catalogue_on(day: date):
    """The indicator catalogue in force on ``day``: from app.credit.versions (the admin's versions
    in the database) when that module exists, else the shipped files (scoring)."""
    try:
        from app.credit import versions  # noqa: PLC0415 - optional, built by the credit part
    except ImportError:
        versions = None
    for name in ("catalogue_for", "catalogue_on"):
        fn = getattr(versions, name, None) if versions is not None else None
        if fn is not None:
            try:
                return fn(day)
            except TypeError:
                break
    return scoring.catalogue_for(day, scoring.available_catalogues())


def field_indicators(catalogue) -> list:
    """What an inspector may record on site: the 专卖 (monopoly) penalties, not bonuses."""
    return [i for i in catalogue.indicators if i.dimension == "monopoly" and not i.is_bonus]


def indicator_dict(indicator, version: str) -> dict:
    return {
        "code": indicator.code,
        "name": indicator.name_zh if _zh() else indicator.name_en,
        "severity": indicator.severity,
        "points": indicator.points,
        "banded": indicator.banded,
        "unit": bilingual.pick(indicator.quantity_unit),
        "bands": [[b.min_quantity, b.max_quantity, b.points] for b in indicator.bands],
        "version": version,
    }


def indicator_name(indicator) -> str:
    return indicator.name_zh if _zh() else indicator.name_en
