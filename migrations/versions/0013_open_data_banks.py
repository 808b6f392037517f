"""Open data and banks: the published grades of each quarter frozen as an open data set (open_datasets,
open_grades: names masked, with the bulk CSV file made by the job runner); banks (partner accounts of
kind bank), retailers' consents to them (bank_consents) and every query a bank made (bank_queries).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'open_datasets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.String(length=6), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('published_on', sa.Date(), nullable=False),
        sa.Column('public_from', sa.Date(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('csv_path', sa.String(length=256), nullable=False),
        sa.Column('csv_sha256', sa.String(length=64), nullable=False),
        sa.Column('csv_size', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['run_id'], ['evaluation_runs.id'], name=op.f('fk_open_datasets_run_id_evaluation_runs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open_datasets')),
        sa.UniqueConstraint('run_id', name=op.f('uq_open_datasets_run_id')),
    )
    with op.batch_alter_table('open_datasets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_datasets_quarter'), ['quarter'], unique=False)

    op.create_table(
        'open_grades',
        sa.Column('dataset_id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('licence_no', sa.String(length=12), nullable=False),
        sa.Column('shop_name', sa.String(length=128), nullable=False),
        sa.Column('operator_name', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=256), nullable=False),
        sa.Column('county_code', sa.String(length=6), nullable=False),
        sa.Column('county', sa.String(length=64), nullable=False),
        sa.Column('grade', sa.String(length=3), nullable=False),
        sa.Column('lat', sa.Float(), nullable=True),
        sa.Column('lng', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['dataset_id'], ['open_datasets.id'], name=op.f('fk_open_grades_dataset_id_open_datasets'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('dataset_id', 'retailer_id', name=op.f('pk_open_grades')),
    )
    with op.batch_alter_table('open_grades', schema=None) as batch_op:
        batch_op.create_index('uq_open_grades_dataset_seq', ['dataset_id', 'seq'], unique=True)

    op.create_table(
        'banks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('is_enabled', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_banks_created_by_id_users')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_banks_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_banks')),
        sa.UniqueConstraint('name', name=op.f('uq_banks_name')),
        sa.UniqueConstraint('user_id', name=op.f('uq_banks_user_id')),
    )

    op.create_table(
        'bank_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('granted_at', sa.DateTime(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("scope IN ('grade', 'report')", name=op.f('ck_bank_consents_scope')),
        sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_bank_consents_bank_id_banks')),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_bank_consents_granted_by_id_users')),
        sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_bank_consents_retailer_id_retailers')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_bank_consents_revoked_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_consents')),
    )
    with op.batch_alter_table('bank_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_consents_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index('ix_bank_consents_bank_retailer', ['bank_id', 'retailer_id'], unique=False)

    op.create_table(
        'bank_queries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.Column('retailer_id', sa.Integer(), nullable=False),
        sa.Column('consent_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('grade', sa.String(length=3), nullable=True),
        sa.Column('report_serial', sa.String(length=32), nullable=True),
        sa.CheckConstraint("kind IN ('grade', 'report', 'report_pdf')", name=op.f('ck_bank_queries_kind')),
        sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_bank_queries_bank_id_banks')),
        sa.ForeignKeyConstraint(['consent_id'], ['bank_consents.id'], name=op.f('fk_bank_queries_consent_id_bank_consents')),
        sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_bank_queries_retailer_id_retailers')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_queries')),
    )
    with op.batch_alter_table('bank_queries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_queries_bank_id'), ['bank_id'], unique=False)
        batch_op.create_index('ix_bank_queries_retailer_at', ['retailer_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_queries', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_queries_retailer_at')
        batch_op.drop_index(batch_op.f('ix_bank_queries_bank_id'))
    op.drop_table('bank_queries')
    with op.batch_alter_table('bank_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_consents_bank_retailer')
        batch_op.drop_index(batch_op.f('ix_bank_consents_retailer_id'))
    op.drop_table('bank_consents')
    op.drop_table('banks')
    with op.batch_alter_table('open_grades', schema=None) as batch_op:
        batch_op.drop_index('uq_open_grades_dataset_seq')
    op.drop_table('open_grades')
    with op.batch_alter_table('open_datasets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_datasets_quarter'))
    op.drop_table('open_datasets')
