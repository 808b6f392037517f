"""The inspection list grows without end: its total is counted up to LIST_COUNT_CAP rows, then the
page says "more than N" and the pager still leads on to the next pages and the exact last one."""
import re

from tests.conftest import COUNTY
from tests.inspections.conftest import capture


def test_the_list_says_more_than_the_cap_and_pages_on(app, field, make_user, signed_in, monkeypatch):
    for _k in range(33):
        assert field.session.post("/api/inspections", json=capture(field.shop, field.second)).status_code == 201
    sup = signed_in(make_user("supervisor", COUNTY))
    monkeypatch.setitem(app.config, "LIST_COUNT_CAP", 10)  # below a page (30 rows): the count still covers the page asked for
    first = sup.get("/inspections").get_data(as_text=True)
    assert 'data-testid="inspection-total">超过 30 条' in first
    assert "1 / 1+" in first and 'href="/inspections?page=2" rel="next"' in first
    assert len(re.findall(r'href="/inspections/\d+"', first)) == 30
    second = sup.get("/inspections?page=2").get_data(as_text=True)
    assert 'data-testid="inspection-total">共 33 条' in second and "2 / 2" in second and 'rel="next"' not in second
    assert len(re.findall(r'href="/inspections/\d+"', second)) == 3
    monkeypatch.setitem(app.config, "LIST_COUNT_CAP", 10000)
    whole = sup.get("/inspections").get_data(as_text=True)
    assert 'data-testid="inspection-total">共 33 条' in whole and "1 / 2" in whole
