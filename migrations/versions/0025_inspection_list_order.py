"""Inspection lists are shown newest first (visit date, then id): the indexes carry the id too, so a
page is read straight from the index in that order instead of sorting every inspection of the day
(a county records hundreds on a busy day). The city-wide list gets its own index.

Revision ID: 0025
Revises: 0024
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index('ix_inspections_unit_occurred')
        batch_op.create_index('ix_inspections_unit_occurred', ['unit_id', 'occurred_on', 'id'], unique=False)
        batch_op.create_index('ix_inspections_occurred', ['occurred_on', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index('ix_inspections_occurred')
        batch_op.drop_index('ix_inspections_unit_occurred')
        batch_op.create_index('ix_inspections_unit_occurred', ['unit_id', 'occurred_on'], unique=False)
