"""Customer tiers and supply (客户分档、货源投放): service policy versions, the ordering system's monthly
figures, monthly service runs and their rows, supply suspensions (decisions with an objection), hardship
flags (at most one in force per licence, by a partial unique index) and the export's delivery log.

The marketing supervisor (mkt_supervisor) and the ordering system's account (ordering) are roles of the
existing role model (users.role, a string of at most 16 characters): no column changes for them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _fk(table, col, target):
    return sa.ForeignKeyConstraint([col], [f'{target}.id'], name=op.f(f'fk_{table}_{col}_{target}'))


def upgrade():
    op.create_table(
        'service_policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=16), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('source_text', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        _fk('service_policies', 'created_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_policies')),
        sa.UniqueConstraint('version', name=op.f('uq_service_policies_version')),
    )
    op.create_table(
        'ordering_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('base_tier', sa.Integer(), nullable=False),
        sa.Column('class_code', sa.String(length=4), nullable=True),
        sa.Column('order_amount_fen', sa.Integer(), nullable=False),
        sa.Column('order_cartons', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('base_tier >= 1 AND base_tier <= 30', name=op.f('ck_ordering_figures_base_tier_range')),
        _fk('ordering_figures', 'retailer_id', 'retailers'),
        _fk('ordering_figures', 'imported_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ordering_figures')),
        sa.UniqueConstraint('retailer_id', 'month', name=op.f('uq_ordering_figures_retailer_id')),
    )
    op.create_index('ix_ordering_figures_month', 'ordering_figures', ['month'])
    op.create_table(
        'service_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle', sa.String(length=7), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('policy_version', sa.String(length=16), nullable=False),
        sa.Column('licence_count', sa.Integer(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('publish_note', sa.Text(), nullable=True),
        sa.Column('export_sha256', sa.String(length=64), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'published')", name=op.f('ck_service_runs_state')),
        _fk('service_runs', 'created_by_id', 'users'),
        _fk('service_runs', 'published_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_runs')),
    )
    op.create_index(op.f('ix_service_runs_cycle'), 'service_runs', ['cycle'])
    op.create_index('uq_service_runs_published', 'service_runs', ['cycle'], unique=True,
                    postgresql_where=sa.text("state = 'published'"), sqlite_where=sa.text("state = 'published'"))
    op.create_table(
        'service_rows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=3), nullable=False),
        sa.Column('base_tier', sa.Integer(), nullable=False),
        sa.Column('base_source', sa.String(length=8), nullable=False),
        sa.Column('class_code', sa.String(length=4), nullable=True),
        sa.Column('tier', sa.Integer(), nullable=False),
        sa.Column('coefficient_pct', sa.Integer(), nullable=False),
        sa.Column('scarce_priority', sa.Integer(), nullable=False),
        sa.Column('suspended', sa.Boolean(), nullable=False),
        sa.Column('changed', sa.Boolean(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('proposal', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['service_runs.id'], name=op.f('fk_service_rows_run_id_service_runs'),
                                ondelete='CASCADE'),
        _fk('service_rows', 'retailer_id', 'retailers'),
        _fk('service_rows', 'unit_id', 'org_units'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_rows')),
        sa.UniqueConstraint('run_id', 'retailer_id', name=op.f('uq_service_rows_run_id')),
    )
    op.create_index('ix_service_rows_run_unit', 'service_rows', ['run_id', 'unit_id'])
    op.create_index(op.f('ix_service_rows_retailer_id'), 'service_rows', ['retailer_id'])
    op.create_table(
        'supply_suspensions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('cause_key', sa.String(length=40), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=3), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=True),
        sa.Column('legal_basis', sa.Text(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('objection_until', sa.Date(), nullable=False),
        sa.Column('objection_status', sa.String(length=8), nullable=True),
        sa.Column('objection_text', sa.Text(), nullable=True),
        sa.Column('objected_at', sa.DateTime(), nullable=True),
        sa.Column('objected_by_id', sa.Integer(), nullable=True),
        sa.Column('answer_due', sa.Date(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('lifted_on', sa.Date(), nullable=True),
        sa.Column('lifted_at', sa.DateTime(), nullable=True),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.Column('lift_reason', sa.String(length=16), nullable=True),
        sa.Column('lift_note', sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('grade', 'circulation')", name=op.f('ck_supply_suspensions_kind')),
        sa.CheckConstraint("status IN ('active', 'lifted')", name=op.f('ck_supply_suspensions_status')),
        _fk('supply_suspensions', 'retailer_id', 'retailers'),
        _fk('supply_suspensions', 'unit_id', 'org_units'),
        _fk('supply_suspensions', 'record_id', 'credit_records'),
        _fk('supply_suspensions', 'run_id', 'service_runs'),
        _fk('supply_suspensions', 'decided_by_id', 'users'),
        _fk('supply_suspensions', 'objected_by_id', 'users'),
        _fk('supply_suspensions', 'answered_by_id', 'users'),
        _fk('supply_suspensions', 'lifted_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_suspensions')),
        sa.UniqueConstraint('retailer_id', 'cause_key', name=op.f('uq_supply_suspensions_retailer_id')),
    )
    op.create_index(op.f('ix_supply_suspensions_retailer_id'), 'supply_suspensions', ['retailer_id'])
    op.create_index('ix_supply_suspensions_status', 'supply_suspensions', ['status', 'ends_on'])
    op.create_table(
        'hardship_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('review_on', sa.Date(), nullable=False),
        sa.Column('set_at', sa.DateTime(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.Column('revoke_reason', sa.Text(), nullable=True),
        _fk('hardship_flags', 'retailer_id', 'retailers'),
        _fk('hardship_flags', 'unit_id', 'org_units'),
        _fk('hardship_flags', 'set_by_id', 'users'),
        _fk('hardship_flags', 'revoked_by_id', 'users'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hardship_flags')),
    )
    op.create_index(op.f('ix_hardship_flags_retailer_id'), 'hardship_flags', ['retailer_id'])
    op.create_index('uq_hardship_flags_active', 'hardship_flags', ['retailer_id'], unique=True,
                    postgresql_where=sa.text('revoked_at IS NULL'), sqlite_where=sa.text('revoked_at IS NULL'))
    op.create_table(
        'service_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('matched', sa.Boolean(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        _fk('service_deliveries', 'run_id', 'service_runs'),
        _fk('service_deliveries', 'user_id', 'users'),
        _fk('service_deliveries', 'token_id', 'api_tokens'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_deliveries')),
    )
    op.create_index(op.f('ix_service_deliveries_run_id'), 'service_deliveries', ['run_id'])


def downgrade():
    op.drop_index(op.f('ix_service_deliveries_run_id'), table_name='service_deliveries')
    op.drop_table('service_deliveries')
    op.drop_index('uq_hardship_flags_active', table_name='hardship_flags',
                  postgresql_where=sa.text('revoked_at IS NULL'), sqlite_where=sa.text('revoked_at IS NULL'))
    op.drop_index(op.f('ix_hardship_flags_retailer_id'), table_name='hardship_flags')
    op.drop_table('hardship_flags')
    op.drop_index('ix_supply_suspensions_status', table_name='supply_suspensions')
    op.drop_index(op.f('ix_supply_suspensions_retailer_id'), table_name='supply_suspensions')
    op.drop_table('supply_suspensions')
    op.drop_index(op.f('ix_service_rows_retailer_id'), table_name='service_rows')
    op.drop_index('ix_service_rows_run_unit', table_name='service_rows')
    op.drop_table('service_rows')
    op.drop_index('uq_service_runs_published', table_name='service_runs',
                  postgresql_where=sa.text("state = 'published'"), sqlite_where=sa.text("state = 'published'"))
    op.drop_index(op.f('ix_service_runs_cycle'), table_name='service_runs')
    op.drop_table('service_runs')
    op.drop_index('ix_ordering_figures_month', table_name='ordering_figures')
    op.drop_table('ordering_figures')
    op.drop_table('service_policies')
