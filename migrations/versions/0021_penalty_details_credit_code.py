"""双公示 details: a credit record's administrative penalty (kinds, content, the fine and confiscated
amount), a shop's unified social credit code (统一社会信用代码) and an operator's masked ID number.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite >= 3.35 drops columns too): a batch copy of credit_records would lose its
# expression indexes.
def upgrade():
    op.add_column('credit_records', sa.Column('penalty_kinds', sa.JSON(), nullable=True))
    op.add_column('credit_records', sa.Column('penalty_content', sa.Text(), nullable=True))
    op.add_column('credit_records', sa.Column('penalty_amount', sa.Numeric(14, 2), nullable=True))
    op.add_column('retailers', sa.Column('credit_code', sa.String(length=18), nullable=True))
    op.add_column('operators', sa.Column('id_masked', sa.String(length=18), nullable=True))


def downgrade():
    op.drop_column('operators', 'id_masked')
    op.drop_column('retailers', 'credit_code')
    op.drop_column('credit_records', 'penalty_amount')
    op.drop_column('credit_records', 'penalty_content')
    op.drop_column('credit_records', 'penalty_kinds')
