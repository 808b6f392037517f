"""The confirmation queue filtered by county, indicator and age, on the page (kept in the URL,
paginated) and in the API."""
from datetime import timedelta

from app.common.time import local_today
from app.credit import recording
from app.credit.versions import sync_shipped
from app.extensions import db
from tests.conftest import COUNTY, OTHER_COUNTY


def _queue(make_retailer, make_user):
    sync_shipped()
    here = make_retailer(county=COUNTY, shop_name="华兴便利店")
    there = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    insp_here, insp_there = make_user("inspector", COUNTY), make_user("inspector", OTHER_COUNTY)
    today = local_today()
    for shop, who, code, days in ((here, insp_here, "ZM08", 2), (here, insp_here, "ZM09", 20),
                                  (there, insp_there, "ZM08", 40)):
        recording.create_record(shop, code, occurred_on=today - timedelta(days=days), source="inspection",
                                actor=who, description="现场发现")
    db.session.commit()


def test_city_supervisor_filters_the_queue(make_retailer, make_user, signed_in):
    _queue(make_retailer, make_user)
    city = signed_in(make_user("supervisor", city=True))

    def names(url):
        body = city.get(url).get_data(as_text=True)
        return body.count('data-testid="queue-item"'), body

    assert names("/credit/queue")[0] == 3
    n, body = names(f"/credit/queue?unit={OTHER_COUNTY}")
    assert n == 1 and "别家超市" in body and f'value="{OTHER_COUNTY}" selected' in body
    assert names("/credit/queue?indicator_code=zm09")[0] == 1
    assert names("/credit/queue?min_days=14")[0] == 2
    assert names(f"/credit/queue?unit={COUNTY}&min_days=14")[0] == 1
    n, body = names("/credit/queue?min_days=abc")
    assert n == 3 and 'data-testid="filter-error"' in body  # a bad value is named, the rest still applies
    api = city.get(f"/api/credit-records/queue?unit={COUNTY}&indicator_code=ZM08").get_json()
    assert [r["indicator_code"] for r in api] == ["ZM08"] and len(api) == 1
    assert city.get("/api/credit-records/queue?min_days=-1").status_code == 422
    # a county supervisor sees only the county's, whatever the filter says
    county = signed_in(make_user("supervisor", COUNTY))
    assert county.get(f"/api/credit-records/queue?unit={OTHER_COUNTY}").get_json() == []
