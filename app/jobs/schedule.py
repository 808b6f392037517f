"""The periodic schedule, in one place: what runs when, how stale it may get before the status page
warns, and what the page calls it. Times are the bureau's local time (Asia/Shanghai).

To add a periodic job: write the function (no arguments, reads the date from app.common.time, returns
a short summary such as a dict of counts; the runner commits once at the end), then add one
``Periodic`` line below naming it. It is registered as a Huey periodic task at start-up
(app.jobs.tasks), gets a heartbeat, and appears on the status page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from huey import crontab

from app.common.time import to_local

MINUTE = 1
HOUR = 60
NIGHTLY_STALE = 26 * HOUR  # a nightly job not seen for 26 hours has missed a night


def at_local(minute="*", hour="*", day="*", month="*", day_of_week="*"):
    """A huey crontab read in the bureau's local time (huey hands it naive UTC)."""
    test = crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)

    def validate(dt):
        return test(to_local(dt).replace(tzinfo=None))

    return validate


@dataclass(frozen=True)
class Periodic:
    name: str  # the task's name (heartbeat key)
    target: str  # "module:function"
    when: object  # huey validate_datetime
    every: str  # said on the status page
    stale_minutes: int
    label: object  # lazy gettext
    lock: bool = True  # never two runs at once


PERIODIC: list[Periodic] = [
    Periodic("scheduling.consume", "app.jobs.work:consume_scheduling", at_local(), _l("every minute"), 10,
             _l("Re-plan visits after grade changes")),
    Periodic("notices.consume", "app.jobs.work:consume_notices", at_local(), _l("every minute"), 10,
             _l("Notices of new records and grade changes")),
    Periodic("sms.deliver", "app.jobs.work:deliver_sms", at_local(), _l("every minute"), 10,
             _l("SMS delivery")),
    Periodic("visits.mark_missed", "app.jobs.work:mark_missed_visits", at_local(minute="20", hour="0"),
             _l("daily at 00:20"), NIGHTLY_STALE, _l("Mark missed visits")),
    Periodic("scheduling.interviews", "app.jobs.work:warning_interviews", at_local(minute="30", hour="1"),
             _l("daily at 01:30"), NIGHTLY_STALE, _l("A warning interview for every B shop that has none")),
    Periodic("grades.refresh_due", "app.jobs.work:refresh_grades", at_local(minute="0", hour="1"),
             _l("daily at 01:00"), NIGHTLY_STALE, _l("Nightly regrade of lapsed grades")),
    Periodic("commitments.daily", "app.jobs.work:commitments_daily", at_local(minute="0", hour="2"),
             _l("daily at 02:00"), NIGHTLY_STALE, _l("Commitment awards and renewal reminders")),
    Periodic("groups.daily", "app.jobs.work:groups_daily", at_local(minute="15", hour="2"),
             _l("daily at 02:15"), NIGHTLY_STALE, _l("Group ratings and model awards published after their notice period")),
    Periodic("deadlines.warn", "app.jobs.work:warn_deadlines", at_local(minute="30", hour="7"),
             _l("daily at 07:30"), NIGHTLY_STALE, _l("Deadline warnings (repairs, objections, rectifications)")),
    Periodic("licences.expiry", "app.jobs.work:licence_expiry_notices", at_local(minute="0", hour="8"),
             _l("daily at 08:00"), NIGHTLY_STALE, _l("Licence expiry notices (60 and 30 days ahead, on the day)")),
    Periodic("warnings.raise", "app.jobs.work:raise_warnings", at_local(minute="0", hour="4"),
             _l("daily at 04:00"), NIGHTLY_STALE, _l("Early warnings (失信预警)")),
    Periodic("dashboard.refresh", "app.dashboard.refresh:refresh_nightly", at_local(minute="45", hour="4"),
             _l("daily at 04:45"), NIGHTLY_STALE, _l("Supervisors' dashboard figures")),
    Periodic("service.lift", "app.jobs.work:lift_supply_suspensions", at_local(minute="15", hour="1"),
             _l("daily at 01:15"), NIGHTLY_STALE, _l("Lift supply suspensions whose grade recovered or period ended")),
    Periodic("audit.anchor", "app.jobs.work:anchor_audit", at_local(minute="50", hour="23"),
             _l("daily at 23:50"), NIGHTLY_STALE, _l("Audit trail anchored outside the database")),
    Periodic("calendar.remind", "app.jobs.work:calendar_reminder", at_local(minute="0", hour="9"),
             _l("daily at 09:00"), NIGHTLY_STALE, _l("November reminder to enter next year's official holidays")),
    Periodic("partners.consume", "app.jobs.work:partners_consume", at_local(), _l("every minute"), 10,
             _l("Outcomes of partners' findings, sent to their callback addresses")),
    Periodic("lists.watch", "app.jobs.work:lists_watch", at_local(minute="*/5"), _l("every 5 minutes"), 30,
             _l("List entries ended by a repaired or dismissed record")),
    Periodic("lists.daily", "app.jobs.work:lists_daily", at_local(minute="30", hour="22"),
             _l("daily at 22:30"), NIGHTLY_STALE, _l("Red and black lists: proposals, notice periods, expiry")),
    Periodic("exchange.daily", "app.jobs.work:exchange_daily", at_local(minute="40", hour="23"),
             _l("daily at 23:40"), NIGHTLY_STALE, _l("Exchange with the local credit platform")),
    Periodic("exchange.deliver", "app.jobs.work:exchange_deliver", at_local(minute="*/10"), _l("every 10 minutes"),
             60, _l("Retries of deliveries to the local credit platform")),
    Periodic("storage.purge", "app.jobs.work:purge_uploads", at_local(minute="30", hour="3"),
             _l("daily at 03:30"), NIGHTLY_STALE, _l("Remove uploads left by failed requests")),
    Periodic("exports.purge", "app.jobs.work:purge_exports", at_local(minute="40", hour="3"),
             _l("daily at 03:40"), NIGHTLY_STALE, _l("Remove Excel export files past their retention period")),
    Periodic("reports.bureau", "app.jobs.work:bureau_reports", at_local(minute="30", hour="5"),
             _l("daily at 05:30"), NIGHTLY_STALE,
             _l("Bureau reports: the month's update and ranking from the 1st, the analysis of a published quarter")),
    Periodic("open_data.export", "app.jobs.work:export_open_data", at_local(minute="10"), _l("hourly at :10"),
             2 * HOUR, _l("Open data: the data set and CSV of each quarter made public")),
]


def by_name() -> dict[str, Periodic]:
    return {p.name: p for p in PERIODIC}


def stale_after(p: Periodic) -> timedelta:
    return timedelta(minutes=p.stale_minutes)
