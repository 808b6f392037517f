"""The supervisors' map asks for the shops inside the view's box: retailers indexed by position
(latitude, then longitude), so a street view reads a few index pages instead of every licence.

Revision ID: 0024
Revises: 0023
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_retailers_lat_lng', 'retailers', ['lat', 'lng'], unique=False)


def downgrade():
    op.drop_index('ix_retailers_lat_lng', table_name='retailers')
