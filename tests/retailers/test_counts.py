"""One count per county: the licences in the register (not cancelled: active and suspended), the
same on the home page, the coverage page and in the field app's data pack."""
from datetime import date

from app.retailers.counts import summary
from app.scheduling.queries import coverage
from tests.conftest import COUNTY


def test_the_county_count_is_the_same_everywhere(make_retailer, make_user, signed_in, units):
    make_retailer(status="active")
    make_retailer(status="active", licence_expires_on=date(2020, 6, 1), licence_issued_on=date(2015, 6, 1))
    make_retailer(status="suspended")
    make_retailer(status="cancelled")
    sup = make_user("supervisor", COUNTY)
    assert summary(sup) == {"registered": 3, "active": 2, "suspended": 1, "expired": 1}
    home = signed_in(sup).get("/").get_data(as_text=True)
    assert 'data-testid="retailer-count">3<' in home
    rows = coverage([units[COUNTY]])
    assert sum(r["shops"] for r in rows) == 3
    inspector = make_user("inspector", COUNTY)
    pack = signed_in(inspector).get("/api/inspections/pack").get_json()
    assert len(pack["shops"]) == 3
