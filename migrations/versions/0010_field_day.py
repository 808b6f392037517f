"""The field day: officers' enforcement certificate numbers (执法证号) on users, and licence-verification
tasks (licence_checks: the 虚假户 check opened when inspectors repeatedly find no shop; at most one open
task per licence, by a partial unique index that SQLite and PostgreSQL both keep).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('enforcement_cert_no', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_enforcement_cert_no'), ['enforcement_cert_no'])

    op.create_table(
        'licence_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=24), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('inspection_ids', sa.JSON(), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_licence_checks_status')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_licence_checks_closed_by_id_users')),
        sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_licence_checks_retailer_id_retailers')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_licence_checks_unit_id_org_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_checks')),
    )
    with op.batch_alter_table('licence_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_checks_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index('ix_licence_checks_unit_status', ['unit_id', 'status'], unique=False)
        batch_op.create_index('uq_licence_checks_open', ['retailer_id'], unique=True,
                              postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))


def downgrade():
    with op.batch_alter_table('licence_checks', schema=None) as batch_op:
        batch_op.drop_index('uq_licence_checks_open', postgresql_where=sa.text("status = 'open'"),
                            sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_licence_checks_unit_status')
        batch_op.drop_index(batch_op.f('ix_licence_checks_retailer_id'))
    op.drop_table('licence_checks')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_enforcement_cert_no'), type_='unique')
        batch_op.drop_column('enforcement_cert_no')
