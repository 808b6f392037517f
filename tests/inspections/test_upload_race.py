"""Uploads of one file id racing each other get a clean answer (200 for the same file, 409 for another),
never a 500, and leave exactly one file on disk."""
import io
import os

from sqlalchemy import func, select

from app.extensions import db
from app.storage import services as storage
from app.storage.models import StoredFile
from tests.concurrency import fire, sessions_for
from tests.inspections.conftest import jpeg, new_id

N = 20


def files_in(root):
    return sorted(os.path.join(d, f) for d, _dirs, names in os.walk(root) for f in names) if os.path.isdir(root) else []


def stored_rows():
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def post(session, file_id, capture, data):
    return session.post("/api/inspections/uploads", data={
        "uuid": file_id, "inspection_uuid": capture, "kind": "photo",
        "file": (io.BytesIO(data), "p.jpg", "image/jpeg")}, content_type="multipart/form-data")


def test_twenty_uploads_of_one_file_store_it_once(app, field, upload_dir):
    clients = sessions_for(app, field.inspector, N)
    file_id, capture, data = new_id(), new_id(), jpeg()
    answers = fire(N, lambda i: post(clients[i], file_id, capture, data))
    assert sorted(r.status_code for r in answers) == [200] * (N - 1) + [201], [r.get_json() for r in answers]
    assert stored_rows() == 1 and len(files_in(upload_dir)) == 1
    assert {r.get_json()["uuid"] for r in answers} == {file_id}


def test_twenty_different_files_under_one_id_keep_the_first(app, field, upload_dir):
    clients = sessions_for(app, field.inspector, N)
    file_id, capture = new_id(), new_id()
    images = [jpeg(color=(i * 10, 20, 30)) for i in range(N)]
    answers = fire(N, lambda i: post(clients[i], file_id, capture, images[i]))
    assert sorted(r.status_code for r in answers) == [201] + [409] * (N - 1)
    assert stored_rows() == 1 and len(files_in(upload_dir)) == 1
    refused = next(r for r in answers if r.status_code == 409).get_json()
    assert refused["errors"]["uuid"] == ["该文件编号已用于另一个文件。"]


def test_the_race_is_decided_by_the_unique_index(app, field, upload_dir, monkeypatch):
    """The moment of the race, made deterministic on both databases: the other upload commits between this
    request's look-up and its insert. The insert meets the unique index inside a savepoint; the answer is
    the replay's (200), and the file this request wrote is removed."""
    file_id, capture, data = new_id(), new_id(), jpeg()
    assert post(field.session, file_id, capture, data).status_code == 201
    real = storage.find_by_client_uuid
    calls = {"n": 0}

    def blind_once(client_uuid):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(client_uuid)

    monkeypatch.setattr(storage, "find_by_client_uuid", blind_once)
    r = post(field.session, file_id, capture, data)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert stored_rows() == 1 and len(files_in(upload_dir)) == 1
    calls["n"] = 0
    r = post(field.session, file_id, capture, jpeg(color=(1, 2, 3)))
    assert r.status_code == 409 and len(files_in(upload_dir)) == 1


def test_a_refused_upload_leaves_no_file(app, field, upload_dir):
    r = post(field.session, new_id(), new_id(), b"\xff\xd8\xff" + b"not really a jpeg" * 50)
    assert r.status_code == 422 and files_in(upload_dir) == [] and stored_rows() == 0
