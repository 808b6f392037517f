"""Field inspections: inspections, checklist results, violations, interviews,
rectification items and their checks, stored files (photos, signatures) and their attachment.

Plain tables, indexes and constraints only: the same on SQLite and PostgreSQL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 04:01:33.897141

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('second_officer_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('position_at', sa.DateTime(), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('geofence', sa.String(length=16), nullable=False),
    sa.Column('geofence_radius_m', sa.Integer(), nullable=False),
    sa.Column('location_reason', sa.Text(), nullable=False),
    sa.Column('signature_status', sa.String(length=16), nullable=False),
    sa.Column('signer_name', sa.String(length=64), nullable=False),
    sa.Column('signature_refusal_reason', sa.Text(), nullable=False),
    sa.CheckConstraint("geofence IN ('inside', 'outside', 'no_gps', 'no_shop_location')", name=op.f('ck_inspections_geofence')),
    sa.CheckConstraint("outcome IN ('inspected', 'closed', 'not_found', 'moved', 'not_trading')", name=op.f('ck_inspections_outcome')),
    sa.CheckConstraint("signature_status IN ('signed', 'refused', 'not_applicable')", name=op.f('ck_inspections_signature_status')),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_inspections_retailer_id_retailers')),
    sa.ForeignKeyConstraint(['second_officer_id'], ['users.id'], name=op.f('fk_inspections_second_officer_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_units.id'], name=op.f('fk_inspections_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_inspections_client_uuid'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspections_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index('ix_inspections_retailer_occurred', ['retailer_id', 'occurred_on'], unique=False)
        batch_op.create_index('ix_inspections_unit_occurred', ['unit_id', 'occurred_on'], unique=False)

    op.create_table('stored_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('client_uuid', sa.String(length=36), nullable=False),
    sa.Column('capture_uuid', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=128), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_stored_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_files')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_stored_files_client_uuid')),
    sa.UniqueConstraint('key', name=op.f('uq_stored_files_key'))
    )
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_files_capture_uuid'), ['capture_uuid'], unique=False)
        batch_op.create_index(batch_op.f('ix_stored_files_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    op.create_table('inspection_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=256), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("result IN ('pass', 'fail', 'na')", name=op.f('ck_inspection_checks_result')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_checks_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_checks'))
    )
    with op.batch_alter_table('inspection_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_checks_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('inspection_violations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('indicator_code', sa.String(length=8), nullable=False),
    sa.Column('catalogue_version', sa.String(length=16), nullable=False),
    sa.Column('indicator_name', sa.String(length=256), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('credit_record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['credit_record_id'], ['credit_records.id'], name=op.f('fk_inspection_violations_credit_record_id_credit_records')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_violations_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_violations'))
    )
    with op.batch_alter_table('inspection_violations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_violations_credit_record_id'), ['credit_record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_violations_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('interviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('commitments', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('warning', 'repair')", name=op.f('ck_interviews_kind')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_interviews_inspection_id_inspections')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interviews')),
    sa.UniqueConstraint('inspection_id', name=op.f('uq_interviews_inspection_id'))
    )
    op.create_table('rectification_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('retailer_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('checked_by_inspection_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'done', 'not_done')", name=op.f('ck_rectification_items_status')),
    sa.ForeignKeyConstraint(['checked_by_inspection_id'], ['inspections.id'], name=op.f('fk_rectification_items_checked_by_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_rectification_items_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['retailer_id'], ['retailers.id'], name=op.f('fk_rectification_items_retailer_id_retailers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_items'))
    )
    with op.batch_alter_table('rectification_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_items_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index('ix_rectification_items_retailer_status', ['retailer_id', 'status'], unique=False)

    op.create_table('inspection_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=True),
    sa.Column('violation_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("role IN ('photo', 'signature')", name=op.f('ck_inspection_files_role')),
    sa.ForeignKeyConstraint(['check_id'], ['inspection_checks.id'], name=op.f('fk_inspection_files_check_id_inspection_checks')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_inspection_files_file_id_stored_files')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_inspection_files_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['violation_id'], ['inspection_violations.id'], name=op.f('fk_inspection_files_violation_id_inspection_violations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_files')),
    sa.UniqueConstraint('file_id', name=op.f('uq_inspection_files_file_id'))
    )
    with op.batch_alter_table('inspection_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_files_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('rectification_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("result IN ('done', 'not_done')", name=op.f('ck_rectification_checks_result')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_rectification_checks_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['item_id'], ['rectification_items.id'], name=op.f('fk_rectification_checks_item_id_rectification_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_checks'))
    )
    with op.batch_alter_table('rectification_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_checks_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_checks_item_id'), ['item_id'], unique=False)



def downgrade():
    with op.batch_alter_table('rectification_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_checks_item_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_checks_inspection_id'))

    op.drop_table('rectification_checks')
    with op.batch_alter_table('inspection_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_files_inspection_id'))

    op.drop_table('inspection_files')
    with op.batch_alter_table('rectification_items', schema=None) as batch_op:
        batch_op.drop_index('ix_rectification_items_retailer_status')
        batch_op.drop_index(batch_op.f('ix_rectification_items_inspection_id'))

    op.drop_table('rectification_items')
    op.drop_table('interviews')
    with op.batch_alter_table('inspection_violations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_violations_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_violations_credit_record_id'))

    op.drop_table('inspection_violations')
    with op.batch_alter_table('inspection_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_checks_inspection_id'))

    op.drop_table('inspection_checks')
    with op.batch_alter_table('stored_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stored_files_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_stored_files_capture_uuid'))

    op.drop_table('stored_files')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index('ix_inspections_unit_occurred')
        batch_op.drop_index('ix_inspections_retailer_occurred')
        batch_op.drop_index(batch_op.f('ix_inspections_inspector_id'))

    op.drop_table('inspections')
