"""GET never writes: every GET route of the URL map, for every kind of user, with realistic ids, leaves
every table as it was (row counts and a digest of the contents). Sessions, sign-in and security logs,
and a partner token's last-use time are the only writes allowed (authentication bookkeeping).

The world is made stale on purpose, as a busy day leaves it: grade changes and confirmed records not
yet consumed, a stored grade past its valid_until, an approved visit whose day has passed, no
scheduling policy or commitment text stored yet (the "bare" walk). Pages used to do that work; now
the worker does, and a page only reads."""
import hashlib
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update

from app.extensions import db, limiter
from tests.auth.test_access_matrix import ENDPOINTS, PRINCIPALS, _client_for, _world

# Authentication and access bookkeeping (a partner's reads are logged): the only writes a GET may make.
SKIP_TABLES = {"user_sessions", "login_attempts", "security_events", "partner_reads"}
SKIP_COLUMNS = {"api_tokens": {"last_used_at"}}


def digest() -> dict[str, tuple[int, str]]:
    """table -> (row count, sha256 of its rows in primary-key order), read in one fresh transaction."""
    db.session.rollback()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in SKIP_TABLES:
                continue
            cols = [c for c in table.columns if c.name not in SKIP_COLUMNS.get(table.name, ())]
            order = list(table.primary_key.columns) or cols
            h = hashlib.sha256()
            n = 0
            for row in conn.execute(select(*cols).order_by(*order)):
                h.update(repr(tuple(row)).encode())
                n += 1
            out[table.name] = (n, h.hexdigest())
    return out


def changed(before, after) -> list[str]:
    return [f"{t}: {before[t][0]} rows -> {after[t][0]} rows" + (" (contents changed)" if before[t][0] == after[t][0]
                                                                    else "")
            for t in before if before[t] != after[t]]


def _get_cases(w):
    """(endpoint, url) of every GET case of the matrix, URLs resolved (objects made) before any snapshot."""
    from tests.scheduling.matrix import sched

    sched(w, "plan")  # the plans first: later objects add inspectors the plan's pairs must not depend on
    cases = []
    for endpoint, items in sorted(ENDPOINTS.items()):
        for case in items:
            if case["method"] == "GET":
                cases.append((endpoint, case["url"](w)))
    return cases


def _make_stale(w):
    """What a busy day leaves for the worker: events not consumed, a lapsed stored grade, a past visit."""
    from app.common.time import local_today
    from app.credit.models import CreditRecordEvent, GradeChange, RetailerGrade
    from app.scheduling.models import Visit

    today = local_today()
    rid = w["retailer"]
    db.session.add(GradeChange(retailer_id=rid, as_of=today, from_grade="A", to_grade="B", from_score=100,
                               to_score=90, cause="record.confirm", record_id=w["record"]))
    db.session.add(CreditRecordEvent(record_id=w["record"], action="confirm", from_status="suspected",
                                     to_status="confirmed", decided_on=today))
    if db.session.get(RetailerGrade, rid) is None:
        from app.credit import grading
        from app.retailers.models import Retailer

        grading.recompute(db.session.get(Retailer, rid), "initial")
    db.session.execute(update(RetailerGrade).where(RetailerGrade.retailer_id == rid)
                       .values(valid_until=today - timedelta(days=1)))
    visit = db.session.scalar(select(Visit).where(Visit.status == "approved").limit(1))
    if visit is not None:
        visit.planned_on = today - timedelta(days=1)
    db.session.commit()


WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


@contextmanager
def statements_written():
    """Every INSERT/UPDATE/DELETE sent to the database meanwhile (committed or not), by table."""
    seen = []

    def spy(conn, cursor, statement, parameters, context, executemany):
        m = WRITE.match(statement)
        if m and m.group(1) not in SKIP_TABLES and not (
                m.group(1) == "api_tokens" and "last_used_at" in statement and statement.count("=") <= 2):
            seen.append(f"{m.group(1)}: {statement.split()[0].upper()}")

    event.listen(db.engine, "before_cursor_execute", spy)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", spy)


def _walk(app, w, urls, principals):
    problems = []
    clients = {p: _client_for(app, p, w) for p in principals}  # session rows made before the snapshot
    before = digest()
    for principal in principals:
        client, headers = clients[principal]
        limiter.reset()
        for endpoint, url in urls:
            with statements_written() as writes:
                response = client.get(url, headers=headers)
            if response.status_code >= 500:
                problems.append(f"GET {url} as {principal}: {response.status_code}")
            if writes:  # even a write rolled back at the end of the request is a GET that tried to write
                problems.append(f"GET {url} ({endpoint}) as {principal} sent {sorted(set(writes))}")
            after = digest()
            diff = changed(before, after)
            if diff:
                problems.append(f"GET {url} ({endpoint}) as {principal} wrote: {'; '.join(diff)}")
                before = after
    return problems


def test_every_get_route_is_walked(app):
    """Every GET rule of the URL map has a GET case in the matrix (so the walk below reaches it)."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods:
            assert any(c["method"] == "GET" for c in ENDPOINTS.get(rule.endpoint, [])), rule.endpoint


def test_no_get_writes_for_any_principal(app, make_user, make_retailer):
    w = _world(make_user, make_retailer)
    urls = _get_cases(w)  # makes the plans, runs, inspections, jobs the URLs name
    _make_stale(w)
    problems = _walk(app, w, urls, PRINCIPALS)
    assert not problems, "\n".join(problems)


def test_no_get_writes_on_a_bare_install(app, make_user, make_retailer):
    """Nothing stored yet (no scheduling policy, no commitment text, no grades): the argument-free GET
    routes read defaults without storing them."""
    w = _world(make_user, make_retailer)
    from app.commitments.models import Commitment, CommitmentText
    from app.credit.models import RetailerGrade
    from app.scheduling.models import SchedulingPolicy

    db.session.query(Commitment).delete()
    db.session.query(CommitmentText).delete()
    db.session.query(SchedulingPolicy).delete()
    db.session.query(RetailerGrade).delete()
    db.session.commit()
    assert db.session.scalar(text("SELECT COUNT(*) FROM scheduling_policies")) == 0
    urls = [(rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments]
    urls += [("pwa.my_commitment", f"/me/commitment/{w['retailer']}"), ("pwa.my_credit", f"/me/credit/{w['retailer']}"),
             ("pwa.retailer_detail", f"/retailers/{w['retailer']}"),
             ("credit.retailer_grade", f"/api/retailers/{w['retailer']}/grade")]
    problems = _walk(app, w, sorted(set(urls)), PRINCIPALS)
    assert not problems, "\n".join(problems)


@pytest.fixture(autouse=True)
def _quiet_limiter():
    limiter.reset()
    yield
