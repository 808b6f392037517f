"""Time helpers. All stored timestamps are naive UTC (columns named ``*_at``)."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today's date in China, the date the bureau works by."""
    return datetime.now(LOCAL_TZ).date()


def to_local(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone(LOCAL_TZ)
