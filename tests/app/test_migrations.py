"""Migrations (SecureDrop's two tests): the models equal a fresh `upgrade head`; upgrade, downgrade
and upgrade again leave the schema unchanged. Run on SQLite and PostgreSQL (TEST_DB)."""
import os
import secrets
import tempfile

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import PG_ADMIN_URL, TEST_DB


# SQLite's reflection cannot read an expression index (the one-fact-one-record index): it says so and
# skips it. test_fact_index_is_made_by_the_migration checks that index directly on both databases.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore:Skipped unsupported reflection of expression-based index uq_credit_records_fact"),
    pytest.mark.filterwarnings(
        "ignore:autogenerate skipping metadata-specified expression-based index 'uq_credit_records_fact'"),
]


@pytest.fixture
def fresh_url():
    if TEST_DB == "sqlite":
        yield f"sqlite:///{tempfile.mkdtemp(prefix='credit-mig-')}/m.sqlite3"
        return
    name = "credit_mig_" + secrets.token_hex(5)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fresh_app(fresh_url):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=fresh_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _schema():
    insp = inspect(db.engine)
    out = {}
    for table in sorted(insp.get_table_names()):
        out[table] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table)],
            "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)),
            "fks": sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                          for f in insp.get_foreign_keys(table)),
            "uniques": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(table)),
            "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
        }
    return out


def test_models_equal_upgrade_head(fresh_app):
    upgrade()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_downgrade_upgrade_is_stable(fresh_app):
    upgrade()
    first = _schema()
    downgrade(revision="base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    assert _schema() == first


def _fact_index_sql():
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'uq_credit_records_fact'"
    else:
        sql = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'uq_credit_records_fact'"
    with db.engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_fact_index_is_made_by_the_migration(fresh_app):
    """One fact, one record: the partial unique index over (licence, indicator, date, case number or '')."""
    upgrade()
    definition = " ".join((_fact_index_sql() or "").lower().split())
    assert "unique index" in definition and "coalesce(case_number, ''" in definition, definition
    assert "retailer_id" in definition and "indicator_code" in definition and "occurred_on" in definition
    assert "where" in definition and "dismissed" in definition
    downgrade(revision="0007")
    assert _fact_index_sql() is None
    upgrade()
    assert _fact_index_sql() is not None


def test_no_create_all_outside_tests():
    """The schema is made only by migrations: no create_all in the application code."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "app")
    offenders = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                if "create_all(" in open(path, encoding="utf-8").read():
                    offenders.append(path)
    assert offenders == []
