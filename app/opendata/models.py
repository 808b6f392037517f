"""Open data sets: one per published evaluation run, frozen when the job runner makes it (the rows the
public sees, personal names already masked, and the bulk CSV file)."""
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.common.time import utcnow
from app.extensions import db


class OpenDataset(db.Model):
    """The published grades of one quarter as open data. Made once, by the job runner, when the run's
    objection window has closed; withdrawn (never deleted) when a correction supersedes the run."""

    __tablename__ = "open_datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("evaluation_runs.id"), unique=True)
    quarter: Mapped[str] = mapped_column(String(6), index=True)
    as_of: Mapped[date] = mapped_column(Date)  # the evaluation date (the quarter's last day)
    published_on: Mapped[date] = mapped_column(Date)
    public_from: Mapped[date] = mapped_column(Date)  # the day the objection window closed
    rows: Mapped[int] = mapped_column(Integer, default=0)
    csv_path: Mapped[str] = mapped_column(String(256))  # relative to OPEN_DATA_DIR
    csv_sha256: Mapped[str] = mapped_column(String(64))
    csv_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)


class OpenGrade(db.Model):
    """One shop's published grade in a data set, as the public may see it (names masked)."""

    __tablename__ = "open_grades"
    # seq: the shop's position in the data set (1..rows, licence-number order), so a page of the whole data
    # set is a range of seq read through this index, with neither OFFSET nor COUNT.
    __table_args__ = (Index("uq_open_grades_dataset_seq", "dataset_id", "seq", unique=True),)

    dataset_id: Mapped[int] = mapped_column(ForeignKey("open_datasets.id", ondelete="CASCADE"), primary_key=True)
    retailer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    licence_no: Mapped[str] = mapped_column(String(12))
    shop_name: Mapped[str] = mapped_column(String(128))  # the operator's name inside it masked
    operator_name: Mapped[str] = mapped_column(String(64))  # masked: 王**
    address: Mapped[str] = mapped_column(String(256))
    county_code: Mapped[str] = mapped_column(String(6))
    county: Mapped[str] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(3))
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
