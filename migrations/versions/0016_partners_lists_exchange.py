"""Credit beyond the bureau: partner agreements, findings pushed by partners (signed with a per-token
signing secret, new column api_tokens.signing_secret), their outcome notifications and the partner read
log; red and black lists (versioned list policy, entries with one active entry per licence and list by
a partial unique index, their history and objections); the exchange with the local credit platform
(items, batches, reconciliation reports).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 10:05:46.337164

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exchange_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('grades_run_id', sa.Integer(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('item_states', sa.JSON(), nullable=False),
    sa.Column('folder', sa.String(length=512), nullable=False),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_batches')),
    sa.UniqueConstraint('grades_run_id', name=op.f('uq_exchange_batches_grades_run_id'))
    )
    with op.batch_alter_table('exchange_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_batches_day'), ['day'], unique=False)
        batch_op.create_index('ix_exchange_batches_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('exchange_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('desired', sa.String(length=12), nullable=False),
    sa.Column('acknowledged', sa.String(length=12), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_items')),
    sa.UniqueConstraint('key', name=op.f('uq_exchange_items_key'))
    )
    with op.batch_alter_table('exchange_items', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_items_pending', ['desired', 'acknowledged'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_items_retailer_id'), ['retailer_id'], unique=False)

    op.create_table('exchange_reconciliations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('matching', sa.Integer(), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_reconciliations'))
    )
    op.create_table('list_policy_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=16), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_list_policy_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_policy_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_list_policy_versions_version'))
    )
    op.create_table('partner_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=128), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('grades', sa.JSON(), nullable=False),
    sa.Column('lists', sa.JSON(), nullable=False),
    sa.Column('finding_types', sa.JSON(), nullable=False),
    sa.Column('callback_url', sa.String(length=512), nullable=True),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_partner_agreements_updated_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_partner_agreements_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_agreements')),
    sa.UniqueConstraint('user_id', name=op.f('uq_partner_agreements_user_id'))
    )
    op.create_table('partner_reads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=32), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=True),
    sa.Column('retailer_id', sa.Integer(), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], name=op.f('fk_partner_reads_partner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_reads'))
    )
    with op.batch_alter_table('partner_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_reads_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_reads_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_reads_retailer_id'), ['retailer_id'], unique=False)

    op.create_table('list_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('policy_version', sa.String(length=16), nullable=False),
    sa.Column('criterion', sa.String(length=32), nullable=False),
    sa.Column('basis_record_id', sa.Integer(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('notice_from', sa.Date(), nullable=True),
    sa.Column('notice_until', sa.Date(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('exit_proposed_at', sa.DateTime(), nullable=True),
    sa.Column('exit_reason', sa.String(length=24), nullable=True),
    sa.Column('exited_on', sa.Date(), nullable=True),
    sa.Column('exited_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['basis_record_id'], ['credit_records.id'], name=op.f('fk_list_entries_basis_record_id_credit_records')),
    sa.ForeignKeyConstraint(['exited_by_id'], ['users.id'], name=op.f('fk_list_entries_exited_by_id_users')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_list_entries_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_list_entries_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['run_id'], ['evaluation_runs.id'], name=op.f('fk_list_entries_run_id_evaluation_runs')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_list_entries_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_entries'))
    )
    with op.batch_alter_table('list_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_entries_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index('ix_list_entries_status', ['status', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_entries_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('uq_list_entries_active', ['retailer_id', 'kind'], unique=True, postgresql_where=sa.text("status IN ('proposed', 'notice', 'effective')"), sqlite_where=sa.text("status IN ('proposed', 'notice', 'effective')"))

    op.create_table('partner_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('finding_type', sa.String(length=32), nullable=False),
    sa.Column('document_no', sa.String(length=64), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], name=op.f('fk_partner_findings_partner_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_records.id'], name=op.f('fk_partner_findings_record_id_credit_records')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_partner_findings_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], name=op.f('fk_partner_findings_token_id_api_tokens')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_findings')),
    sa.UniqueConstraint('partner_id', 'document_no', name='uq_partner_findings_document'),
    sa.UniqueConstraint('partner_id', 'idempotency_key', name='uq_partner_findings_key'),
    sa.UniqueConstraint('record_id', name=op.f('uq_partner_findings_record_id'))
    )
    with op.batch_alter_table('partner_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_findings_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_findings_retailer_id'), ['retailer_id'], unique=False)

    op.create_table('list_entry_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_list_entry_events_actor_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['list_entries.id'], name=op.f('fk_list_entry_events_entry_id_list_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_entry_events'))
    )
    with op.batch_alter_table('list_entry_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_entry_events_entry_id'), ['entry_id'], unique=False)

    op.create_table('list_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('answer_due', sa.Date(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_list_objections_answered_by_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['list_entries.id'], name=op.f('fk_list_objections_entry_id_list_entries')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_list_objections_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_list_objections_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_list_objections'))
    )
    with op.batch_alter_table('list_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_objections_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_list_objections_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index('uq_list_objections_open', ['entry_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    op.create_table('partner_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Integer(), nullable=True),
    sa.Column('list_entry_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('send_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['partner_findings.id'], name=op.f('fk_partner_notifications_finding_id_partner_findings')),
    sa.ForeignKeyConstraint(['list_entry_id'], ['list_entries.id'], name=op.f('fk_partner_notifications_list_entry_id_list_entries')),
    sa.ForeignKeyConstraint(['partner_id'], ['users.id'], name=op.f('fk_partner_notifications_partner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_notifications')),
    sa.UniqueConstraint('send_key', name=op.f('uq_partner_notifications_send_key'))
    )
    with op.batch_alter_table('partner_notifications', schema=None) as batch_op:
        batch_op.create_index('ix_partner_notifications_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_notifications_finding_id'), ['finding_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_notifications_list_entry_id'), ['list_entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_notifications_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signing_secret', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('signing_secret')

    with op.batch_alter_table('partner_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_notifications_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_notifications_list_entry_id'))
        batch_op.drop_index(batch_op.f('ix_partner_notifications_finding_id'))
        batch_op.drop_index('ix_partner_notifications_due')

    op.drop_table('partner_notifications')
    with op.batch_alter_table('list_objections', schema=None) as batch_op:
        batch_op.drop_index('uq_list_objections_open', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_list_objections_retailer_id'))
        batch_op.drop_index(batch_op.f('ix_list_objections_entry_id'))

    op.drop_table('list_objections')
    with op.batch_alter_table('list_entry_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_list_entry_events_entry_id'))

    op.drop_table('list_entry_events')
    with op.batch_alter_table('partner_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_findings_retailer_id'))
        batch_op.drop_index(batch_op.f('ix_partner_findings_partner_id'))

    op.drop_table('partner_findings')
    with op.batch_alter_table('list_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_list_entries_active', postgresql_where=sa.text("status IN ('proposed', 'notice', 'effective')"), sqlite_where=sa.text("status IN ('proposed', 'notice', 'effective')"))
        batch_op.drop_index(batch_op.f('ix_list_entries_unit_id'))
        batch_op.drop_index('ix_list_entries_status')
        batch_op.drop_index(batch_op.f('ix_list_entries_retailer_id'))

    op.drop_table('list_entries')
    with op.batch_alter_table('partner_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_reads_retailer_id'))
        batch_op.drop_index(batch_op.f('ix_partner_reads_partner_id'))
        batch_op.drop_index(batch_op.f('ix_partner_reads_at'))

    op.drop_table('partner_reads')
    op.drop_table('partner_agreements')
    op.drop_table('list_policy_versions')
    op.drop_table('exchange_reconciliations')
    with op.batch_alter_table('exchange_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_items_retailer_id'))
        batch_op.drop_index('ix_exchange_items_pending')

    op.drop_table('exchange_items')
    with op.batch_alter_table('exchange_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_batches_due')
        batch_op.drop_index(batch_op.f('ix_exchange_batches_day'))

    op.drop_table('exchange_batches')
