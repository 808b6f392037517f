"""The phone's data pack: the county's shops with what the card shows, officers, checklist, indicators."""
import gzip
import json

from tests.conftest import OTHER_COUNTY


def test_pack_holds_the_county_only_and_what_the_card_needs(app, field, make_retailer, make_user):
    make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    make_retailer(shop_name="注销小店", status="cancelled")
    make_user("inspector", OTHER_COUNTY)
    response = field.session.get("/api/inspections/pack", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "no-store"
    pack = json.loads(gzip.decompress(response.data))
    names = [s["name"] for s in pack["shops"]]
    assert names == ["华兴便利店"]
    shop = pack["shops"][0]
    assert shop["py"] == "hxbld" and shop["lat"] == 33.59 and shop["no"] == field.shop.licence_no
    assert [o["id"] for o in pack["officers"]] == [field.second.id]  # the county's other inspectors only
    assert [c["code"] for c in pack["checklist"]][0] == "licence_displayed"
    assert pack["checklist"][0]["label"] == "在经营场所明显位置悬挂许可证"
    codes = {i["code"] for i in pack["indicators"]}
    assert "ZM01" in codes and "ZM11" in codes and "ZM51" not in codes and not any(c.startswith("YX") for c in codes)
    zm11 = next(i for i in pack["indicators"] if i["code"] == "ZM11")
    assert zm11["banded"] and zm11["bands"][0] == [1, 9, -6]
    assert pack["radius_m"] == 200 and pack["user_id"] == field.inspector.id


def test_pack_is_for_inspectors(app, field, make_user, signed_in):
    assert signed_in(make_user("supervisor")).get("/api/inspections/pack").status_code == 403
    plain = field.session.get("/api/inspections/pack")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
