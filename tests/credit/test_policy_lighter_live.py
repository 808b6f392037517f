"""从旧兼从轻 for grade-policy versions on the live grade: a record's counting period is the shorter of
the policy in force when its act happened and the one in force on the day the grade is read."""
from datetime import date

from app.credit import grading, recording, versions
from app.extensions import db

CASE = "淮烟专罚〔2026〕第7号"


def _policy_text(version, effective, general_months):
    text = versions.POLICY.directory.joinpath("2026.1.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2026.1"', f'version: "{version}"').replace(
        "effective_from: 2026-01-01", f"effective_from: {effective}")
    old = "  general:    # 一般\n    counts_months: 12"
    assert old in text
    return text.replace(old, f"  general:    # 一般\n    counts_months: {general_months}")


def _general_record(shop, decided):
    rec = recording.create_record(shop, "ZM04", occurred_on=decided, source="supervisor", actor=None,
                                  status="confirmed", decided_on=decided, case_number=CASE)
    db.session.commit()
    return rec


def test_a_later_policy_with_longer_periods_does_not_keep_an_old_record_counting(shop, make_user, clock):
    clock(date(2026, 12, 1))
    _general_record(shop, date(2026, 3, 2))  # general, -10: counts 12 months under 2026.1
    versions.add_policy(_policy_text("2027.H", "2027-01-01", 24), actor=make_user("admin"))
    db.session.commit()
    assert grading.current_grade(shop, today=date(2027, 3, 1)).score == 90  # still inside both periods
    after = grading.compute_for(shop, date(2027, 3, 2))
    assert versions.policy_on(date(2027, 3, 2)).version == "2027.H"
    assert after.score == 100 and after.contributions == ()  # 2026.1's 12 months are over
    assert grading.current_grade(shop, today=date(2027, 3, 2)).grade == "A"
    # a record whose act happened under 2027.H counts its 24 months
    clock(date(2027, 1, 4))
    _general_record(shop, date(2027, 1, 4))
    later = grading.compute_for(shop, date(2028, 2, 1))
    assert later.score == 90 and later.contributions[0].counts_until == date(2029, 1, 4)


def test_a_later_lighter_policy_helps_an_old_record(shop, make_user, clock):
    clock(date(2026, 12, 1))
    _general_record(shop, date(2026, 10, 1))
    versions.add_policy(_policy_text("2027.L", "2027-01-01", 6), actor=make_user("admin"))
    db.session.commit()
    assert grading.compute_for(shop, date(2027, 3, 31)).score == 90
    helped = grading.compute_for(shop, date(2027, 4, 1))  # six months on: over under the lighter policy
    assert helped.score == 100 and helped.grade == "A"
    # the stored live grade knows when it lapses
    row = grading.ensure_current(shop)
    db.session.commit()
    assert row.valid_until is not None and row.valid_until <= date(2027, 4, 1)
