"""One fact, one record; random draws stratified by the published grade.

1. ``uq_credit_records_fact``: a partial unique index on the identity of a credit fact, (retailer_id,
   indicator_code, occurred_on, coalesce(case_number, '')) where status <> 'dismissed' (both PostgreSQL
   and SQLite have expression and partial indexes). Records without a case number are one value, so
   two of them of the same licence, indicator and date are the same fact.

   A database that already holds such duplicates is refused, with the list: marking the later ones in a
   migration would change records with legal weight without their status history, audit entry and
   grade recomputation. ``flask credit duplicates`` lists them; ``flask credit duplicates --dismiss --as
   <admin>`` dismisses every later record through the credit service (history, audit, grades), keeping
   the first; then run the upgrade again.

2. ``random_draws.grade_basis`` ("published": the strata are the official quarterly grades, which the
   public may see; "live": a draw made before this revision, stratified by the unpublished live grade)
   and ``random_draws.grades_quarter`` (the published quarter the strata use).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

FACT = "(retailer_id, indicator_code, occurred_on, coalesce(case_number, ''))"


def _refuse_duplicates():
    rows = op.get_bind().execute(sa.text(
        "SELECT retailer_id, indicator_code, occurred_on, coalesce(case_number, '') AS case_no, id "
        "FROM credit_records WHERE status <> 'dismissed' ORDER BY retailer_id, indicator_code, occurred_on, "
        "case_no, id")).all()
    groups, last, current = [], None, []
    for rid, code, day, case, rec_id in rows:
        key = (rid, code, str(day), case)
        if key != last:
            if len(current) > 1:
                groups.append((last, current))
            last, current = key, []
        current.append(rec_id)
    if len(current) > 1:
        groups.append((last, current))
    if not groups:
        return
    lines = [f"  retailer {k[0]}, {k[1]}, {k[2]}, case '{k[3]}': records {', '.join(map(str, ids))}"
             for k, ids in groups[:20]]
    more = f"\n  ... and {len(groups) - 20} more" if len(groups) > 20 else ""
    raise RuntimeError(
        f"Cannot add the one-fact-one-record constraint: {len(groups)} credit facts are recorded more than once "
        "(same licence, indicator, date and case number, not dismissed):\n" + "\n".join(lines) + more +
        "\nNothing was changed. Dismiss the later duplicates through the application, which keeps their status "
        "history, writes the audit trail and recomputes the grades:\n"
        "  flask --app wsgi credit duplicates --dismiss --as <admin account>\n"
        "then run `flask --app wsgi db upgrade` again.")


def upgrade():
    _refuse_duplicates()
    op.execute(f"CREATE UNIQUE INDEX uq_credit_records_fact ON credit_records {FACT} WHERE status <> 'dismissed'")

    with op.batch_alter_table('random_draws', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade_basis', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('grades_quarter', sa.String(length=6), nullable=True))
    op.execute("UPDATE random_draws SET grade_basis = 'live'")
    with op.batch_alter_table('random_draws', schema=None) as batch_op:
        batch_op.alter_column('grade_basis', existing_type=sa.String(length=12), nullable=False)


def downgrade():
    with op.batch_alter_table('random_draws', schema=None) as batch_op:
        batch_op.drop_column('grades_quarter')
        batch_op.drop_column('grade_basis')
    op.execute("DROP INDEX uq_credit_records_fact")
