"""Human labels of the inspection codes, in the user's language (pages and the PDF)."""
from app.common.validation import N_
from app.i18n import fast_gettext as _

OUTCOMES = {"inspected": N_("Inspected"), "closed": N_("Shop closed"), "not_found": N_("Not found at the address"),
            "moved": N_("Moved away"), "not_trading": N_("Not trading")}
GEOFENCE = {"inside": N_("Within the radius"), "outside": N_("Outside the radius"), "no_gps": N_("No GPS position"),
            "no_shop_location": N_("Shop has no registered position")}
RESULTS = {"pass": N_("Pass"), "fail": N_("Fail"), "na": N_("N/A")}
SIGNATURE = {"signed": N_("Signed by the retailer"), "refused": N_("Refused to sign"),
             "not_applicable": N_("No signature (no normal inspection)")}
INTERVIEW = {"warning": N_("Warning interview"), "repair": N_("Repair interview")}
RECTIFICATION = {"open": N_("Open"), "done": N_("Done"), "not_done": N_("Not done")}
RECORD = {"suspected": N_("suspected"), "confirmed": N_("confirmed"), "dismissed": N_("dismissed"),
          "repaired": N_("repaired"), "ended": N_("ended early")}

_TABLES = {"outcome": OUTCOMES, "geofence": GEOFENCE, "result": RESULTS, "signature": SIGNATURE,
           "interview": INTERVIEW, "rectification": RECTIFICATION, "record": RECORD}


def label(table: str, code) -> str:
    text = _TABLES[table].get(code)
    return _(text) if text else str(code)
