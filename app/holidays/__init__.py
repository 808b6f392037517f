"""The official calendar as data: each year's State Council holiday schedule (holidays and adjusted
working days 调休), entered or imported by an admin, or seeded from the ``chinese_calendar`` package for
the years it ships. ``app.common.workdays`` reads it. See docs/calendar.md."""
