"""Helpers for inspection tests: small generated images, uploads, a valid capture."""
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from tests.conftest import COUNTY

# The shop registered at (33.59, 119.02); about 55 m north, and about 1.1 km north.
SHOP = (33.59, 119.02)
NEAR = (33.5905, 119.02)
FAR = (33.60, 119.02)
CHECKLIST = ("licence_displayed", "minors_sign", "price_marks", "purchase_channel", "shelves_genuine",
             "carton_codes", "licence_details")


def jpeg(width=64, height=48, color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def png(width=300, height=100) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    for x in range(20, 280):
        image.putpixel((x, 50 + (x % 20) - 10), (0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def new_id() -> str:
    return str(uuid.uuid4())


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def upload(session, capture, *, kind="photo", data=None, file_id=None, filename="p.jpg", content_type="image/jpeg"):
    file_id = file_id or new_id()
    data = jpeg() if data is None else data
    response = session.post("/api/inspections/uploads", data={
        "uuid": file_id, "inspection_uuid": capture, "kind": kind,
        "file": (io.BytesIO(data), filename, content_type)}, content_type="multipart/form-data")
    return file_id, response


def capture(retailer, second, *, photos=(), check_photos=(), violation_photos=(), signature=None, position=NEAR,
            outcome="inspected", violations=None, **overrides):
    """A complete, valid capture (all checks pass unless overridden)."""
    now = datetime.now(UTC)
    body = {
        "uuid": overrides.pop("uuid", None) or new_id(),
        "retailer_id": retailer.id,
        "second_officer_id": second.id,
        "started_at": iso(now - timedelta(minutes=20)),
        "finished_at": iso(now - timedelta(minutes=1)),
        "position": None if position is None else {"lat": position[0], "lng": position[1], "accuracy": 12.5,
                                                   "at": iso(now - timedelta(minutes=19))},
        "location_reason": "",
        "outcome": outcome,
        "outcome_note": "",
        "checks": [{"code": c, "result": "pass", "note": "", "photos": []} for c in CHECKLIST]
        if outcome == "inspected" else [],
        "violations": violations if violations is not None else [],
        "rectifications": [],
        "rectification_checks": [],
        "interview": None,
        "photos": list(photos),
        "signature": ({"status": "signed", "file": signature, "signer_name": "王小明", "refusal_reason": ""}
                      if signature else {"status": "refused", "file": None, "signer_name": "",
                                         "refusal_reason": "店主不在"} if outcome == "inspected" else
                      {"status": "not_applicable", "file": None, "signer_name": "", "refusal_reason": ""}),
        "notes": "",
        "visit_id": None,
    }
    if check_photos:
        body["checks"][0]["photos"] = list(check_photos)
    if violation_photos and body["violations"]:
        body["violations"][0]["photos"] = list(violation_photos)
    body.update(overrides)
    return body


@pytest.fixture
def field(make_user, make_retailer, signed_in):
    """A county with a shop, two inspectors (signed in as the first), and helpers."""
    shop = make_retailer(county=COUNTY, lat=SHOP[0], lng=SHOP[1])
    inspector = make_user("inspector", COUNTY, username="insp_a")
    second = make_user("inspector", COUNTY, username="insp_b")
    session = signed_in(inspector)

    class Field:
        pass

    f = Field()
    f.shop, f.inspector, f.second, f.session = shop, inspector, second, session
    return f


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    """Each test stores its uploads in its own directory."""
    before = app.config["UPLOAD_DIR"]
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config["UPLOAD_DIR"] = before
