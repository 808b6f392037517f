"""Saving and reading uploaded images (photos and signatures).

What is checked before anything is written (OWASP ASVS V5.2-5.4):
- the size (UPLOAD_MAX_BYTES; larger requests are cut off earlier by MAX_CONTENT_LENGTH);
- the type, from the content's magic bytes, never from the file name or the client's content type:
  JPEG, PNG or WebP only;
- that the bytes really decode as that image (Pillow), within UPLOAD_MAX_PIXELS, so a script or an
  HTML page with an image header in front is refused.
The file name on disk is made by the server (``yyyy/mm/<random>.<ext>``) and files are served only
by views that first load the owning object through the access policy."""
import hashlib
import io
import os
import re
import secrets
import warnings

from flask import current_app
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.common.errors import ServiceError
from app.common.time import utcnow
from app.extensions import db
from app.storage import pending
from app.storage.models import KINDS, StoredFile

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TYPES = {"image/jpeg": ("jpg", "JPEG"), "image/png": ("png", "PNG"), "image/webp": ("webp", "WEBP")}


def upload_dir() -> str:
    return current_app.config.get("UPLOAD_DIR") or os.path.join(current_app.instance_path, "uploads")


def sniff(data: bytes) -> str | None:
    """The image type announced by the content's first bytes, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _decode(data: bytes, content_type: str) -> tuple[int, int]:
    """Decode the whole image; refuse anything that is not a complete image of the sniffed type."""
    max_pixels = current_app.config["UPLOAD_MAX_PIXELS"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != TYPES[content_type][1]:
                    raise ValueError("format mismatch")
                width, height = image.size
                if width * height > max_pixels or width < 1 or height < 1:
                    raise ServiceError({"file": [_("The image is too large (at most %(n)d million pixels).",
                                                   n=max_pixels // 1_000_000)]}, status=413)
                image.load()  # full decode: truncated or padded-with-garbage files fail here
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001 - any decoder error means "not an image"
        raise ServiceError({"file": [_("The file is not a readable image.")]}) from None
    return width, height


def check_upload(data: bytes, kind: str) -> tuple[str, int, int]:
    """Validate an upload's bytes; return (content type, width, height) or raise ServiceError."""
    if kind not in KINDS:
        raise ServiceError({"kind": [_("Must be one of the allowed values.")]})
    if not data:
        raise ServiceError({"file": [_("The file is empty.")]})
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    if len(data) > limit:
        raise ServiceError({"file": [_("The file is larger than %(n)s MB.", n=_mb(limit))]}, status=413)
    content_type = sniff(data)
    if content_type is None:
        raise ServiceError({"file": [_("Only JPEG, PNG or WebP images are accepted.")]})
    width, height = _decode(data, content_type)
    return content_type, width, height


def _mb(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"


def find_by_client_uuid(client_uuid: str) -> StoredFile | None:
    return db.session.scalars(select(StoredFile).where(StoredFile.client_uuid == client_uuid)).first()


def save(data: bytes, *, kind: str, client_uuid: str, capture_uuid: str, uploader) -> tuple[StoredFile, bool]:
    """Store an uploaded image; return (file, created).

    Idempotent by the client's UUID: the same UUID with the same bytes (same uploader, same capture)
    returns the stored file (created=False); the same UUID with anything else is a conflict (409).
    Two uploads of one UUID racing: the unique index decides inside a SAVEPOINT and the loser answers
    as above (200 or 409), never an error. The caller commits; the file is removed if it does not
    (app.storage.pending)."""
    errors = {}
    if not UUID_RE.match(client_uuid or ""):
        errors["uuid"] = [_("Not a valid UUID.")]
    if not UUID_RE.match(capture_uuid or ""):
        errors["inspection_uuid"] = [_("Not a valid UUID.")]
    if errors:
        raise ServiceError(errors)
    content_type, width, height = check_upload(data, kind)
    digest = hashlib.sha256(data).hexdigest()
    existing = find_by_client_uuid(client_uuid)
    if existing is not None:
        return _replay(existing, uploader=uploader, digest=digest, capture_uuid=capture_uuid, kind=kind), False

    key = secrets.token_hex(16)
    now = utcnow()
    relative = f"{now:%Y}/{now:%m}/{key}.{TYPES[content_type][0]}"
    absolute = os.path.join(upload_dir(), relative)
    pending.write(absolute, data)  # removed again unless this transaction commits
    stored = StoredFile(key=key, client_uuid=client_uuid, capture_uuid=capture_uuid, kind=kind,
                        content_type=content_type, size=len(data), sha256=digest, width=width, height=height,
                        path=relative, uploaded_by_id=uploader.id, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(stored)
            db.session.flush()
    except IntegrityError:
        pending.remove_now(absolute)
        existing = find_by_client_uuid(client_uuid)  # the same file id, stored meanwhile by a racing upload
        if existing is None:
            raise
        return _replay(existing, uploader=uploader, digest=digest, capture_uuid=capture_uuid, kind=kind), False
    record("file.upload", "stored_file", stored.id,
           after={"kind": kind, "content_type": content_type, "size": len(data), "sha256": digest,
                  "client_uuid": client_uuid, "capture_uuid": capture_uuid}, actor=uploader)
    return stored, True


def _replay(existing: StoredFile, *, uploader, digest, capture_uuid, kind) -> StoredFile:
    if (existing.uploaded_by_id == uploader.id and existing.sha256 == digest
            and existing.capture_uuid == capture_uuid and existing.kind == kind):
        return existing
    raise ServiceError({"uuid": [_("This file id was already used for a different file.")]}, status=409)


def absolute_path(stored: StoredFile) -> str:
    root = os.path.realpath(upload_dir())
    path = os.path.realpath(os.path.join(root, stored.path))
    if not path.startswith(root + os.sep):  # never outside the upload directory
        raise FileNotFoundError(stored.path)
    return path


def read_bytes(stored: StoredFile) -> bytes:
    with open(absolute_path(stored), "rb") as fh:
        return fh.read()


def discard(stored: StoredFile):
    """Remove a file written in a transaction that did not commit."""
    try:
        os.remove(absolute_path(stored))
    except OSError:
        pass
