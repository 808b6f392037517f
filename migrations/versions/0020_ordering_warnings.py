"""Early warnings from the ordering figures: two more kinds of warning, ``ordering_volume`` (orders far
above the peers of the same tier and format, 违规流通?) and ``no_orders`` (months without orders,
虚假户?); the check constraint on ``warnings.kind`` is widened.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 14:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

OLD = ("near_boundary", "falling_trend", "suspected", "repeated_minor", "overdue_rectification", "shop_absent")
NEW = OLD + ("ordering_volume", "no_orders")


def _in(col, values):
    return f"{col} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _kinds(values):
    with op.batch_alter_table('warnings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_warnings_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_warnings_kind'), _in("kind", values))


def upgrade():
    _kinds(NEW)


def downgrade():
    op.execute("DELETE FROM warnings WHERE kind IN ('ordering_volume', 'no_orders')")
    _kinds(OLD)
