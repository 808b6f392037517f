"""retailer side: commitments, repair requests, objections, training, evidence files, notices,
SMS outbox, credit reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 03:56:08.972627

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sms_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('adapter', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_outbox'))
    )
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_outbox_notice_id'), ['notice_id'], unique=False)

    op.create_table('commitment_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commitment_texts_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_texts')),
    sa.UniqueConstraint('version', name=op.f('uq_commitment_texts_version'))
    )
    op.create_table('credit_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=32), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=3), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_credit_reports_issued_by_id_users')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_credit_reports_retailer_id_retailers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_reports')),
    sa.UniqueConstraint('serial', name=op.f('uq_credit_reports_serial'))
    )
    with op.batch_alter_table('credit_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_reports_retailer_id'), ['retailer_id'], unique=False)

    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('original_name', sa.String(length=128), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_evidence_files_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_evidence_files_stored_name'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_retailer_id'), ['retailer_id'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=True),
    sa.Column('dedupe_key', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_notices_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_dedupe_key'), ['dedupe_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_user_id'), ['user_id'], unique=False)

    op.create_table('training_completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_version', sa.String(length=16), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_completions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_completions'))
    )
    with op.batch_alter_table('training_completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_completions_user_id'), ['user_id'], unique=False)

    op.create_table('commitments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('text_id', sa.Integer(), nullable=False),
    sa.Column('text_version', sa.Integer(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signer_name', sa.String(length=64), nullable=False),
    sa.Column('signature_png', sa.LargeBinary(), nullable=False),
    sa.Column('signature_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.Column('bonus_record_id', sa.Integer(), nullable=True),
    sa.Column('breach_record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_commitments_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_commitments_signed_by_id_users')),
    sa.ForeignKeyConstraint(['text_id'], ['commitment_texts.id'], name=op.f('fk_commitments_text_id_commitment_texts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitments_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitments_status'), ['status'], unique=False)

    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('grade', sa.String(length=3), nullable=True),
    sa.Column('told_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('evidence_ids', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('answer_due', sa.Date(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_objections_answered_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_records.id'], name=op.f('fk_objections_record_id_credit_records')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_objections_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_objections_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_answer_due'), ['answer_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_objections_status'), ['status'], unique=False)

    op.create_table('repair_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('penalty_fulfilled', sa.Boolean(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=True),
    sa.Column('training_id', sa.Integer(), nullable=True),
    sa.Column('evidence_ids', sa.JSON(), nullable=False),
    sa.Column('eligibility', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('accept_due', sa.Date(), nullable=False),
    sa.Column('decide_due', sa.Date(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('more_info_note', sa.Text(), nullable=True),
    sa.Column('more_info_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_repair_requests_accepted_by_id_users')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_repair_requests_commitment_id_commitments')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_repair_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_records.id'], name=op.f('fk_repair_requests_record_id_credit_records')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_repair_requests_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_repair_requests_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['training_id'], ['training_completions.id'], name=op.f('fk_repair_requests_training_id_training_completions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_requests'))
    )
    with op.batch_alter_table('repair_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_requests_decide_due'), ['decide_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_requests_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_requests_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_requests_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('repair_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_requests_status'))
        batch_op.drop_index(batch_op.f('ix_repair_requests_retailer_id'))
        batch_op.drop_index(batch_op.f('ix_repair_requests_record_id'))
        batch_op.drop_index(batch_op.f('ix_repair_requests_decide_due'))

    op.drop_table('repair_requests')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_status'))
        batch_op.drop_index(batch_op.f('ix_objections_retailer_id'))
        batch_op.drop_index(batch_op.f('ix_objections_record_id'))
        batch_op.drop_index(batch_op.f('ix_objections_answer_due'))

    op.drop_table('objections')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitments_status'))
        batch_op.drop_index(batch_op.f('ix_commitments_retailer_id'))

    op.drop_table('commitments')
    with op.batch_alter_table('training_completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_completions_user_id'))

    op.drop_table('training_completions')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_user_id'))
        batch_op.drop_index(batch_op.f('ix_notices_retailer_id'))
        batch_op.drop_index(batch_op.f('ix_notices_dedupe_key'))

    op.drop_table('notices')
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_retailer_id'))

    op.drop_table('evidence_files')
    with op.batch_alter_table('credit_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_reports_retailer_id'))

    op.drop_table('credit_reports')
    op.drop_table('commitment_texts')
    with op.batch_alter_table('sms_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_outbox_notice_id'))

    op.drop_table('sms_outbox')
