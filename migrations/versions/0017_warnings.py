"""Early warnings (失信预警): the warnings table; licence checks that found the shop gone propose the
licence for cancellation (licence_checks.cancellation: proposed, then cancelled or kept by a supervisor).
The warnings table: At most one open warning per shop and kind, kept by
a unique ``open_key`` set while open and cleared on close (NULLs never clash, on both engines).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

KINDS = ("near_boundary", "falling_trend", "suspected", "repeated_minor", "overdue_rectification", "shop_absent")
ACTIONS = ("guidance", "interview", "inspection", "licence_check")
OUTCOMES = ("resolved", "unfounded", "escalated")


def _in(col, values):
    return f"{col} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('licence_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancellation', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('cancellation_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_decided_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_decided_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_licence_checks_cancellation_decided_by_id_users'), 'users',
                                    ['cancellation_decided_by_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_licence_checks_cancellation'), "cancellation IS NULL OR cancellation IN ('proposed', 'cancelled', 'kept')")
    op.create_table(
        'warnings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('open_key', sa.String(length=48), nullable=True),
        sa.Column('raised_on', sa.Date(), nullable=False),
        sa.Column('raised_at', sa.DateTime(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=16), nullable=True),
        sa.Column('action_note', sa.Text(), nullable=True),
        sa.Column('action_at', sa.DateTime(), nullable=True),
        sa.Column('action_by_id', sa.Integer(), nullable=True),
        sa.Column('licence_check_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=12), nullable=True),
        sa.Column('close_note', sa.Text(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f('ck_warnings_kind')),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_warnings_status')),
        sa.CheckConstraint("action IS NULL OR " + _in("action", ACTIONS), name=op.f('ck_warnings_action')),
        sa.CheckConstraint("outcome IS NULL OR " + _in("outcome", OUTCOMES), name=op.f('ck_warnings_outcome')),
        sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_warnings_retailer_id_retailers')),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_warnings_unit_id_org_units')),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_warnings_owner_id_users')),
        sa.ForeignKeyConstraint(['action_by_id'], ['users.id'], name=op.f('fk_warnings_action_by_id_users')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_warnings_closed_by_id_users')),
        sa.ForeignKeyConstraint(['licence_check_id'], ['licence_checks.id'],
                                name=op.f('fk_warnings_licence_check_id_licence_checks')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_warnings')),
        sa.UniqueConstraint('open_key', name=op.f('uq_warnings_open_key')),
    )
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_warnings_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index('ix_warnings_unit_status', ['unit_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.drop_index('ix_warnings_unit_status')
        batch_op.drop_index(batch_op.f('ix_warnings_retailer_id'))
    op.drop_table('warnings')
    with op.batch_alter_table('licence_checks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_licence_checks_cancellation'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_licence_checks_cancellation_decided_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('cancellation_decided_by_id')
        batch_op.drop_column('cancellation_decided_at')
        batch_op.drop_column('cancellation_note')
        batch_op.drop_column('cancellation')
