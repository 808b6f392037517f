"""Tables that later parts of the domain add, which the demo reset deletes (children first, in the
order of their foreign keys). Each part that adds tables appends to WIPE_ORDER."""
from app.extensions import db

# Names of tables to delete before users/retailers/operators on a demo reset.
WIPE_ORDER: list[str] = [
    "dashboard_figures",
    "exchange_reconciliations", "exchange_batches", "exchange_items",
    "list_objections", "list_entry_events", "list_entries", "list_policy_versions",
    "partner_reads", "partner_notifications", "partner_findings", "partner_agreements",
    "bank_queries", "bank_consents", "banks", "open_grades", "open_datasets",
    "self_check_photos", "self_checks", "model_awards", "group_rating_bonuses", "group_rating_objections",
    "group_ratings", "group_rating_rounds", "group_memberships", "integrity_groups",
    "warnings", "licence_checks",
    "service_deliveries", "supply_suspensions", "service_rows", "service_runs", "hardship_flags",
    "ordering_figures", "service_policies",
    "rectification_checks", "inspection_files", "interviews", "rectification_items", "inspection_violations",
    "inspection_checks", "inspections", "stored_files",
    "visits", "random_draws", "inspection_plans", "inspector_settings", "scheduling_policies",
    "repair_requests", "objections", "training_completions", "evidence_files", "commitments",
    "commitment_texts", "notices", "sms_outbox", "credit_reports", "bureau_reports",
    "evaluation_rows", "evaluation_runs", "grade_changes", "event_cursors", "retailer_grades",
    "credit_record_events", "credit_records", "catalogue_versions", "policy_versions",
]


def tables_to_wipe():
    """The tables of WIPE_ORDER, children first as the foreign keys say (the list itself need not be
    in order: PostgreSQL enforces every key, SQLite may not)."""
    wanted = set(WIPE_ORDER)
    return [t for t in reversed(db.metadata.sorted_tables) if t.name in wanted]
