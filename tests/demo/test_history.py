"""The demo city's credit history: deterministic, realistic, and its live grades shaped like a real city
(docs/domain.md: about 90 % A, 5-10 % AA, under 1 % AAA, a few B-D)."""
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.demo.generator import generate_city
from app.demo.history import generate_history, grades_of
from app.extensions import db

TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def city():
    return generate_city(2026, 20000, TODAY)


@pytest.fixture(scope="module")
def history(city):
    return generate_history(2026, city.retailers, TODAY)


def test_grade_distribution_has_the_shape_of_a_real_city(city, history):
    grades = Counter(result.grade for result in grades_of(history, city.retailers, TODAY).values())
    n = len(city.retailers)
    share = {g: grades[g] / n for g in ("AAA", "AA", "A", "B", "C", "D")}
    assert 0.85 <= share["A"] <= 0.95, grades
    assert 0.05 <= share["AA"] <= 0.10, grades
    assert 0 < share["AAA"] < 0.01, grades
    low = grades["B"] + grades["C"] + grades["D"]
    assert 10 <= low <= 0.005 * n, grades  # a few, every one of them explained by a record
    assert grades["D"] >= 1 and grades["C"] >= 1 and grades["B"] >= 1, grades


def test_history_is_deterministic_and_depends_on_the_seed(city, history):
    again = generate_history(2026, city.retailers, TODAY)
    assert again == history
    small = generate_city(7, 800, TODAY)
    assert generate_history(7, small.retailers, TODAY) != generate_history(8, small.retailers, TODAY)


def test_history_is_realistic(city, history):
    by_no = {r["licence_no"]: r for r in city.retailers}
    statuses = Counter(r.status for r in history)
    assert statuses["suspected"] >= 20 and statuses["dismissed"] >= 50 and statuses["repaired"] >= 20
    start = TODAY - timedelta(days=730)
    for rec in history:
        assert start <= rec.occurred_on <= TODAY
        assert rec.occurred_on >= by_no[rec.licence_no]["licence_issued_on"]
        if rec.status in ("confirmed", "repaired", "dismissed") and rec.decided_on:
            assert rec.occurred_on <= rec.decided_on <= TODAY
        if rec.status == "suspected":
            assert rec.decided_on is None and rec.case_number is None
        if rec.status in ("confirmed", "repaired") and rec.indicator_code.startswith("ZM") and \
                not rec.indicator_code.startswith("ZM5"):
            assert rec.case_number, rec
        if rec.status == "repaired":
            assert rec.decided_on < rec.repaired_on <= TODAY
    codes = Counter(r.indicator_code for r in history if r.status != "suspected")
    minor = sum(codes[c] for c in ("ZM08", "ZM09", "ZM10", "YX01", "YX03", "SH02"))
    general = sum(codes[c] for c in ("ZM04", "ZM11", "ZM12", "ZM13", "YX04", "SH01", "SH04"))
    serious = sum(codes[c] for c in ("ZM02", "ZM03", "ZM05", "ZM06", "ZM07", "YX02", "SH03"))
    assert minor > general > serious >= 5 and 3 <= codes["ZM01"] <= 20
    # violations spread over the past year: every month of it has confirmed findings
    months = Counter((r.decided_on.year, r.decided_on.month) for r in history
                     if r.status == "confirmed" and r.indicator_code in ("ZM08", "ZM09", "ZM10", "ZM11", "YX01"))
    day = TODAY
    for _ in range(12):
        assert months[(day.year, day.month)] >= 10, (day, months)
        day = day.replace(day=1) - timedelta(days=1)


def test_violations_concentrate_and_recur(city, history):
    """Real violation data is not random: a minority of shops hold most violations, they recur, and
    some formats and areas offend more (app.demo.history._Offenders)."""
    import scoring

    catalogue = scoring.catalogue_for(TODAY, scoring.available_catalogues())
    violations = [r for r in history if r.status != "dismissed"
                  and catalogue.indicator(r.indicator_code).points_for(r.quantity) < 0]
    active = [r for r in city.retailers if r["status"] != "cancelled"]
    per_shop = Counter(r.licence_no for r in violations)
    counts = sorted(per_shop.values(), reverse=True)
    assert 0.08 <= len(per_shop) / len(active) <= 0.16, len(per_shop)  # at random it would be ~19 %
    assert sum(counts[:len(active) // 10]) >= 0.8 * len(violations)  # the top 10 % of shops hold most
    assert sum(counts[:len(active) // 50]) >= 0.3 * len(violations)
    # recurrence: after a violation, another within twelve months far more often than a shop has one
    days = defaultdict(list)
    for r in violations:
        days[r.licence_no].append(r.occurred_on)
    followed = total = 0
    for seq in days.values():
        seq.sort()
        for i, d in enumerate(seq):
            if d + timedelta(days=365) <= TODAY:
                total += 1
                followed += any(d < e <= d + timedelta(days=365) for e in seq[i + 1:])
    last_year = sum(any(d > TODAY - timedelta(days=365) for d in seq) for seq in days.values()) / len(active)
    assert followed / total > 3 * last_year, (followed / total, last_year)
    # illegal-channel findings: tobacco-and-liquor shops and entertainment venues more than chains
    fmt = {r["licence_no"]: r["business_format"] for r in active}
    shops = Counter(fmt.values())
    channel = Counter(fmt.get(r.licence_no) for r in violations if r.indicator_code in ("ZM11", "ZM03", "ZM02"))

    def rate(*formats):
        return sum(channel[f] for f in formats) / sum(shops[f] for f in formats)

    assert rate("tobacco_liquor", "entertainment") > 2 * rate("supermarket", "convenience")


def test_loaded_history_gives_the_engines_grades(app, clock):
    clock(TODAY)
    from app.credit import grading, recording
    from app.credit.models import CreditRecord, CreditRecordEvent, RetailerGrade
    from app.retailers.models import Retailer

    runner = app.test_cli_runner()
    out = runner.invoke(args=["demo", "load", "--seed", "11", "--retailers", "1500"])
    assert out.exit_code == 0, out.output
    assert "live grades AAA" in out.output
    records = db.session.scalar(select(func.count(CreditRecord.id)))
    assert records > 1500
    assert db.session.scalar(select(func.count(CreditRecordEvent.id))) >= records
    assert db.session.scalar(select(func.count(RetailerGrade.retailer_id))) == 1500
    # every stored live grade is the engine's result through the credit services
    for retailer in db.session.scalars(select(Retailer).order_by(Retailer.id).limit(300)):
        stored = db.session.get(RetailerGrade, retailer.id)
        result = grading.compute_for(retailer, TODAY)
        assert (stored.grade, stored.score, stored.as_of) == (result.grade, result.score, TODAY)
    # nothing is stale on the load date; the queue holds suspected findings; the ids continue
    assert grading.refresh_due(TODAY) == (0, 0)
    assert db.session.scalar(select(func.count(CreditRecord.id)).where(CreditRecord.status == "suspected")) >= 3
    shop = db.session.scalars(select(Retailer).order_by(Retailer.id)).first()
    rec = recording.create_record(shop, "ZM09", occurred_on=TODAY, source="inspection", actor=None)
    assert rec.id == db.session.scalar(select(func.max(CreditRecord.id)))
    db.session.rollback()
