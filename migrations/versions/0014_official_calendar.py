"""The official calendar as data: calendar_years (one row per year whose State Council holiday schedule
is known: source document, who entered it and when) and calendar_days (its holidays and adjusted working
days 调休). Seeded here, deterministically, with the years 2004-2026 shipped by the chinese_calendar
package; later years are entered by an admin (/admin/calendar) or by ``flask calendar seed`` when a newer
package ships them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

SEED_FIRST, SEED_LAST = 2004, 2026  # fixed: the migration writes the same rows wherever it runs
NAMES_ZH = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def upgrade():
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('source', sa.String(length=120), nullable=False),
        sa.Column('origin', sa.String(length=8), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.CheckConstraint("origin IN ('package', 'entered', 'imported')", name=op.f('ck_calendar_years_origin')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_calendar_years_entered_by_id_users')),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years')),
    )
    op.create_table(
        'calendar_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f('ck_calendar_days_kind')),
        sa.ForeignKeyConstraint(['year'], ['calendar_years.year'], name=op.f('fk_calendar_days_year_calendar_years'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days')),
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_year'), ['year'], unique=False)
    _seed()


def _seed():
    """The years the chinese_calendar package ships, from SEED_FIRST to SEED_LAST."""
    import datetime as dt

    from chinese_calendar import __version__ as version
    from chinese_calendar.constants import holidays, workdays

    years_t = sa.table('calendar_years', sa.column('year', sa.Integer), sa.column('source', sa.String),
                       sa.column('origin', sa.String), sa.column('note', sa.Text),
                       sa.column('entered_by_id', sa.Integer), sa.column('entered_at', sa.DateTime),
                       sa.column('token', sa.String))
    days_t = sa.table('calendar_days', sa.column('day', sa.Date), sa.column('year', sa.Integer),
                      sa.column('kind', sa.String), sa.column('name', sa.String))
    covered = sorted({d.year for d in holidays} & set(range(SEED_FIRST, SEED_LAST + 1)))
    when = dt.datetime(2026, 12, 5)
    op.bulk_insert(years_t, [{"year": y, "source": f"国务院办公厅节假日安排（chinese_calendar {version}）",
                              "origin": "package", "note": None, "entered_by_id": None, "entered_at": when,
                              "token": f"package-{y}"} for y in covered])
    rows = []
    for kind, table in (("holiday", holidays), ("workday", workdays)):
        for day, name in sorted(table.items()):
            if day.year in covered:
                rows.append({"day": day, "year": day.year, "kind": kind, "name": NAMES_ZH.get(str(name), str(name))})
    op.bulk_insert(days_t, rows)


def downgrade():
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_year'))
    op.drop_table('calendar_days')
    op.drop_table('calendar_years')
