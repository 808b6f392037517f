"""Check-in: the server measures the distance to the registered shop (geopy) against the radius."""
import json

from sqlalchemy import func, select

from app.extensions import db
from app.inspections.models import Inspection
from tests.inspections.conftest import FAR, capture


def _post(f, body):
    return f.session.post("/api/inspections", json=body)


def test_inside_the_radius_is_not_flagged(app, field):
    out = _post(field, capture(field.shop, field.second)).get_json()
    assert out["geofence"] == "inside" and out["flagged"] is False and out["geofence_radius_m"] == 200
    assert out["accuracy_m"] == 12.5 and out["position_at"]


def test_outside_the_radius_needs_a_reason_and_is_flagged(app, field):
    body = capture(field.shop, field.second, position=FAR)
    response = _post(field, body)
    assert response.status_code == 422
    message = response.get_json()["errors"]["location_reason"][0]
    assert "1109" in message and "200" in message  # the distance (geodesic) and the radius, in the message
    body["location_reason"] = "店铺已临时搬到对面，现场核实"
    out = _post(field, body).get_json()
    assert out["geofence"] == "outside" and out["flagged"] is True and 1105 < out["distance_m"] < 1115
    assert out["location_reason"].startswith("店铺")
    flagged = field.session.get("/api/inspections?flagged=true").get_json()
    assert [i["id"] for i in flagged] == [out["id"]]


def test_the_radius_is_configurable(app, field):
    app.config["INSPECTION_GEOFENCE_METRES"] = 2000
    try:
        out = _post(field, capture(field.shop, field.second, position=FAR)).get_json()
        assert out["geofence"] == "inside" and out["geofence_radius_m"] == 2000
    finally:
        app.config["INSPECTION_GEOFENCE_METRES"] = 200


def test_no_gps_is_allowed_but_flagged(app, field):
    response = _post(field, capture(field.shop, field.second, position=None))
    assert response.status_code == 201, response.get_json()
    out = response.get_json()
    assert out["geofence"] == "no_gps" and out["flagged"] is True and out["distance_m"] is None


def test_a_shop_without_coordinates_gives_no_distance(app, field, make_retailer):
    shop = make_retailer(lat=None, lng=None, shop_name="无坐标小店")
    out = _post(field, capture(shop, field.second)).get_json()
    assert out["geofence"] == "no_shop_location" and out["distance_m"] is None


def test_bad_coordinates_are_refused(app, field):
    cases = [
        ({"lat": 95.0, "lng": 119.0}, "lat"),
        ({"lat": 33.5, "lng": 200.0}, "lng"),
        ({"lat": 0.0, "lng": 0.0}, None),  # "null island": outside China, a broken fix
        ({"lat": 51.5, "lng": -0.12}, None),
        ({"lat": "abc", "lng": 119.0}, "lat"),
        ({"lat": 33.5, "lng": 119.0, "accuracy": -3}, "accuracy"),
    ]
    for position, field_name in cases:
        body = capture(field.shop, field.second)
        body["position"].update(position)
        response = _post(field, body)
        assert response.status_code == 422, position
        errors = response.get_json()["errors"]
        if field_name:
            assert field_name in errors["position"], errors
        else:
            assert "中国" in errors["position"][0] or "China" in errors["position"][0]
    # NaN and Infinity are not numbers here
    body = capture(field.shop, field.second)
    raw = json.dumps(body).replace('"lat": 33.5905', '"lat": NaN')
    response = field.session.post("/api/inspections", data=raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
