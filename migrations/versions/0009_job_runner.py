"""Job runner: long jobs with progress, job heartbeats, de-duplication keys enforced by the database
(notices per user, visits made by consumers), the SMS outbox as a delivery queue.

- ``jobs``: a long job started by a person (kind, state, progress, result link, error, who).
- ``job_heartbeats``: when each background job last ran and how it ended (the status page).
- ``notices``: UNIQUE (user_id, dedupe_key) replaces the plain index; writers insert-or-ignore.
  Duplicates left by the old select-then-insert keep their first row's key; later ones lose the key.
- ``visits.dedupe_key``: UNIQUE, set on visits a consumer creates for an event.
- ``sms_outbox``: send_key (the gateway's idempotency key), attempts, next attempt, claim time, last
  error, provider reference, sent/updated times. Rows the old recording adapter wrote become sent.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=64), nullable=True),
    sa.Column('result_link', sa.String(length=200), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_jobs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('job_heartbeats',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('last_started_at', sa.DateTime(), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(), nullable=True),
    sa.Column('last_ok_at', sa.DateTime(), nullable=True),
    sa.Column('last_outcome', sa.String(length=12), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_summary', sa.String(length=200), nullable=True),
    sa.Column('last_duration_ms', sa.Integer(), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_heartbeats'))
    )

    # Old duplicates (select-then-insert under concurrency) keep the key on their first row only.
    op.execute("UPDATE notices SET dedupe_key = NULL WHERE dedupe_key IS NOT NULL AND id > ("
               "SELECT MIN(n2.id) FROM notices n2 WHERE n2.user_id = notices.user_id "
               "AND n2.dedupe_key = notices.dedupe_key)")
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_dedupe_key')
        batch_op.create_unique_constraint(batch_op.f('uq_notices_user_id'), ['user_id', 'dedupe_key'])

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_visits_dedupe_key'), ['dedupe_key'])

    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('provider_ref', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('adapter', existing_type=sa.String(length=32), nullable=True)
    op.execute("UPDATE sms_outbox SET send_key = 'sms:' || CAST(id AS VARCHAR(20)), next_attempt_at = created_at, "
               "updated_at = created_at, sent_at = CASE WHEN status = 'recorded' THEN created_at END, "
               "attempts = CASE WHEN status = 'recorded' THEN 1 ELSE 0 END, "
               "status = CASE WHEN status = 'recorded' THEN 'sent' ELSE status END")
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.alter_column('send_key', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('next_attempt_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('attempts', existing_type=sa.Integer(), server_default=None)
        batch_op.create_unique_constraint(batch_op.f('uq_sms_outbox_send_key'), ['send_key'])
        batch_op.create_index('ix_sms_outbox_status_next', ['status', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_sms_outbox_status_next')
        batch_op.drop_constraint(batch_op.f('uq_sms_outbox_send_key'), type_='unique')
    op.execute("UPDATE sms_outbox SET adapter = COALESCE(adapter, 'recording'), "
               "status = CASE WHEN status = 'sent' THEN 'recorded' ELSE status END")
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.alter_column('adapter', existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_column('updated_at')
        batch_op.drop_column('sent_at')
        batch_op.drop_column('provider_ref')
        batch_op.drop_column('last_error')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('send_key')

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_visits_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_notices_user_id'), type_='unique')
        batch_op.create_index('ix_notices_dedupe_key', ['dedupe_key'], unique=False)

    op.drop_table('job_heartbeats')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_created_by_id'))
        batch_op.drop_index('ix_jobs_state_created')
    op.drop_table('jobs')
