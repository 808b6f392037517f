"""Random draws per grade and per quarter.

``random_draws.scheme``: how the list follows from the seed. "v1" (every draw before this revision):
per plan, the round(share × n) shops of each grade with the smallest HMAC; "v2": the grade's share is
per quarter, spread over the quarter's plans, each shop drawn with the same probability by
systematic sampling with a random start (app.scheduling.planner.plan_shares). The scheme is part of
the commitment, so old draws still verify under "v1".

``random_draws.quarter``: for a v2 draw, the quarter it belongs to, the policy's quarterly shares, the
cumulative share per grade before and after this draw, and the shops left out of the pool because an
earlier draw of the quarter already took them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('random_draws', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheme', sa.String(length=4), nullable=False, server_default='v1'))
        batch_op.add_column(sa.Column('quarter', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('random_draws', schema=None) as batch_op:
        batch_op.drop_column('quarter')
        batch_op.drop_column('scheme')
