"""Removing what failed requests and abandoned captures leave behind (``flask storage purge``).

A request's files are removed with its rolled-back transaction (app.storage.pending); what can still be
left over is removed here, and only once it is older than the grace period (a request in flight has
files on disk whose rows are not committed yet):

- **files on disk with no row**: under UPLOAD_DIR (photos and signatures, ``stored_files.path``) and
  under ``<instance>/evidence`` (``evidence_files.stored_name``), with half-written ``*.part`` files:
  a process that died between writing a file and committing its row;
- **evidence rows never attached**: an ``evidence_files`` row that no repair request and no objection
  lists (``evidence_ids``), with its file;
- **field uploads never attached**: photos and signatures uploaded for a capture that never arrived
  (a remote self-check's photos are attached to it: never purged)
  (app.inspections.services.purge_orphan_uploads). A phone may upload days before it submits, so these
  wait at least INSPECTION_MAX_AGE_DAYS (after that the capture is refused anyway).

One audit entry says what was removed. The job runner is meant to call :func:`purge_orphans` daily; the
command does the same by hand."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.audit.services import record
from app.common.time import utcnow
from app.extensions import db
from app.storage import pending

DEFAULT_HOURS = 24


@dataclass
class PurgeResult:
    files_without_row: int = 0
    evidence_rows_unattached: int = 0
    field_uploads_unattached: int = 0
    older_than_hours: int = DEFAULT_HOURS
    dry_run: bool = False

    @property
    def total(self) -> int:
        return self.files_without_row + self.evidence_rows_unattached + self.field_uploads_unattached


def _old_files(root: str, cutoff: datetime):
    """(absolute path, path relative to root) of regular files under root last written before cutoff."""
    if not os.path.isdir(root):
        return
    limit = cutoff.timestamp()
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                if os.path.isfile(path) and not os.path.islink(path) and os.stat(path).st_mtime < limit:
                    yield path, os.path.relpath(path, root)
            except OSError:
                continue


def _utc_timestamp(naive_utc: datetime) -> datetime:
    """The cutoff as an aware time for comparing with file modification times."""
    from datetime import UTC

    return naive_utc.replace(tzinfo=UTC)


def purge_orphans(older_than_hours: int = DEFAULT_HOURS, *, dry_run: bool = False) -> PurgeResult:
    """Remove leftovers older than ``older_than_hours`` (see the module). The caller commits."""
    from app.inspections.models import InspectionFile
    from app.repair.evidence import evidence_dir
    from app.repair.models import EvidenceFile, Objection, RepairRequest
    from app.storage.models import StoredFile
    from app.storage.services import upload_dir

    if older_than_hours < 1:
        raise ValueError("the grace period is at least one hour")
    result = PurgeResult(older_than_hours=older_than_hours, dry_run=dry_run)
    now = utcnow()
    cutoff = now - timedelta(hours=older_than_hours)

    # Evidence rows that no request lists (files go with them).
    listed = set()
    for ids in db.session.scalars(select(RepairRequest.evidence_ids)):
        listed.update(int(i) for i in ids or ())
    for ids in db.session.scalars(select(Objection.evidence_ids)):
        listed.update(int(i) for i in ids or ())
    unattached = set()
    for ev in list(db.session.scalars(select(EvidenceFile).where(EvidenceFile.uploaded_at < cutoff))):
        if ev.id in listed:
            continue
        unattached.add(ev.stored_name)
        result.evidence_rows_unattached += 1
        if not dry_run:
            pending.remove_on_commit(os.path.join(evidence_dir(), ev.stored_name))
            db.session.delete(ev)

    # Field uploads of captures that never arrived (the capture may still come within its age limit).
    max_age = int(current_app.config.get("INSPECTION_MAX_AGE_DAYS", 30))
    days = max(max_age + 1, -(-older_than_hours // 24))
    if dry_run:
        from app.trust.models import SelfCheckPhoto

        attached = select(InspectionFile.file_id).union(select(SelfCheckPhoto.file_id))
        result.field_uploads_unattached = len(list(db.session.scalars(select(StoredFile.id).where(
            StoredFile.created_at < now - timedelta(days=days), StoredFile.id.not_in(attached)))))
    else:
        from app.inspections.services import purge_orphan_uploads

        result.field_uploads_unattached = purge_orphan_uploads(days)
    db.session.flush()

    # Files on disk that no row names (a crash between writing and committing), and half-written ones.
    file_cutoff = _utc_timestamp(cutoff)
    known_uploads = set(db.session.scalars(select(StoredFile.path)))
    for path, relative in list(_old_files(upload_dir(), file_cutoff)):
        if relative.replace(os.sep, "/") not in known_uploads:
            result.files_without_row += 1
            if not dry_run:
                pending.remove_now(path)
    known_evidence = set(db.session.scalars(select(EvidenceFile.stored_name))) | unattached  # counted above
    for path, relative in list(_old_files(evidence_dir(), file_cutoff)):
        if relative not in known_evidence:
            result.files_without_row += 1
            if not dry_run:
                pending.remove_now(path)

    if result.total and not dry_run:
        record("storage.purge", "stored_file", None, after=asdict(result))
    return result


__all__ = ["purge_orphans", "PurgeResult", "DEFAULT_HOURS"]
