"""Integrity mutual-aid groups (诚信互助小组: groups, memberships with at most one open membership per
licence, rating rounds, ratings with objections and the bonus records they made), model groups and
model retailers (model_awards, one live nomination per subject and year), and the trust-supervision
self-checks of AA/AAA retailers (self_checks, self_check_photos).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 10:05:24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('group_rating_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('thresholds', sa.JSON(), nullable=False),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('violation_effect', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('year', 'half')", name=op.f('ck_group_rating_rounds_kind')),
    sa.CheckConstraint("violation_effect IN ('next_round', 'at_once')", name=op.f('ck_group_rating_rounds_violation_effect')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_group_rating_rounds_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_rating_rounds')),
    sa.UniqueConstraint('label', name=op.f('uq_group_rating_rounds_label'))
    )
    op.create_table('integrity_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=128), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('manager', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('founded_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('active', 'dissolved')", name=op.f('ck_integrity_groups_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_integrity_groups_created_by_id_users')),
    sa.ForeignKeyConstraint(['leader_id'], ['retailers.id'], name=op.f('fk_integrity_groups_leader_id_retailers')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_integrity_groups_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integrity_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_integrity_groups_name'))
    )
    with op.batch_alter_table('integrity_groups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrity_groups_unit_id'), ['unit_id'], unique=False)

    op.create_table('group_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('left_reason', sa.Text(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_group_memberships_added_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['integrity_groups.id'], name=op.f('fk_group_memberships_group_id_integrity_groups')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_group_memberships_removed_by_id_users')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_group_memberships_retailer_id_retailers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_memberships'))
    )
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.create_index('ix_group_memberships_group', ['group_id', 'left_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_memberships_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index('uq_group_memberships_open', ['retailer_id'], unique=True, postgresql_where=sa.text('left_on IS NULL'), sqlite_where=sa.text('left_on IS NULL'))

    op.create_table('group_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('decision_no', sa.String(length=64), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('panel', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('notice_until', sa.Date(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('notice', 'published', 'superseded', 'withdrawn')", name=op.f('ck_group_ratings_status')),
    sa.CheckConstraint('stars IN (0, 3, 4, 5)', name=op.f('ck_group_ratings_stars')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_group_ratings_decided_by_id_users')),
    sa.ForeignKeyConstraint(['group_id'], ['integrity_groups.id'], name=op.f('fk_group_ratings_group_id_integrity_groups')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_group_ratings_published_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['group_rating_rounds.id'], name=op.f('fk_group_ratings_round_id_group_rating_rounds')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_group_ratings_unit_id_org_units')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_group_ratings_withdrawn_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_ratings')),
    sa.UniqueConstraint('decision_no', name=op.f('uq_group_ratings_decision_no'))
    )
    with op.batch_alter_table('group_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_ratings_group_id'), ['group_id'], unique=False)
        batch_op.create_index('ix_group_ratings_status', ['status', 'notice_until'], unique=False)
        batch_op.create_index('uq_group_ratings_live', ['round_id', 'group_id'], unique=True, postgresql_where=sa.text("status <> 'withdrawn'"), sqlite_where=sa.text("status <> 'withdrawn'"))

    op.create_table('model_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('retailer_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('practice', sa.Text(), nullable=False),
    sa.Column('nominated_by_id', sa.Integer(), nullable=True),
    sa.Column('nominated_by_group_id', sa.Integer(), nullable=True),
    sa.Column('nominated_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('notice_until', sa.Date(), nullable=True),
    sa.Column('decision_no', sa.String(length=64), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('withdrawn_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'group' AND group_id IS NOT NULL AND retailer_id IS NULL) OR (kind = 'shop' AND retailer_id IS NOT NULL)", name=op.f('ck_model_awards_subject')),
    sa.CheckConstraint("kind IN ('group', 'shop')", name=op.f('ck_model_awards_kind')),
    sa.CheckConstraint("status IN ('nominated', 'approved', 'published', 'rejected', 'withdrawn')", name=op.f('ck_model_awards_status')),
    sa.ForeignKeyConstraint(['group_id'], ['integrity_groups.id'], name=op.f('fk_model_awards_group_id_integrity_groups')),
    sa.ForeignKeyConstraint(['nominated_by_group_id'], ['integrity_groups.id'], name=op.f('fk_model_awards_nominated_by_group_id_integrity_groups')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_model_awards_nominated_by_id_users')),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_model_awards_published_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_records.id'], name=op.f('fk_model_awards_record_id_credit_records')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_model_awards_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_model_awards_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_model_awards_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_awards')),
    sa.UniqueConstraint('decision_no', name=op.f('uq_model_awards_decision_no'))
    )
    with op.batch_alter_table('model_awards', schema=None) as batch_op:
        batch_op.create_index('ix_model_awards_status', ['status', 'unit_id'], unique=False)
        batch_op.create_index('uq_model_awards_live_shop', ['retailer_id', 'year'], unique=True,
                              postgresql_where=sa.text("kind = 'shop' AND status NOT IN ('rejected', 'withdrawn')"),
                              sqlite_where=sa.text("kind = 'shop' AND status NOT IN ('rejected', 'withdrawn')"))
        batch_op.create_index('uq_model_awards_live_group', ['group_id', 'year'], unique=True,
                              postgresql_where=sa.text("kind = 'group' AND status NOT IN ('rejected', 'withdrawn')"),
                              sqlite_where=sa.text("kind = 'group' AND status NOT IN ('rejected', 'withdrawn')"))

    op.create_table('group_rating_bonuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rating_id'], ['group_ratings.id'], name=op.f('fk_group_rating_bonuses_rating_id_group_ratings')),
    sa.ForeignKeyConstraint(['record_id'], ['credit_records.id'], name=op.f('fk_group_rating_bonuses_record_id_credit_records')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_group_rating_bonuses_retailer_id_retailers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_rating_bonuses')),
    sa.UniqueConstraint('record_id', name=op.f('uq_group_rating_bonuses_record_id'))
    )
    with op.batch_alter_table('group_rating_bonuses', schema=None) as batch_op:
        batch_op.create_index('uq_group_rating_bonuses_member', ['rating_id', 'retailer_id'], unique=True)

    op.create_table('group_rating_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('raised_by', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name=op.f('ck_group_rating_objections_status')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_group_rating_objections_answered_by_id_users')),
    sa.ForeignKeyConstraint(['rating_id'], ['group_ratings.id'], name=op.f('fk_group_rating_objections_rating_id_group_ratings')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_group_rating_objections_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_rating_objections'))
    )
    with op.batch_alter_table('group_rating_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_rating_objections_rating_id'), ['rating_id'], unique=False)

    op.create_table('self_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=3), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('submitted', 'accepted', 'failed')", name=op.f('ck_self_checks_status')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_self_checks_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_self_checks_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_self_checks_submitted_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_self_checks_unit_id_org_units')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_self_checks_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_checks')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_self_checks_client_uuid'))
    )
    with op.batch_alter_table('self_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_checks_retailer_id'), ['retailer_id'], unique=False)
        batch_op.create_index('ix_self_checks_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('self_check_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('self_check_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=24), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_self_check_photos_file_id_stored_files')),
    sa.ForeignKeyConstraint(['self_check_id'], ['self_checks.id'], name=op.f('fk_self_check_photos_self_check_id_self_checks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_check_photos')),
    sa.UniqueConstraint('file_id', name=op.f('uq_self_check_photos_file_id'))
    )
    with op.batch_alter_table('self_check_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_check_photos_self_check_id'), ['self_check_id'], unique=False)



def downgrade():
    with op.batch_alter_table('self_check_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_check_photos_self_check_id'))

    op.drop_table('self_check_photos')
    with op.batch_alter_table('self_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_self_checks_unit_status')
        batch_op.drop_index(batch_op.f('ix_self_checks_retailer_id'))

    op.drop_table('self_checks')
    with op.batch_alter_table('group_rating_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_rating_objections_rating_id'))

    op.drop_table('group_rating_objections')
    with op.batch_alter_table('group_rating_bonuses', schema=None) as batch_op:
        batch_op.drop_index('uq_group_rating_bonuses_member')

    op.drop_table('group_rating_bonuses')
    with op.batch_alter_table('model_awards', schema=None) as batch_op:
        batch_op.drop_index('uq_model_awards_live_group')
        batch_op.drop_index('uq_model_awards_live_shop')
        batch_op.drop_index('ix_model_awards_status')

    op.drop_table('model_awards')
    with op.batch_alter_table('group_ratings', schema=None) as batch_op:
        batch_op.drop_index('uq_group_ratings_live', postgresql_where=sa.text("status <> 'withdrawn'"), sqlite_where=sa.text("status <> 'withdrawn'"))
        batch_op.drop_index('ix_group_ratings_status')
        batch_op.drop_index(batch_op.f('ix_group_ratings_group_id'))

    op.drop_table('group_ratings')
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_group_memberships_open', postgresql_where=sa.text('left_on IS NULL'), sqlite_where=sa.text('left_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_group_memberships_retailer_id'))
        batch_op.drop_index('ix_group_memberships_group')

    op.drop_table('group_memberships')
    with op.batch_alter_table('integrity_groups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrity_groups_unit_id'))

    op.drop_table('integrity_groups')
    op.drop_table('group_rating_rounds')
