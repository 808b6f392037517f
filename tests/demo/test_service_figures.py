"""The demo's ordering figures (app/demo/service.py::monthly_figures): deterministic, and carrying the
anomalies the early warnings look for: heavy ordering around an illegal-channel finding, licences that
stop ordering."""
from datetime import date

from app.demo import service
from app.warnings.signals import idle_months, volume_outliers

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def test_same_arguments_same_figures():
    a = service.monthly_figures(7, "320812000001", 12, "city", "grocery", MONTHS)
    assert a == service.monthly_figures(7, "320812000001", 12, "city", "grocery", MONTHS)
    assert [f["month"] for f in a] == MONTHS and all(f["class_code"][1] == "Z" for f in a)


def test_heavy_before_a_channel_finding_and_caught_by_the_signal(monkeypatch):
    monkeypatch.setattr(service, "HEAVY_SHARE", 0.0)
    monkeypatch.setattr(service, "DORMANT_SHARE", 0.0)
    finding = date(2026, 9, 15)
    shops = {f"3208120000{i:02d}": service.monthly_figures(1, f"3208120000{i:02d}", 10, "city", "convenience", MONTHS)
             for i in range(20)}
    caught = service.monthly_figures(1, "320812000099", 10, "city", "convenience", MONTHS, [finding])
    from statistics import median

    by_month = {f["month"]: f["order_cartons"] for f in caught}

    def peers(month):
        return median(f["order_cartons"] for rows in shops.values() for f in rows if f["month"] == month)

    assert by_month["2026-07"] > 1.3 * peers("2026-07")  # within 120 days before the finding: 2.2-3.5 x
    assert by_month["2026-02"] < 1.5 * peers("2026-02")  # long before: ordinary
    window = ["2026-06", "2026-07", "2026-08"]
    totals = {no: ((10, "convenience"), sum(f["order_cartons"] for f in rows if f["month"] in window))
              for no, rows in {**shops, "320812000099": caught}.items()}
    assert "320812000099" in volume_outliers(totals, k=5, ratio=1.5, min_peers=8)


def test_some_licences_stop_ordering(monkeypatch):
    monkeypatch.setattr(service, "DORMANT_SHARE", 1.0)
    rows = service.monthly_figures(3, "320812000005", 8, "village", "grocery", MONTHS)
    zeros = [f["month"] for f in rows if f["order_cartons"] == 0]
    assert zeros and zeros == MONTHS[MONTHS.index(zeros[0]):]  # from some month on, every month
    ordered = {"x": {f["month"]: f["order_cartons"] for f in rows}}
    assert bool(idle_months(ordered, MONTHS[-3:], minimum=2)) == (len(zeros) >= 2)
