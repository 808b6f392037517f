"""Tables that later parts of the domain add, in the order the demo reset must delete them
(children first). Each part that adds tables appends to WIPE_ORDER."""
from app.extensions import db

# Names of tables to delete before users/retailers/operators on a demo reset.
WIPE_ORDER: list[str] = [
    "rectification_checks", "inspection_files", "interviews", "rectification_items", "inspection_violations",
    "inspection_checks", "inspections", "stored_files",
    "visits", "random_draws", "inspection_plans", "inspector_settings", "scheduling_policies",
    "repair_requests", "objections", "training_completions", "evidence_files", "commitments",
    "commitment_texts", "notices", "sms_outbox", "credit_reports",
    "evaluation_rows", "evaluation_runs", "grade_changes", "event_cursors", "retailer_grades",
    "credit_record_events", "credit_records", "catalogue_versions", "policy_versions",
]


def tables_to_wipe():
    return [db.metadata.tables[name] for name in WIPE_ORDER if name in db.metadata.tables]
