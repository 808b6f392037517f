"""Uploads are all or nothing, files included: a request with one good and one bad file, or one that fails
after its files were written, leaves no file on disk; `flask storage purge` removes what a crash leaves."""
import io
import os
from datetime import UTC, timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.extensions import db
from app.repair.evidence import evidence_dir, save_uploads
from app.repair.models import EvidenceFile, Objection, RepairRequest
from tests.retailer_side.conftest import days_ago, jpeg_bytes
from tests.retailer_side.helpers import prepare


def files_on_disk():
    return sorted(os.listdir(evidence_dir()))


def rows(model):
    return db.session.scalar(select(func.count()).select_from(model))


class Upload:
    def __init__(self, data, filename):
        self.stream, self.filename = io.BytesIO(data), filename

    def read(self, n=-1):
        return self.stream.read(n)


def test_an_objection_with_one_good_and_one_bad_file_leaves_nothing(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(5))
    before = files_on_disk()
    owner = signed_in(shop["owner"])
    r = owner.post(f"/me/objection/{retailer.id}", data={
        "record": rec.id, "reasons": "检查当天店铺未营业，记录有误。", "csrf_token": owner._csrf,
        "evidence": [(io.BytesIO(jpeg_bytes()), "good.jpg"), (io.BytesIO(b"#!/bin/sh\necho hi\n" * 100), "bad.jpg")]},
        content_type="multipart/form-data")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "bad.jpg" in page and "只能上传照片" in page  # the message names the file that was refused
    assert files_on_disk() == before
    assert rows(EvidenceFile) == 0 and rows(Objection) == 0


def test_a_repair_request_with_one_good_and_one_bad_file_leaves_nothing(shop, make_record, signed_in):
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(150))
    owner = signed_in(shop["owner"])
    prepare(owner, retailer.id)
    before = files_on_disk()
    r = owner.post(f"/me/repair/{retailer.id}/{rec.id}", data={
        "statement": "已补办许可证变更，整改到位，罚款已缴清。", "penalty_fulfilled": "1", "csrf_token": owner._csrf,
        "evidence": [(io.BytesIO(jpeg_bytes()), "ok.jpg"), (io.BytesIO(b"\xff\xd8\xff" + b"0" * 500), "broken.jpg")]},
        content_type="multipart/form-data")
    assert r.status_code == 422 and "broken.jpg" in r.get_data(as_text=True)
    assert files_on_disk() == before
    assert rows(EvidenceFile) == 0 and rows(RepairRequest) == 0


def test_a_request_that_fails_after_writing_its_files_removes_them(shop, make_record, signed_in):
    """The files are good, but the change is refused afterwards (the record is already marked disputed):
    the transaction rolls back and the files written for it go with it."""
    retailer = shop["retailer"]
    rec = make_record(retailer, "ZM04", days_ago(5))
    rec.disputed = True
    db.session.commit()
    before = files_on_disk()
    owner = signed_in(shop["owner"])
    r = owner.post(f"/me/objection/{retailer.id}", data={
        "record": rec.id, "reasons": "检查当天店铺未营业，记录有误。", "csrf_token": owner._csrf,
        "evidence": [(io.BytesIO(jpeg_bytes()), "a.jpg"), (io.BytesIO(jpeg_bytes((0, 90, 0))), "b.jpg")]},
        content_type="multipart/form-data")
    assert r.status_code == 409 and "已标记为有异议" in r.get_data(as_text=True)  # the conflict's own status
    assert files_on_disk() == before and rows(EvidenceFile) == 0


def test_files_follow_the_outermost_transaction(app, shop):
    retailer = shop["retailer"]
    before = files_on_disk()
    save_uploads([Upload(jpeg_bytes(), "a.jpg")], retailer, None)
    with db.session.begin_nested():  # a savepoint released inside: the outer transaction still decides
        db.session.flush()
    assert len(files_on_disk()) == len(before) + 1
    db.session.rollback()
    assert files_on_disk() == before
    saved = save_uploads([Upload(jpeg_bytes(), "b.jpg")], retailer, None)
    db.session.commit()
    assert files_on_disk() == sorted(before + [saved[0].stored_name])


def _age(path, hours):
    """Set a file's modification time ``hours`` before the one clock."""
    when = (utcnow() - timedelta(hours=hours)).replace(tzinfo=UTC).timestamp()
    os.utime(path, (when, when))


def test_purge_removes_leftovers_older_than_the_grace_period(app, shop, tmp_path, monkeypatch):
    from app.storage.services import upload_dir

    # Its own evidence folder: files other tests left in the session's folder carry the machine's
    # modification times, which say nothing about the one clock (under faketime they look months old).
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    saved_dir = app.config["UPLOAD_DIR"]
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    try:
        retailer = shop["retailer"]
        # evidence: one attached to an objection, one never attached (old), one never attached (recent)
        attached, lonely, fresh = (save_uploads([Upload(jpeg_bytes((i, 0, 0)), f"{i}.jpg")], retailer, None)[0]
                                   for i in (1, 2, 3))
        db.session.add(Objection(retailer_id=retailer.id, reasons="记录有误，请核实。", evidence_ids=[attached.id],
                                 told_on=days_ago(3), submitted_on=days_ago(3), answer_due=days_ago(-7)))
        for ev in (attached, lonely):
            ev.uploaded_at = utcnow() - timedelta(hours=30)
        db.session.commit()
        # files with no row: a crash between write and commit (old), a request in flight (recent), a .part
        os.makedirs(os.path.join(upload_dir(), "2026", "11"), exist_ok=True)
        crashed = os.path.join(upload_dir(), "2026", "11", "0" * 32 + ".jpg")
        partial = os.path.join(evidence_dir(), "f" * 32 + ".bin.part")
        in_flight = os.path.join(evidence_dir(), "e" * 32 + ".bin")
        for path in (crashed, partial, in_flight):
            with open(path, "wb") as fh:
                fh.write(jpeg_bytes())
        for path in (crashed, partial):
            _age(path, 30)
        _age(in_flight, 1)  # by the one clock, not the machine's (the file system stamps the real time)
        for ev in (attached, lonely, fresh):
            _age(os.path.join(evidence_dir(), ev.stored_name), 30 if ev is not fresh else 1)

        dry = app.test_cli_runner().invoke(args=["storage", "purge", "--hours", "24", "--dry-run"])
        assert dry.exit_code == 0 and "would remove: 2 files with no row, 1 evidence files" in dry.output
        assert os.path.exists(crashed) and rows(EvidenceFile) == 3
        out = app.test_cli_runner().invoke(args=["storage", "purge", "--hours", "24"])
        assert out.exit_code == 0 and "removed: 2 files with no row, 1 evidence files" in out.output, out.output
        assert not os.path.exists(crashed) and not os.path.exists(partial)
        assert os.path.exists(in_flight)  # too recent: its request may still commit
        left = set(db.session.scalars(select(EvidenceFile.id)))
        assert left == {attached.id, fresh.id}
        assert not os.path.exists(os.path.join(evidence_dir(), lonely.stored_name))
        assert os.path.exists(os.path.join(evidence_dir(), attached.stored_name))
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "storage.purge")).one()
        assert entry.after["files_without_row"] == 2 and entry.after["evidence_rows_unattached"] == 1
        os.remove(in_flight)
    finally:
        app.config["UPLOAD_DIR"] = saved_dir
