"""Uploaded files. The bytes live on disk under UPLOAD_DIR with a name the server made; this row
says what they are, who uploaded them, for which capture, and their checksum."""
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

KINDS = ("photo", "signature")


class StoredFile(db.Model):
    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random public name (hex), used in URLs; never derived from anything the client sent.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    # The client's id for this file (a UUID made on the phone): replays of the upload find it.
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    # The capture (inspection client UUID) the file was uploaded for; only that capture may use it.
    capture_uuid: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # Path relative to UPLOAD_DIR, made by the server (yyyy/mm/<key>.<ext>).
    path: Mapped[str] = mapped_column(String(128))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    uploaded_by = relationship("User")
