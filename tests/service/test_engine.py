"""The service engine (pure): grade terms, out-of-area bands, suspension proposals, the hardship floor."""
import datetime as dt

from app.service import engine
from app.service.policy import default

START = dt.date(2027, 2, 1)


def compute(**kw):
    kw.setdefault("grade", "A")
    kw.setdefault("base_tier", 12)
    kw.setdefault("base_source", "ordering")
    kw.setdefault("base_month", "2026-12")
    return engine.compute(default(), cycle_start=START, **kw)


def codes(out):
    return [r["code"] for r in out.reasons]


def test_grade_terms_of_the_default_policy(app):
    assert (compute(grade="AAA").tier, compute(grade="AAA").coefficient_pct) == (13, 120)
    assert (compute(grade="AA").tier, compute(grade="AA").coefficient_pct) == (12, 110)
    assert (compute(grade="A").tier, compute(grade="A").coefficient_pct) == (12, 100)
    assert (compute(grade="B").tier, compute(grade="B").coefficient_pct) == (11, 90)
    assert (compute(grade="C").tier, compute(grade="C").coefficient_pct) == (10, 70)
    assert compute(grade="AAA").scarce_priority == 1 and compute(grade="B").scarce_priority == 0


def test_grade_d_proposes_a_suspension_and_never_keeps_its_tier_supplied(app):
    out = compute(grade="D", base_tier=11)
    assert out.suspended and out.coefficient_pct == 0 and out.scarce_priority == 0
    assert out.proposal == {"kind": "grade", "record_id": None, "until": None, "grade": "D", "quantity": None}
    assert "suspend_grade" in codes(out)


def test_a_suspension_in_force_continues_without_a_new_proposal(app):
    active = [engine.ActiveSuspension(7, "grade", None, None)]
    out = compute(grade="D", active=active)
    assert out.suspended and out.proposal is None
    assert out.reasons[-1] == {"code": "suspended_grade", "params": {"suspension_id": 7, "until": None}}
    # the grade recovered: the suspension no longer holds the row (the daily job lifts it)
    assert not compute(grade="B", active=active).suspended


def test_out_of_area_cartons_lower_the_tier_by_quantity_for_months(app):
    rec = engine.Circulation(5, "ZM11", 12, dt.date(2026, 12, 10))  # band 10+: -2 for 2 months
    out = compute(circulation=[rec])
    assert out.tier == 10 and not out.suspended
    assert out.reasons[2]["params"]["until"] == "2027-02-10"
    assert compute(circulation=[engine.Circulation(5, "ZM11", 12, dt.date(2026, 11, 30))]).tier == 12  # ended
    big = compute(circulation=[engine.Circulation(6, "YX02", 60, dt.date(2027, 1, 20))])  # band 50+: suspend 4 months
    assert big.suspended and big.proposal["kind"] == "circulation" and big.proposal["until"] == "2027-05-20"
    assert big.tier == 8


def test_tier_stays_within_range_and_hardship_holds_the_floor(app):
    assert compute(grade="C", base_tier=1).tier == 1
    assert "tier_clamped" in codes(compute(grade="C", base_tier=1))
    assert compute(grade="AAA", base_tier=30).tier == 30
    protected = compute(grade="C", hardship=True)
    assert protected.coefficient_pct == 100 and protected.reasons[-1]["params"]["staff_only"]
    # a suspension is a decision of its own: hardship does not undo it
    assert compute(grade="D", hardship=True).coefficient_pct == 0


def test_hints_name_the_next_grades(app):
    out = compute(grade="B")
    hints = engine.what_raises(default(), "B", out)
    assert [h["params"]["grade"] for h in hints] == ["A", "AA"]


def test_letter_classes_move_with_the_grade_and_are_held_at_the_ends(app):
    # plain classes A > B > C > D > E
    assert compute(grade="C", class_code="B").class_code == "D"        # C: two classes down
    assert compute(grade="C", class_code="D").class_code == "E"        # held at the bottom
    assert compute(grade="B", class_code="C").class_code == "D"
    assert compute(grade="AAA", class_code="B").class_code == "A"      # one class up
    assert compute(grade="AAA", class_code="A").class_code == "A"      # held at the top
    assert compute(grade="A", class_code="C").class_code == "C"
    # the city's market x format x scale codes move on their scale digit (1 largest)
    assert compute(grade="C", class_code="CZ1").class_code == "CZ3"
    assert compute(grade="AAA", class_code="XB2").class_code == "XB1"
    assert compute(grade="B", class_code="CS3").class_code == "CS3"
    out = compute(grade="C", class_code="D")
    moved = next(r for r in out.reasons if r["code"] == "class")
    assert moved["params"] == {"base": "D", "code": "E", "delta": -2, "held": True}
    assert compute(grade="A").class_code is None and "class" not in codes(compute(grade="A"))


def test_circulation_moves_the_class_too_and_the_tier_stays_in_range(app):
    rec = engine.Circulation(5, "ZM11", 25, dt.date(2027, 1, 10))  # band 3: tier -3 for 3 months
    out = compute(grade="B", base_tier=2, class_code="A", circulation=[rec])
    assert out.tier == 1 and out.class_code == "E"                  # -1 -4 = -4: A -> E
    assert "tier_clamped" in codes(out)


def test_a_policy_without_letter_classes_passes_the_class_through(app):
    from app.service.policy import default_text, parse

    text = default_text()
    start, end = text.index("letter_classes:"), text.index("# Confirmed records")
    pol = parse(text[:start] + text[end:])
    out = engine.compute(pol, grade="C", base_tier=12, base_source="ordering", base_month="2026-12",
                         cycle_start=START, class_code="CZ1")
    assert out.class_code == "CZ1" and "class" not in codes(out)


def test_unranked_and_bad_class_scales(app):
    import pytest

    from app.common.errors import ServiceError
    from app.service.policy import default_text, parse

    out = compute(grade="C", class_code="CZ9")
    assert out.class_code == "CZ9" and "class_unranked" in codes(out)
    text = default_text().replace('- [A, B, C, D, E]', '- [A, B, "1", D]')
    with pytest.raises(ServiceError) as bad:
        parse(text)
    assert any("one scale only" in e or "一个序列" in e for e in bad.value.errors["text"])
