"""Uploads: size and type checked by content (magic bytes, then a full decode); nothing saved when refused."""
import io
import os

from sqlalchemy import func, select

from app.extensions import db
from app.storage import services as storage
from app.storage.models import StoredFile
from tests.inspections.conftest import jpeg, new_id, png, upload


def _nothing_saved(app):
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    folder = app.config["UPLOAD_DIR"]
    files = [os.path.join(d, n) for d, _s, names in os.walk(folder) for n in names] if os.path.isdir(folder) else []
    assert files == []


def test_a_valid_photo_is_stored_under_a_server_made_name(app, field):
    cap = new_id()
    data = jpeg()
    file_id, response = upload(field.session, cap, data=data, filename="../../etc/passwd.jpg")
    assert response.status_code == 201, response.get_json()
    out = response.get_json()
    assert out == {"uuid": file_id, "inspection_uuid": cap, "kind": "photo", "content_type": "image/jpeg",
                   "size": len(data), "sha256": out["sha256"], "width": 64, "height": 48}
    stored = db.session.scalars(select(StoredFile)).one()
    assert "passwd" not in stored.path and stored.path.endswith(f"{stored.key}.jpg")
    with app.test_request_context():
        assert storage.read_bytes(stored) == data
    # WebP and PNG are accepted too
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (10, 10), "blue").save(buf, "WEBP")
    assert upload(field.session, cap, data=buf.getvalue(), filename="x.webp")[1].status_code == 201
    assert upload(field.session, cap, data=png(), kind="signature")[1].status_code == 201


def test_too_large_is_refused_and_nothing_saved(app, field):
    app.config["UPLOAD_MAX_BYTES"] = 2000
    try:
        big = jpeg(400, 400, (1, 2, 3))
        assert len(big) > 2000
        _, response = upload(field.session, new_id(), data=big)
        assert response.status_code == 413
        assert "MB" in response.get_json()["errors"]["file"][0]
    finally:
        app.config["UPLOAD_MAX_BYTES"] = 5 * 1024 * 1024
    # beyond MAX_CONTENT_LENGTH the request is cut off before it is read
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        _, response = upload(field.session, new_id(), data=b"\xff\xd8\xff" + b"0" * 20_000)
        assert response.status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    _nothing_saved(app)


def test_wrong_types_are_refused_and_nothing_saved(app, field):
    from PIL import Image

    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    for data, name in ((gif.getvalue(), "a.gif"), (b"%PDF-1.4\n1 0 obj<<>>endobj", "a.jpg"),
                       (b"", "empty.jpg")):
        _, response = upload(field.session, new_id(), data=data, filename=name)
        assert response.status_code == 422, name
        assert "file" in response.get_json()["errors"]
    _nothing_saved(app)


def test_a_script_disguised_as_a_jpeg_is_refused(app, field):
    scripts = [
        b"<script>alert(document.cookie)</script>",
        b"#!/bin/sh\nrm -rf /\n",
        # a JPEG header in front of an HTML page: the magic bytes pass, the decoder does not
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(1)</script></html>" + b"A" * 500,
        # a real JPEG cut in half
        jpeg(200, 200)[:300],
    ]
    for data in scripts:
        _, response = upload(field.session, new_id(), data=data, filename="photo.jpg", content_type="image/jpeg")
        assert response.status_code == 422, data[:20]
        message = response.get_json()["errors"]["file"][0]
        assert message
    _nothing_saved(app)


def test_same_file_id_with_other_bytes_is_a_conflict(app, field):
    cap = new_id()
    file_id, first = upload(field.session, cap, data=jpeg(color=(1, 1, 1)))
    assert first.status_code == 201
    assert upload(field.session, cap, data=jpeg(color=(1, 1, 1)), file_id=file_id)[1].status_code == 200
    assert upload(field.session, cap, data=jpeg(color=(9, 9, 9)), file_id=file_id)[1].status_code == 409
    assert upload(field.session, new_id(), data=jpeg(color=(1, 1, 1)), file_id=file_id)[1].status_code == 409
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1


def test_a_photo_of_another_capture_or_user_cannot_be_used(app, field, signed_in):
    from tests.inspections.conftest import capture

    other_capture = new_id()
    photo, _ = upload(field.session, other_capture)
    body = capture(field.shop, field.second, photos=[photo])
    response = field.session.post("/api/inspections", json=body)
    assert response.status_code == 422 and "photos" in response.get_json()["errors"]
    # the second officer (same county) cannot attach the first officer's upload either
    second = signed_in(field.second)
    cap = new_id()
    mine, _ = upload(field.session, cap)
    body = capture(field.shop, field.inspector, uuid=cap, photos=[mine])
    assert second.post("/api/inspections", json=body).status_code == 422


def test_upload_needs_the_fields(app, field):
    response = field.session.post("/api/inspections/uploads", data={"uuid": "x"}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_uploads_of_abandoned_captures_are_purged(app, field):
    from datetime import timedelta

    from app.common.time import utcnow
    from app.inspections.services import purge_orphan_uploads
    from tests.inspections.conftest import capture

    kept_cap = new_id()
    kept, _ = upload(field.session, kept_cap)
    assert field.session.post("/api/inspections", json=capture(field.shop, field.second, uuid=kept_cap,
                                                                 photos=[kept])).status_code == 201
    upload(field.session, new_id())  # abandoned, recent
    old_id, _ = upload(field.session, new_id())  # abandoned, old
    stored = db.session.scalars(select(StoredFile).where(StoredFile.client_uuid == old_id)).one()
    stored.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["inspections", "purge-uploads", "--days", "30"])
    assert "removed 1" in result.output, result.output
    left = set(db.session.scalars(select(StoredFile.client_uuid)))
    assert old_id not in left and kept in left and len(left) == 2
    assert purge_orphan_uploads(30) == 0
