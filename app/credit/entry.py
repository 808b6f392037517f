"""Where a credit record comes from follows from the way it is entered and who enters it; nobody
chooses it. The source is part of the record's legal weight (DOMAIN: who recorded it, on what basis):
a supervisor's entry is the supervisor's, never "partner" or "inspection".

=================================  ==============================================
entry path                          source
=================================  ==============================================
form or API, account manager        marketer
form or API, supervisor or admin    supervisor
CSV import (API, page, CLI)         import
field inspection                    inspection
partner token                       partner
jobs (commitment kept a year)       system
=================================  ==============================================
"""
from flask_babel import gettext as _

from app.common.errors import ServiceError

PATHS = ("form", "api", "import", "inspection", "partner", "system")
_BY_PATH = {"import": "import", "inspection": "inspection", "partner": "partner", "system": "system"}
_BY_ROLE = {"marketer": "marketer", "supervisor": "supervisor", "admin": "supervisor", "partner": "partner",
            "inspector": "inspection"}


def source_for(actor, path: str) -> str:
    """The source of a record entered by ``actor`` through ``path`` (one of PATHS)."""
    if path not in PATHS:
        raise ValueError(path)
    if path in _BY_PATH:
        return _BY_PATH[path]
    role = getattr(actor, "role", None)
    if role not in _BY_ROLE:
        raise ServiceError({"source": [_("You may not enter credit records.")]}, status=403)
    return _BY_ROLE[role]


def source_name(source: str) -> str:
    """The source in the user's language (the labels of the record pages)."""
    return {"inspection": _("Inspection"), "marketer": _("Account manager"), "supervisor": _("Supervisor"),
            "partner": _("Partner authority"), "import": _("File import"), "system": _("System")}.get(source, source)


def check_requested(requested: str | None, derived: str) -> None:
    """A client may still send ``source``: it must be the one its entry path gives (422 otherwise)."""
    if requested is not None and requested != derived:
        raise ServiceError({"source": [_("The source of a record follows from who enters it and how; here it is "
                                         "%(source)s and cannot be chosen.", source=source_name(derived))]})
