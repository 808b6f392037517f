"""Scheduling: visits indexed by (plan_id, planned_on) instead of plan_id alone.

Re-planning after a grade change (app/scheduling/services.py::on_grade_change) reads one plan's
visits from a day on (load per day and pair), the lowest-risk visit in a date window, and one pair's
stops on one day; all filter on plan_id and planned_on. The composite index serves them and every
plan_id-only lookup (its leading column), so the single-column index goes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 06:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_plan_day', ['plan_id', 'planned_on'], unique=False)
        batch_op.drop_index('ix_visits_plan_id')


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_plan_id', ['plan_id'], unique=False)
        batch_op.drop_index('ix_visits_plan_day')
