"""One fact, one record: every entry path, fired 20 times at once with the same fact (PostgreSQL: real
concurrent transactions; SQLite: one after another), leaves exactly one record and one grade change;
the others are answered 409 naming the record that holds the fact (or, for a retry key, that record)."""
import io
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import MetaData, func, select, text
from sqlalchemy.exc import IntegrityError

from app.credit import facts, recording
from app.credit.models import CreditRecord, CreditRecordEvent, GradeChange
from app.extensions import db
from app.pwa.credit_views import keep_content
from tests.concurrency import fire, session_for, sessions_for

N = 20
HEADER = "licence_no,indicator_code,occurred_on,quantity,decided_on,case_number,description\n"


def count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def one_record_one_change(shop):
    assert count(CreditRecord, CreditRecord.retailer_id == shop.id, CreditRecord.status != "dismissed") == 1
    assert count(GradeChange, GradeChange.retailer_id == shop.id) == 1
    rec = db.session.scalars(select(CreditRecord).where(CreditRecord.retailer_id == shop.id)).one()
    change = db.session.scalars(select(GradeChange)).one()
    assert (change.from_grade, change.to_grade) == ("A", "B")
    assert change.record_id in (rec.id, None if change.cause == "record.import" else rec.id)  # a file: many records
    return rec


def test_the_database_refuses_a_second_record_of_one_fact(shop, ago):
    """The rule lives in the database: even a raw insert of the same fact fails; a dismissed record and
    another case number are other facts; no case number is one value (not distinct NULLs)."""
    first = recording.create_record(shop, "ZM09", occurred_on=ago(3), source="inspection", actor=None)
    db.session.commit()
    cols = ("retailer_id, operator_id, indicator_code, catalogue_version, dimension, nominal_points, occurred_on, "
            "recorded_at, source, status, disputed, description, evidence, case_number")
    sql = text(f"INSERT INTO credit_records ({cols}) VALUES (:r, :o, 'ZM09', '2026.1', 'monopoly', -2, :d, :now, "
               "'inspection', :status, false, '', '[]', :case)")
    args = {"r": shop.id, "o": shop.operator_id, "d": ago(3), "now": ago(0)}
    with pytest.raises(IntegrityError):
        db.session.execute(sql, {**args, "status": "suspected", "case": None})
    db.session.rollback()
    db.session.execute(sql, {**args, "status": "dismissed", "case": None})  # dismissed: not a fact
    db.session.execute(sql, {**args, "status": "confirmed", "case": "淮烟专罚〔2026〕第1号"})  # another case
    with pytest.raises(IntegrityError):
        db.session.execute(sql, {**args, "status": "confirmed", "case": "淮烟专罚〔2026〕第1号"})
    db.session.rollback()
    assert first.id


def test_api_answers_409_naming_the_record_and_a_retry_key_returns_it(shop, supervisor, signed_in, ago):
    s = signed_in(supervisor)
    body = {"retailer_id": shop.id, "indicator_code": "YX01", "occurred_on": ago(3).isoformat(),
            "status": "confirmed", "decided_on": ago(1).isoformat(), "description": "逾期结算"}
    r = s.post("/api/credit-records", json=body)
    assert r.status_code == 201, r.get_json()
    rid = r.get_json()["id"]
    again = s.post("/api/credit-records", json=body)
    assert again.status_code == 409
    out = again.get_json()
    assert out["existing"] == {"id": rid, "status": "confirmed", "link": f"/credit/records/{rid}",
                               "api": f"/api/credit-records/{rid}", "occurred_on": ago(3).isoformat(),
                               "indicator_code": "YX01", "case_number": None}
    assert f"记录编号 {rid}（已确认）" in out["errors"]["indicator_code"][0]
    assert f"/credit/records/{rid}" in out["errors"]["indicator_code"][0]
    en = s.post("/api/credit-records?lang=en", json=body).get_json()
    assert en["errors"]["indicator_code"][0].startswith(f"This fact (same licence, indicator, date and case number) "
                                                        f"is already recorded as record {rid} (confirmed)")
    # an idempotency key: the first send makes the record (201), the same key again returns it (200)
    key = str(uuid.uuid4())
    other = {**body, "occurred_on": ago(4).isoformat(), "client_uuid": key}
    first = s.post("/api/credit-records", json=other)
    assert first.status_code == 201
    retry = s.post("/api/credit-records", json=other)
    assert retry.status_code == 200 and retry.get_json()["id"] == first.get_json()["id"]
    assert count(CreditRecord) == 2


def test_api_twenty_at_once(app, shop, supervisor, ago):
    clients = sessions_for(app, supervisor, N)
    body = {"retailer_id": shop.id, "indicator_code": "YX01", "occurred_on": ago(3).isoformat(),
            "status": "confirmed", "decided_on": ago(1).isoformat(), "description": "逾期结算"}
    answers = fire(N, lambda i: clients[i].post("/api/credit-records", json=body))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [409] * (N - 1), statuses
    rec = one_record_one_change(shop)
    assert all(r.get_json()["existing"]["id"] == rec.id for r in answers if r.status_code == 409)


def test_api_twenty_retries_with_one_key(app, shop, supervisor, ago):
    clients = sessions_for(app, supervisor, N)
    body = {"retailer_id": shop.id, "indicator_code": "YX01", "occurred_on": ago(3).isoformat(),
            "status": "confirmed", "decided_on": ago(1).isoformat(), "client_uuid": str(uuid.uuid4())}
    answers = fire(N, lambda i: clients[i].post("/api/credit-records", json=body))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] * (N - 1) + [201], statuses
    rec = one_record_one_change(shop)
    assert {r.get_json()["id"] for r in answers} == {rec.id}


def form(shop, ago):
    return {"licence_no": shop.licence_no, "indicator_code": "YX01", "occurred_on": ago(3).isoformat(),
            "status": "confirmed", "decided_on": ago(1).isoformat(), "case_number": "", "quantity": "",
            "description": "3月货款逾期5天", "evidence": ""}


def test_page_form_twenty_at_once(app, shop, supervisor, ago):
    clients = sessions_for(app, supervisor, N)
    data = form(shop, ago)
    answers = fire(N, lambda i: clients[i].post("/credit/records/new", data={**data, "csrf_token": clients[i]._csrf}))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [302] + [409] * (N - 1), statuses
    rec = one_record_one_change(shop)
    refused = next(r for r in answers if r.status_code == 409).get_data(as_text=True)
    assert f"已录入，记录编号 {rec.id}（已确认）" in refused and f'href="/credit/records/{rec.id}"' in refused


def csv_bytes(shop, ago):
    return (HEADER + f"{shop.licence_no},YX01,{ago(3).isoformat()},,{ago(1).isoformat()},,逾期结算\n").encode()


def test_csv_api_twenty_at_once(app, shop, supervisor, ago):
    clients = sessions_for(app, supervisor, N)
    data = csv_bytes(shop, ago)
    answers = fire(N, lambda i: clients[i].post("/api/credit-records/import",
                                                data={"file": (io.BytesIO(data), "late.csv")}))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200] + [409] * (N - 1), statuses
    rec = one_record_one_change(shop)
    refused = next(r for r in answers if r.status_code == 409).get_json()
    row = refused["result"]["errors"][0]
    assert (row["row"], row["column"], row["existing_record_id"]) == (2, "indicator_code", rec.id)
    assert f"记录编号 {rec.id}" in row["message"]


def test_csv_page_twenty_at_once(app, shop, supervisor, ago):
    clients = sessions_for(app, supervisor, N)
    content = keep_content(csv_bytes(shop, ago))
    answers = fire(N, lambda i: clients[i].post("/credit/import", data={
        "action": "import", "content": content, "filename": "late.csv", "csrf_token": clients[i]._csrf}))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [302] + [409] * (N - 1), statuses
    rec = one_record_one_change(shop)
    assert f'href="/credit/records/{rec.id}"' in next(r for r in answers if r.status_code == 409).get_data(
        as_text=True)


def test_csv_cli_twenty_at_once(app, shop, supervisor, ago, tmp_path):
    from app.credit.cli import import_csv

    path = tmp_path / "late.csv"
    path.write_bytes(csv_bytes(shop, ago))
    username = supervisor.username

    def run(_i):
        with app.app_context():
            try:
                import_csv.main(args=[str(path), "--as", username], standalone_mode=False)
            except SystemExit as exc:
                return exc.code
            finally:
                db.session.remove()
            return 0

    codes = sorted(fire(N, run))
    assert codes == [0] + [3] * (N - 1), codes  # 3: every bad row is a fact already recorded
    one_record_one_change(shop)


def test_inspections_twenty_captures_of_one_fact_make_one_record(app, make_user, make_retailer, versions_synced):
    """Twenty different captures (e.g. both officers' phones, a retry as a new capture) finding the same
    violation the same day: twenty inspections stand as signed, one suspected record holds the fact, the
    others point to it and its history notes each of them."""
    from app.inspections.models import Inspection, InspectionViolation
    from tests.inspections.conftest import SHOP, capture, new_id

    shop = make_retailer(lat=SHOP[0], lng=SHOP[1], licence_issued_on=date(2020, 1, 1))
    inspector = make_user("inspector")
    second = make_user("inspector")
    clients = sessions_for(app, inspector, N)
    base = capture(shop, second, violations=[{"indicator": "ZM09", "quantity": None,
                                              "description": "未悬挂许可证", "photos": []}])
    bodies = [{**base, "uuid": new_id()} for _ in range(N)]
    answers = fire(N, lambda i: clients[i].post("/api/inspections", json=bodies[i]))
    assert sorted(r.status_code for r in answers) == [201] * N, [r.get_json() for r in answers if r.status_code != 201]
    assert count(Inspection) == N
    rec = db.session.scalars(select(CreditRecord)).one()
    assert rec.status == "suspected" and rec.source == "inspection"
    assert {v.credit_record_id for v in db.session.scalars(select(InspectionViolation))} == {rec.id}
    actions = [e.action for e in db.session.scalars(select(CreditRecordEvent).order_by(CreditRecordEvent.id))]
    assert actions == ["create"] + ["found_again"] * (N - 1)
    # confirmed by a supervisor: one record, one grade change
    sup = make_user("supervisor")
    r = session_for(app, sup).post(f"/api/credit-records/{rec.id}/confirm",
                                   json={"case_number": "淮烟专罚〔2026〕第7号",
                                         "decided_on": rec.occurred_on.isoformat()})
    assert r.status_code == 200, r.get_json()
    one_record_one_change(shop)
    page = session_for(app, sup).get(f"/credit/records/{rec.id}").get_data(as_text=True)
    assert page.count('data-testid="found-again"') == N - 1 and "另一次现场检查再次发现" in page


def test_commitment_breach_twenty_at_once(app, make_user, make_retailer, versions_synced):
    from app.commitments import services as commitments
    from tests.retailer_side.helpers import signature_data_url

    shop = make_retailer(licence_issued_on=date(2020, 1, 1))
    owner = make_user("retailer", retailers=[shop])
    c = commitments.sign(shop, owner, agreed=True, signature=signature_data_url(), signer_name="王小明")
    db.session.commit()
    sup = make_user("supervisor")
    clients = sessions_for(app, sup, N)
    url = f"/supervise/commitments/{c.id}/breach"
    answers = fire(N, lambda i: clients[i].post(url, data={
        "note": "承诺不销售非法卷烟，检查发现违规。", "case_number": "淮烟罚〔2026〕1号",
        "csrf_token": clients[i]._csrf}))
    # One breach is recorded (302 to the list); every other submission is refused with the list page
    # showing why (the commitment is no longer active, or the fact is already recorded).
    codes = sorted(r.status_code for r in answers)
    assert codes.count(302) == 1 and all(code in (409, 422) for code in codes if code != 302), codes
    one_record_one_change(shop)


def test_confirming_into_a_fact_already_held_is_409(shop, supervisor, signed_in, ago):
    """The case number completes a fact's identity: confirming a suspected record with the case number of
    a record that already holds the same fact is refused, naming that record."""
    case = "淮烟专罚〔2026〕第9号"
    held = recording.create_record(shop, "ZM09", occurred_on=ago(5), source="supervisor", actor=supervisor,
                                  status="confirmed", decided_on=ago(2), case_number=case)
    suspected = recording.create_record(shop, "ZM09", occurred_on=ago(5), source="inspection", actor=None)
    db.session.commit()
    s = signed_in(supervisor)
    r = s.post(f"/api/credit-records/{suspected.id}/confirm", json={"case_number": case,
                                                                     "decided_on": ago(1).isoformat()})
    assert r.status_code == 409 and r.get_json()["existing"]["id"] == held.id
    assert f"记录编号 {held.id}" in r.get_json()["errors"]["case_number"][0]
    db.session.expire_all()
    assert db.session.get(CreditRecord, suspected.id).status == "suspected"
    page = s.post(f"/credit/records/{suspected.id}/confirm", data={"case_number": case,
                                                                   "decided_on": ago(1).isoformat()})
    assert page.status_code == 409 and f"已录入，记录编号 {held.id}（已确认）。" in page.get_data(as_text=True)
    r = s.post(f"/api/credit-records/{suspected.id}/confirm", json={"case_number": case + "之二",
                                                                     "decided_on": ago(1).isoformat()})
    assert r.status_code == 200


def test_duplicates_command_lists_and_dismisses_later_records(app, shop, make_user, ago):
    """What the migration refuses to meet (a database from before the rule) is repaired through the
    service: `flask credit duplicates --dismiss` keeps the first record of each fact."""
    first = recording.create_record(shop, "YX01", occurred_on=ago(5), source="import", actor=None,
                                   status="confirmed", decided_on=ago(2))
    db.session.commit()
    db.session.execute(text("DROP INDEX uq_credit_records_fact"))
    db.session.commit()
    try:
        second = recording.create_record(shop, "YX01", occurred_on=ago(5), source="import", actor=None,
                                        status="confirmed", decided_on=ago(2))
        db.session.commit()
        runner = app.test_cli_runner()
        out = runner.invoke(args=["credit", "duplicates"])
        assert out.exit_code == 1 and f"records {first.id}, {second.id}" in out.output
        admin = make_user("admin")
        out = runner.invoke(args=["credit", "duplicates", "--dismiss", "--as", admin.username])
        assert out.exit_code == 0 and f"dismissed record {second.id}: duplicate of record {first.id}" in out.output
        db.session.expire_all()
        assert db.session.get(CreditRecord, second.id).status == "dismissed"
        assert facts.duplicate_groups() == []
        assert runner.invoke(args=["credit", "duplicates"]).exit_code == 0
    finally:
        db.session.rollback()
        db.session.execute(text("CREATE UNIQUE INDEX uq_credit_records_fact ON credit_records (retailer_id, "
                                "indicator_code, occurred_on, coalesce(case_number, '')) WHERE status <> 'dismissed'"))
        db.session.commit()


def _insert_as_then(table, **values):
    """Insert one row into ``table`` as reflected from an older schema: the values it has a column for,
    and a plain value of the right type for any other column that may not be empty."""
    from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, Numeric

    row = {k: v for k, v in values.items() if k in table.c}
    for column in table.c:
        if column.name in row or column.nullable or column.primary_key or column.server_default is not None:
            continue
        kind = column.type
        row[column.name] = (datetime(2026, 10, 5, 8) if isinstance(kind, DateTime) else date(2026, 10, 5)
                            if isinstance(kind, Date) else False if isinstance(kind, Boolean) else 0
                            if isinstance(kind, (Integer, Float, Numeric)) else [] if isinstance(kind, JSON) else "")
    return db.session.execute(table.insert().values(row)).inserted_primary_key[0]


def test_the_migration_refuses_a_database_with_duplicates(tmp_path, capfd):
    """Upgrading a database that holds one fact twice stops with the list and the way out; nothing changes."""
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from tests.app.test_migrations import TEST_DB

    if TEST_DB == "postgresql":
        import secrets

        from sqlalchemy import create_engine

        from tests.conftest import PG_ADMIN_URL

        name = "credit_dup_" + secrets.token_hex(5)
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    else:
        admin, url = None, f"sqlite:///{tmp_path}/dup.sqlite3"
    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    try:
        with fresh.app_context():
            upgrade(revision="0007")
            from app.org.services import ensure_units

            ensure_units()
            # Rows written with the schema of revision 0007 (the models have moved on since: plain inserts
            # into the tables as they were then, every column they had filled).
            meta = MetaData()
            meta.reflect(bind=db.session.connection(), only=["org_units", "operators", "retailers", "credit_records"])
            unit_id = db.session.execute(text("SELECT id FROM org_units WHERE code = '320812'")).scalar_one()
            operator_id = _insert_as_then(meta.tables["operators"], id_hash="a" * 64, name="王小明")
            shop_id = _insert_as_then(meta.tables["retailers"], licence_no="320812000001", shop_name="华兴便利店",
                                      name_initials="hxbld", operator_id=operator_id, operator_name="王小明",
                                      address="淮海南路1号", unit_id=unit_id, market_type="city",
                                      business_format="convenience", licence_issued_on=date(2020, 1, 1),
                                      licence_expires_on=date(2030, 1, 1), status="active", tier=10, version=1)
            for _ in range(2):  # one fact twice, as a database from before the rule may hold
                _insert_as_then(meta.tables["credit_records"], retailer_id=shop_id, operator_id=operator_id,
                                indicator_code="YX01", catalogue_version="2026.1", dimension="marketing",
                                nominal_points=-3, occurred_on=date(2026, 10, 1), source="import",
                                status="confirmed", decided_on=date(2026, 10, 5), disputed=False, description="",
                                evidence=[])
            db.session.commit()
            db.session.remove()
            with pytest.raises(SystemExit):  # Flask-Migrate logs the error and exits 1
                upgrade()
            logged = capfd.readouterr().err
            assert "recorded more than once" in logged and "records 1, 2" in logged
            assert "credit duplicates --dismiss" in logged
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0007"
            downgrade(revision="base")
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_demo_history_holds_every_fact_once():
    from collections import Counter

    from app.demo.generator import generate_city
    from app.demo.history import generate_history

    today = date(2026, 11, 29)
    city = generate_city(2026, 20000, today)
    history = generate_history(2026, city.retailers, today)
    held = Counter((r.licence_no, r.indicator_code, r.occurred_on, r.case_number or "") for r in history
                   if r.status != "dismissed")
    assert [k for k, n in held.items() if n > 1] == []
    assert min(r.occurred_on for r in history) >= today - timedelta(days=730)
