"""Deadlines in working days by China's official calendar: holidays skipped, adjusted weekends counted."""
from datetime import date

import pytest

from app.common.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.usefixtures("app")  # the official calendar is read from the database


def test_calendar_data_for_2026():
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 10, 10))  # Saturday, an adjusted working day (调休)
    assert is_working_day(date(2026, 9, 20))  # Sunday, adjusted working day before the holidays
    assert not is_working_day(date(2026, 2, 17))  # Spring Festival
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))  # adjusted Saturdays


def test_acceptance_and_decision_across_national_day():
    submitted = date(2026, 9, 30)  # Wednesday before the National Day holidays (Oct 1-7)
    # working days after it: Oct 8 (Thu), Oct 9 (Fri), Oct 10 (adjusted Saturday)
    assert add_working_days(submitted, 3) == date(2026, 10, 10)
    # ... Oct 12, 13, 14, 15, 16, 19, 20 (Sunday Oct 11 and the weekend of Oct 17-18 are off)
    assert add_working_days(submitted, 10) == date(2026, 10, 20)
    assert working_days_between(submitted, date(2026, 10, 20)) == 10
    assert working_days_between(submitted, date(2026, 10, 7)) == 0  # the holiday week counts nothing


def test_deadlines_across_spring_festival():
    submitted = date(2026, 2, 13)  # Friday before the holidays (Feb 15-23)
    # Feb 14 (adjusted Saturday), Feb 24, Feb 25
    assert add_working_days(submitted, 3) == date(2026, 2, 25)
    # Feb 26, 27, 28 (adjusted Saturday), Mar 2, 3, 4, 5
    assert add_working_days(submitted, 10) == date(2026, 3, 5)


def test_an_ordinary_week():
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday -> Monday
    assert add_working_days(date(2026, 11, 27), 0) == date(2026, 11, 27)
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 27)) == -1


def test_years_without_data_fall_back_to_weekdays():
    assert add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)  # Friday -> Monday
