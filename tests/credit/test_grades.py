"""Engine inputs and live grades: operator link, lapse by date, GradeChange events, nightly refresh."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

import scoring
from app.common.time import local_today
from app.credit import grading, recording, versions
from app.credit.models import GradeChange, RetailerGrade
from app.extensions import db
from tests.conftest import _valid_id

CASE = "淮烟专罚〔2026〕第7号"


def confirmed(shop, code, decided, *, occurred=None, quantity=None, case=CASE):
    rec = recording.create_record(shop, code, occurred_on=occurred or decided, source="supervisor", actor=None,
                                 status="confirmed", decided_on=decided, quantity=quantity,
                                 case_number=case if code.startswith("ZM") else None)
    db.session.commit()
    return rec


def changes():
    return [(g.retailer_id, g.from_grade, g.to_grade, g.cause) for g in
            db.session.scalars(select(GradeChange).order_by(GradeChange.id))]


def test_veto_on_one_licence_gives_d_to_the_operators_other_licence_at_once(make_retailer, versions_synced,
                                                                           supervisor, ago):
    person = _valid_id(777)
    first = make_retailer(operator_id=person, shop_name="甲店")
    second = make_retailer(operator_id=person, shop_name="乙店", county="320830")  # another county, same person
    stranger = make_retailer(shop_name="丙店")
    assert first.operator_id == second.operator_id != stranger.operator_id
    for r in (first, second, stranger):
        assert grading.ensure_current(r).grade == "A"  # stored: the baseline a change is measured from
    db.session.commit()
    rec = recording.create_record(first, "ZM01", occurred_on=ago(12), source="inspection", actor=None)
    db.session.commit()
    recording.confirm(rec, CASE, ago(1), supervisor)
    db.session.commit()
    assert grading.current_grade(first).grade == "D"
    other = db.session.get(RetailerGrade, second.id)  # stored by the confirm itself, not on read
    assert (other.grade, other.score, other.rule_kind, other.rule_record_id) == ("D", 100, "veto", rec.id)
    assert db.session.get(RetailerGrade, stranger.id).grade == "A"
    assert sorted(changes()) == sorted([(first.id, "A", "D", "record.confirm"), (second.id, "A", "D", "record.confirm")])
    # what the engine is given for the second licence: the record, marked as coming through the operator
    inputs = grading.engine_inputs(second.id, local_today())
    assert [(i.id, i.via_operator) for i in inputs] == [(rec.id, True)]
    explanation = grading.explain(second)
    assert explanation["contributions"][0]["via_operator"] and explanation["contributions"][0]["points"] == 0
    assert explanation["rule"]["kind"] == "veto" and explanation["measures"]["lists"] == ["black"]


def test_engine_inputs_take_only_confirmed_and_repaired_records_known_on_the_date(shop, supervisor, ago):
    recording.create_record(shop, "ZM09", occurred_on=ago(3), source="inspection", actor=None)  # suspected
    d = recording.create_record(shop, "ZM08", occurred_on=ago(3), source="inspection", actor=None)
    recording.dismiss(d, "不成立", supervisor)
    c = confirmed(shop, "YX01", ago(10))
    late = confirmed(shop, "YX03", ago(1))
    today = local_today()
    assert [i.id for i in grading.engine_inputs(shop.id, today)] == [c.id, late.id]
    assert [i.id for i in grading.engine_inputs(shop.id, ago(5))] == [c.id]
    many = grading.engine_inputs_many([shop], today)
    assert many[shop.id] == grading.engine_inputs(shop.id, today)
    # compute_for is the engine on those inputs with the stored versions
    expected = scoring.compute(grading.engine_inputs(shop.id, today), as_of=today,
                               catalogues=versions.catalogues(), policy=versions.policy_on(today),
                               licensed_on=shop.licence_issued_on)
    assert grading.compute_for(shop, today) == expected
    assert expected.score == 95


def test_a_lapse_is_a_matter_of_date_reads_compute_and_the_nightly_job_stores(shop, today, clock):
    rec = confirmed(shop, "YX01", today - timedelta(days=40))  # minor: counts 3 months
    grade = grading.current_grade(shop)
    db.session.commit()
    assert (grade.grade, grade.score) == ("B", 97)
    lapse = scoring.add_months(rec.decided_on, 3)
    assert grade.valid_until == lapse
    assert grading.current_grade(shop, today=lapse - timedelta(days=1)).grade == "B"  # still valid the day before
    # on the lapse date, before the nightly job, the grade read is the grade for that day, not stored
    clock(lapse)
    grade = grading.current_grade(shop)
    assert (grade.grade, grade.score, grade.as_of, grade.valid_until) == ("A", 100, lapse, None)
    assert grade not in db.session and db.session.get(RetailerGrade, shop.id).grade == "B"
    assert changes() == [(shop.id, "A", "B", "record.create")]  # reading wrote nothing
    assert grading.refresh_due(lapse) == (1, 1)  # the nightly job stores it, with its event
    db.session.commit()
    assert changes() == [(shop.id, "A", "B", "record.create"), (shop.id, "B", "A", "lapse")]


def test_grade_change_is_written_when_the_grade_changes_not_when_only_the_score_moves(shop, ago):
    grading.ensure_current(shop)
    assert changes() == []  # the first grade of a licence is not a change
    confirmed(shop, "YX55", ago(30))  # model retailer +10 → 110 AA
    assert db.session.get(RetailerGrade, shop.id).grade == "AA"
    assert changes() == [(shop.id, "A", "AA", "record.create")]
    confirmed(shop, "YX51", ago(20))  # +2 → 112, still AA
    grade = db.session.get(RetailerGrade, shop.id)
    assert (grade.grade, grade.score) == ("AA", 112)
    assert len(changes()) == 1
    confirmed(shop, "YX01", ago(10))  # -3 → 109 A
    assert db.session.get(RetailerGrade, shop.id).grade == "A"
    assert changes()[1:] == [(shop.id, "AA", "A", "record.create")]
    grading.recompute(shop, "manual")
    assert len(changes()) == 2
    change = db.session.scalars(select(GradeChange).order_by(GradeChange.id.desc())).first()
    assert (change.from_score, change.to_score) == (112, 109)


def test_refresh_due_recomputes_every_stale_grade_in_one_pass(make_retailer, versions_synced, today):
    shops = [make_retailer(shop_name=f"店{i}") for i in range(4)]
    confirmed(shops[0], "YX01", today - timedelta(days=80))
    fresh = grading.ensure_current(shops[1])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RetailerGrade)) == 2
    count, changed = grading.refresh_due(today)
    db.session.commit()
    assert (count, changed) == (2, 0)  # the two licences without a grade
    assert db.session.scalar(select(func.count()).select_from(RetailerGrade)) == 4
    assert db.session.get(RetailerGrade, shops[1].id).computed_at == fresh.computed_at  # not stale: untouched
    later = today + timedelta(days=20)  # the minor record lapsed
    count, changed = grading.refresh_due(later)
    db.session.commit()
    assert (count, changed) == (1, 1)
    assert changes() == [(shops[0].id, "A", "B", "record.create"), (shops[0].id, "B", "A", "lapse")]
    assert grading.refresh_due(later) == (0, 0)


def test_new_licence_is_capped_at_a_and_the_cap_expires_by_date(make_retailer, versions_synced, today):
    shop = make_retailer(licence_issued_on=today - timedelta(days=30))
    confirmed(shop, "YX55", today - timedelta(days=5))  # 110 would be AA
    grade = grading.current_grade(shop)
    assert (grade.grade, grade.score, grade.rule_kind) == ("A", 110, "new_licence")
    assert grade.valid_until == scoring.add_months(shop.licence_issued_on, 6)
    assert grading.current_grade(shop, today=grade.valid_until).grade == "AA"


def test_explanation_lists_contributions_with_names_points_and_counts_until(shop, ago):
    rec = confirmed(shop, "ZM11", ago(10), quantity=12)
    out = grading.explain(shop)
    assert (out["score"], out["grade"], out["subtotals"]["monopoly"]) == (88, "B", -12)
    (c,) = out["contributions"]
    assert (c["record_id"], c["name_zh"], c["points"], c["counts_until"], c["case_number"]) == (
        rec.id, "经营非本户或跨区域卷烟（按条数计）", -12, scoring.add_months(ago(10), 12), CASE)
    assert out["measures"]["grade"] == "B" and out["measures"]["warning_interview_days"] == 30


@pytest.mark.parametrize("effective_in_days", [30])
def test_a_new_policy_version_cuts_the_validity_of_live_grades(shop, make_user, effective_in_days, today):
    grade = grading.ensure_current(shop)
    db.session.commit()
    assert grade.valid_until is None
    start = today + timedelta(days=effective_in_days)
    text = versions.POLICY.directory.joinpath("2026.1.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2026.1"', 'version: "2027.0"').replace("effective_from: 2026-01-01",
                                                                          f"effective_from: {start.isoformat()}")
    text = text.replace("{grade: A, min_score: 100}", "{grade: A, min_score: 101}")
    versions.add_policy(text, actor=make_user("admin"))
    db.session.commit()
    assert db.session.get(RetailerGrade, shop.id).valid_until == start
    assert grading.current_grade(shop, today=start).grade == "B"  # 100 is B under the new thresholds
    assert versions.policy_on(start).version == "2027.0" and versions.policy_on(today).version == "2026.1"
    _ = date
