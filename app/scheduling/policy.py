"""The scheduling policy's defaults, taken from the grade policy's measures list (scoring/policies).

Per grade the inspection interval and the random-draw share come from ``measures`` of the grade
policy in force; the warning-interview period from the B grade's ``warning_interview_days``. The
rest (officer capacity, window, visit length, county working hours) are scheduling defaults. An
admin changes any of it by adding a new ``SchedulingPolicy`` version (app.scheduling.models).
Pure: no Flask, no database."""
from __future__ import annotations

from datetime import date

from scoring import available_policies, policy_for

from app.scheduling.planner import GradeRule, Policy

DEFAULT_HOURS = ("08:30", "17:30")
COUNTY_CODES = ("320812", "320803", "320804", "320813", "320826", "320830", "320831", "320871")


def default_policy(as_of: date | None = None) -> Policy:
    grade_policy = policy_for(as_of or date(2026, 1, 1), available_policies())
    grades, interview = {}, 30
    for m in grade_policy.measures:
        grades[m.grade] = GradeRule(m.inspection_interval_days, m.random_draw_share)
        if m.warning_interview_days:
            interview = m.warning_interview_days
    return Policy(version=f"{grade_policy.version}-s1", grades=grades, interview_days=interview,
                  hours={code: DEFAULT_HOURS for code in COUNTY_CODES})
