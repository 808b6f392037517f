"""The bureau's own reports (月度动态更新, 统计分析报告, 通报) kept as PDF files: bureau_reports.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'bureau_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('generated_at', sa.DateTime(), nullable=False),
        sa.Column('file_key', sa.String(length=80), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_bureau_reports_unit_id_org_units')),
        sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_bureau_reports_job_id_jobs')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_bureau_reports_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bureau_reports')),
        sa.UniqueConstraint('file_key', name=op.f('uq_bureau_reports_file_key')),
    )
    with op.batch_alter_table('bureau_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bureau_reports_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_bureau_reports_kind_period', ['kind', 'period'], unique=False)


def downgrade():
    with op.batch_alter_table('bureau_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_bureau_reports_kind_period')
        batch_op.drop_index(batch_op.f('ix_bureau_reports_unit_id'))
    op.drop_table('bureau_reports')
