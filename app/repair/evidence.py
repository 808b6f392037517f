"""Evidence uploads (photos, documents) for repair requests and objections.

app/storage (field inspections) ties every file to an inspection capture (capture_uuid), so evidence
keeps its own table and applies the same checks as app/storage (magic bytes, a full decode with
Pillow within UPLOAD_MAX_PIXELS, so a script behind an image header is refused). The type is decided by the file's first bytes (JPEG, PNG, WebP, PDF only), the size is capped,
the file is stored under ``<instance>/evidence/`` by a random name (never the user's), with its
SHA-256, and served only through a policy-checked view as an attachment or inline image."""
import hashlib
import os
import secrets

from flask import current_app
from flask_babel import gettext as _

from app.common.errors import ServiceError
from app.extensions import db
from app.repair.models import EvidenceFile
from app.storage import pending

MAX_BYTES = 8 * 1024 * 1024
MAX_FILES = 6
_SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg", "photo"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "photo"),
    (b"%PDF-", "application/pdf", "document"),
]


def _sniff(head: bytes):
    for magic, ctype, kind in _SIGNATURES:
        if head.startswith(magic):
            return ctype, kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "photo"
    return None


def _check_image(data: bytes):
    import io
    import warnings

    from PIL import Image

    max_pixels = current_app.config.get("UPLOAD_MAX_PIXELS", 40_000_000)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.size[0] * image.size[1] > max_pixels:
                    raise ValueError("too many pixels")
                image.load()
    except Exception:  # noqa: BLE001 - any decoder error means "not an image"
        raise ServiceError({"evidence": [_("The file is not a readable image.")]}) from None


def evidence_dir() -> str:
    path = os.path.join(current_app.instance_path, "evidence")
    os.makedirs(path, exist_ok=True)
    return path


def _checked(f) -> tuple[bytes, str, str]:
    """(bytes, content type, kind) of one upload, or ServiceError naming the file."""
    name = os.path.basename(f.filename or "")[-128:]
    data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ServiceError({"evidence": [_("%(name)s: the file is larger than %(n)d MB.", name=name,
                                           n=MAX_BYTES // (1024 * 1024))]})
    sniffed = _sniff(data[:16])
    if sniffed is None or not data:
        raise ServiceError({"evidence": [_("%(name)s: only photos (JPEG, PNG, WebP) and PDF documents can be "
                                           "uploaded.", name=name)]})
    ctype, kind = sniffed
    if kind == "photo":
        try:
            _check_image(data)
        except ServiceError:
            raise ServiceError({"evidence": [_("%(name)s: the file is not a readable image.", name=name)]}) from None
    return data, ctype, kind


def save_uploads(files, retailer, actor) -> list[EvidenceFile]:
    """All the files or none: every file is checked before any is written, and what is written is
    removed again if the request's transaction does not commit (app.storage.pending)."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES:
        raise ServiceError({"evidence": [_("At most %(n)d files.", n=MAX_FILES)]})
    checked = [(f, *_checked(f)) for f in files]
    saved = []
    for f, data, ctype, kind in checked:
        stored = secrets.token_hex(16) + ".bin"
        pending.write(os.path.join(evidence_dir(), stored), data)
        ev = EvidenceFile(retailer_id=retailer.id, kind=kind, original_name=os.path.basename(f.filename)[-128:],
                          content_type=ctype, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                          stored_name=stored, uploaded_by_id=getattr(actor, "id", None))
        db.session.add(ev)
        saved.append(ev)
    db.session.flush()
    return saved


def path_of(ev: EvidenceFile) -> str:
    return os.path.join(evidence_dir(), ev.stored_name)
