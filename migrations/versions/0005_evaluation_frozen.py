"""Quarterly evaluation: evaluation_rows without foreign keys or the retailer index; published
runs frozen.

1. The three foreign keys of evaluation_rows (run, retailer, unit) are dropped. Rows are written only
   by the batch (app/evaluation/batch.py), one INSERT ... SELECT from the retailers table for a run
   created in the same transaction, so the references hold by construction; retailers, units and runs
   are never deleted (only by the demo reset, which deletes the rows first). Checked row by row, the
   three keys cost 13-19 s per million rows on PostgreSQL (each check locks the referenced row),
   two to three times the whole floor of the benchmark (docs/evaluation.md).
   The index on retailer_id goes too: a licence's rows are reached through the runs (a few a
   year) and the primary key (run_id, retailer_id); maintaining a second index while a
   million rows are inserted costs up to 2 s more with each quarter kept.
2. A published evaluation run is never changed: triggers refuse to update its rows, and refuse any
   change to the run itself except published -> superseded. Inserting and deleting rows are left to
   the services (which never touch a published run's rows) and to the demo reset; a check on insert
   would cost seconds on a million-row run.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 05:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

RUN_COLUMNS = ("id", "quarter", "as_of", "inputs_hash", "catalogue_versions", "policy_version", "retailer_count",
               "summary", "created_at", "created_by_id", "computed_at", "reviewed_at", "reviewed_by_id",
               "published_at", "published_by_id", "objection_closes_on", "supersedes_id", "reason")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION evaluation_published_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_TABLE_NAME = 'evaluation_rows' THEN
        IF EXISTS (SELECT 1 FROM evaluation_runs WHERE id = OLD.run_id AND status IN ('published', 'superseded')) THEN
            RAISE EXCEPTION 'evaluation run % is published: its rows cannot be changed', OLD.run_id;
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status IN ('published', 'superseded') AND NOT (
            OLD.status = 'published' AND NEW.status = 'superseded'
            AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status')) THEN
        RAISE EXCEPTION 'evaluation run % is %: it cannot be changed (only published -> superseded)',
            OLD.id, OLD.status;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""

SQLITE_ROWS = """
CREATE TRIGGER evaluation_rows_frozen BEFORE UPDATE ON evaluation_rows
WHEN (SELECT status FROM evaluation_runs WHERE id = OLD.run_id) IN ('published', 'superseded')
BEGIN
    SELECT RAISE(ABORT, 'evaluation rows of a published run cannot be changed');
END
"""

SQLITE_RUNS = """
CREATE TRIGGER evaluation_runs_frozen BEFORE UPDATE ON evaluation_runs
WHEN OLD.status IN ('published', 'superseded') AND NOT (
    OLD.status = 'published' AND NEW.status = 'superseded' AND {same})
BEGIN
    SELECT RAISE(ABORT, 'a published evaluation run cannot be changed (only published -> superseded)');
END
""".format(same=" AND ".join(f"NEW.{c} IS OLD.{c}" for c in RUN_COLUMNS))


FOREIGN_KEYS = (
    ("fk_evaluation_rows_retailer_id_retailers", "retailers", "retailer_id", None),
    ("fk_evaluation_rows_run_id_evaluation_runs", "evaluation_runs", "run_id", "CASCADE"),
    ("fk_evaluation_rows_unit_id_org_units", "org_units", "unit_id", None),
)


def upgrade():
    with op.batch_alter_table("evaluation_rows", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_rows_retailer_id")
        for name, _table, _column, _ondelete in FOREIGN_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in ("evaluation_rows", "evaluation_runs"):
            op.execute(f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION evaluation_published_frozen()")
    else:
        op.execute(SQLITE_ROWS)
        op.execute(SQLITE_RUNS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("evaluation_rows", "evaluation_runs"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
        op.execute("DROP FUNCTION IF EXISTS evaluation_published_frozen()")
    else:
        op.execute("DROP TRIGGER IF EXISTS evaluation_rows_frozen")
        op.execute("DROP TRIGGER IF EXISTS evaluation_runs_frozen")
    with op.batch_alter_table("evaluation_rows", schema=None) as batch_op:
        for name, table, column, ondelete in FOREIGN_KEYS:
            batch_op.create_foreign_key(name, table, [column], ["id"], ondelete=ondelete)
        batch_op.create_index("ix_evaluation_rows_retailer_id", ["retailer_id"], unique=False)
