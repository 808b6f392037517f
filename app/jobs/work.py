"""What the background jobs do: thin functions over the services, each returning a short summary.
The runner (app.jobs.runner) gives each an app context and commits at the end; the consumers and the
SMS delivery commit batch by batch themselves, so a long backlog is worked through in short
transactions and a crash loses at most one batch (which the next run does again, de-duplicated)."""
from __future__ import annotations

from flask import current_app

from app.common.time import local_today
from app.extensions import db


def _drain(consume, batch) -> int:
    total = 0
    while True:
        n = consume(batch)
        db.session.commit()
        total += n
        if n < batch:
            return total


def consume_scheduling() -> dict:
    from app.scheduling import replan

    batch = int(current_app.config.get("CONSUMER_BATCH", 500))
    return {"events": _drain(lambda limit: replan.consume_grade_changes(limit=limit), batch)}


def consume_notices() -> dict:
    from app.notices import services

    batch = int(current_app.config.get("CONSUMER_BATCH", 500))
    return {"records": _drain(services.consume_record_events, batch),
            "grade_changes": _drain(services.consume_grade_changes, batch)}


def deliver_sms() -> dict:
    from app.notices.sms import deliver_due

    return deliver_due()


def warning_interviews() -> dict:
    from app.scheduling.replan import ensure_warning_interviews

    return {"interviews": ensure_warning_interviews(today=local_today())}


def mark_missed_visits() -> dict:
    from app.scheduling.visits import mark_missed

    return {"missed": mark_missed(local_today())}


def refresh_grades() -> dict:
    from app.credit.grading import refresh_due

    recomputed, changed = refresh_due(local_today())
    return {"recomputed": recomputed, "changed": changed}


def commitments_daily() -> dict:
    from app.commitments.services import award, remind_due

    today = local_today()
    return {"awarded": award(today), "reminded": remind_due(today)}


def warn_deadlines() -> dict:
    from app.notices.services import warn_rectifications
    from app.repair.services import warn_deadlines as warn_requests

    today = local_today()
    return {"requests": warn_requests(today), "rectifications": warn_rectifications(today)}


def purge_uploads() -> dict:
    from app.storage.purge import purge_orphans

    r = purge_orphans()
    return {"files_without_row": r.files_without_row, "evidence_unattached": r.evidence_rows_unattached,
            "field_uploads_unattached": r.field_uploads_unattached}


def purge_exports() -> dict:
    """Excel export files older than EXPORT_RETENTION_DAYS removed, their jobs marked expired."""
    from app.exports.services import purge_expired

    return purge_expired()


def anchor_audit() -> dict:
    """The audit chain's head, appended to the anchor file outside the database (after verifying it)."""
    from app.audit.anchor import write_anchor

    a = write_anchor("daily")
    return {"anchor": a.n, "seq": a.seq}


def licence_expiry_notices() -> dict:
    """Retailers told 60 and 30 days before their licence expires and on the day (once each)."""
    from app.licences.services import send_expiry_notices

    return {"told": send_expiry_notices(local_today())}


def partners_consume() -> dict:
    """Outcome notifications of partners' findings, then their delivery to the callback URLs."""
    from app.partners import findings

    batch = int(current_app.config.get("CONSUMER_BATCH", 500))
    made = _drain(findings.consume_outcomes, batch)
    return {"events": made, **findings.deliver_due()}


def lists_watch() -> dict:
    """List entries whose basis record was repaired or dismissed exit at once."""
    from app.lists.services import withdraw_for_records

    batch = int(current_app.config.get("CONSUMER_BATCH", 500))
    return {"events": _drain(withdraw_for_records, batch)}


def lists_daily() -> dict:
    from app.lists.services import daily

    return daily(local_today())


def exchange_daily() -> dict:
    from app.exchange.services import daily

    return daily(local_today())


def exchange_deliver() -> dict:
    from app.exchange.services import deliver_due

    return deliver_due()


def export_open_data() -> dict:
    """Open data: the data set and bulk CSV of every quarter that became public; withdraw superseded ones."""
    from app.opendata.services import export_due

    r = export_due(local_today())
    return {"made": r["made"], "withdrawn": r["withdrawn"]}


def calendar_reminder() -> dict:
    from app.holidays.services import remind_next_year

    return remind_next_year(local_today())


def groups_daily() -> dict:
    """Publish group ratings and model awards whose notice period ended with no open objection;
    withdraw stars lost at once by a member's serious violation."""
    from app.groups import awards, services

    today = local_today()
    return {**services.publish_due(today), "awards_published": awards.publish_due(today)}


def raise_warnings() -> dict:
    from app.warnings.services import raise_warnings as raise_all

    return raise_all(local_today())


def lift_supply_suspensions() -> dict:
    from app.service.suspensions import lift_due

    return lift_due(local_today())


def bureau_reports() -> dict:
    """The month's reports from the 1st (the previous month), and the analysis of a published quarter."""
    from app.reports import bureau

    return bureau.periodic()
