"""Licence change and renewal requests (许可证变更/延续申请), with the green-channel flag fixed at
submission. At most one request of each kind waits per licence (a partial unique index, on both
engines).

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'licence_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('changes', sa.Text(), nullable=True),
        sa.Column('requested_until', sa.Date(), nullable=True),
        sa.Column('grade', sa.String(length=3), nullable=True),
        sa.Column('green_channel', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_on', sa.Date(), nullable=False),
        sa.Column('submitted_by_id', sa.Integer(), nullable=True),
        sa.Column('decide_due', sa.Date(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('change', 'renewal')", name=op.f('ck_licence_requests_kind')),
        sa.CheckConstraint("status IN ('submitted', 'approved', 'rejected')", name=op.f('ck_licence_requests_status')),
        sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'],
                                name=op.f('fk_licence_requests_retailer_id_retailers')),
        sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'],
                                name=op.f('fk_licence_requests_submitted_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_licence_requests_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_requests')),
    )
    with op.batch_alter_table('licence_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licence_requests_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_licence_requests_status'), ['status'], unique=False)
        batch_op.create_index('uq_licence_requests_open', ['retailer_id', 'kind'], unique=True,
                              postgresql_where=sa.text("status = 'submitted'"),
                              sqlite_where=sa.text("status = 'submitted'"))


def downgrade():
    with op.batch_alter_table('licence_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_licence_requests_open')
        batch_op.drop_index(batch_op.f('ix_licence_requests_status'))
        batch_op.drop_index(batch_op.f('ix_licence_requests_retailer_id'))
    op.drop_table('licence_requests')
