"""The supervisors' dashboard: pre-aggregated figures (one row per county, metric, key and quarter)
rewritten by the refresh job, and the single row saying when they were taken.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

METRICS = ("shops", "grade", "movers", "suspected_age", "overdue", "deadline", "coverage", "violation_type",
           "violation_format", "warnings")


def upgrade():
    op.create_table(
        'dashboard_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('metric', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=24), nullable=False),
        sa.Column('period', sa.String(length=6), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.CheckConstraint("metric IN (" + ", ".join(f"'{m}'" for m in METRICS) + ")",
                           name=op.f('ck_dashboard_figures_metric')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_dashboard_figures_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_figures')),
    )
    with op.batch_alter_table('dashboard_figures', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_figures_figure', ['metric', 'unit_id', 'key', 'period'], unique=True)
    state = op.create_table(
        'dashboard_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=True),
        sa.Column('quarter', sa.String(length=6), nullable=True),
        sa.Column('latest_quarter', sa.String(length=6), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('trigger', sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_state')),
    )
    op.bulk_insert(state, [{"id": 1}])  # the one row the refresh locks and updates


def downgrade():
    op.drop_table('dashboard_state')
    with op.batch_alter_table('dashboard_figures', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_figures_figure')
    op.drop_table('dashboard_figures')
