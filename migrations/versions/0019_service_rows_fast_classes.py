"""Service rows for the set-based monthly run and letter classes: service_rows loses its three foreign
keys (run, retailer, unit: checked row by row they cost more than the rest of a million-licence run;
rows are written only by the run, from the retailers table) and gains class_adjusted, the city's letter
class after the credit adjustment (客户分类).

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_FKS = (('fk_service_rows_run_id_service_runs', 'run_id', 'service_runs', 'CASCADE'),
        ('fk_service_rows_retailer_id_retailers', 'retailer_id', 'retailers', None),
        ('fk_service_rows_unit_id_org_units', 'unit_id', 'org_units', None))


def upgrade():
    with op.batch_alter_table('service_rows') as batch:
        for name, _column, _table, _ondelete in _FKS:
            batch.drop_constraint(name, type_='foreignkey')
        batch.add_column(sa.Column('class_adjusted', sa.String(length=4), nullable=True))


def downgrade():
    with op.batch_alter_table('service_rows') as batch:
        batch.drop_column('class_adjusted')
        for name, column, table, ondelete in _FKS:
            batch.create_foreign_key(name, table, [column], ['id'], ondelete=ondelete)
