"""The bureau's reports: asked for on the page → job → kept PDF → download; the quarterly analysis in
Chinese with its charts (pdftotext); who may read which; the periodic task; bad requests."""
import os
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.common.time import utcnow
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.jobs.models import Job
from app.reports.models import BureauReport

# poppler-utils come with `make system-deps`; under CI a missing tool fails the run instead of skipping it.
needs_poppler = pytest.mark.skipif(os.environ.get("CI") != "true" and not shutil.which("pdftotext"),
                                   reason="poppler-utils missing: run `make system-deps`")


def publish(quarter, rows):
    """A published evaluation of ``quarter`` with (shop, grade, previous grade) rows."""
    end = date(int(quarter[:4]), 3 * int(quarter[-1]), 28)
    run = EvaluationRun(quarter=quarter, as_of=end, status="published", retailer_count=len(rows),
                        published_at=utcnow() - timedelta(days=30), objection_closes_on=end + timedelta(days=25),
                        summary={})
    db.session.add(run)
    db.session.flush()
    for shop, grade, prev in rows:
        db.session.add(EvaluationRow(run_id=run.id, retailer_id=shop.id, unit_id=shop.unit_id, score=100, monopoly=0,
                                     marketing=0, social=0, score_grade=grade, grade=grade, previous_grade=prev))
    db.session.commit()
    return run


def pdf_text(data, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@needs_poppler
def test_quarterly_analysis_in_chinese_with_its_charts(city, make_retailer, signed_in, tmp_path):
    more = [make_retailer() for _ in range(3)]
    publish("2026Q2", [(city.shop_a, "A", None), (city.shop_b, "A", None)] + [(s, "A", None) for s in more])
    publish("2026Q3", [(city.shop_a, "B", "A"), (city.shop_b, "AA", "A"), (more[0], "A", "A"), (more[1], "A", "A"),
                       (more[2], "C", "A")])
    s = signed_in(city.sup_city)
    response = s.post("/reports", data={"kind": "quarterly_analysis", "period": "2026Q3", "unit": ""})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = db.session.scalars(select(Job)).one()
    assert job.state == "done", job.error
    report = db.session.scalars(select(BureauReport)).one()
    assert (report.kind, report.period, report.unit_id, report.job_id) == ("quarterly_analysis", "2026Q3", None, job.id)
    assert f"/reports/{report.id}/file" in s.get(response.headers["Location"]).get_data(as_text=True)
    listing = s.get("/reports").get_data(as_text=True)
    assert f"/reports/{report.id}/file" in listing and "2026Q3" in listing
    pdf = s.get(f"/reports/{report.id}/file")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    import hashlib

    assert hashlib.sha256(pdf.data).hexdigest() == report.sha256
    text = pdf_text(pdf.data, tmp_path)
    for heading in ("统计分析报告", "各县区信用等级分布", "违规行为分类", "信用修复与异议", "检查覆盖", "失信预警",
                    "2026Q3", "2026Q2"):
        assert heading in text, heading
    # shop_b A → AA; shop_a A → B and one shop A → C; two stay at A
    assert "升级 1 户，降级 2 户，持平 2 户，首次评价 0 户" in text
    # the county's name is printed in the four tables and drawn in the two charts (grades, coverage)
    assert text.count("清江浦区") >= 6, text.count("清江浦区")
    assert text.count("盱眙县") >= 6


def test_quarterly_analysis_needs_a_published_quarter(city, signed_in):
    s = signed_in(city.sup_city)
    response = s.post("/reports", data={"kind": "quarterly_analysis", "period": "2026Q3"})
    assert response.status_code == 422
    assert "尚未发布" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Job.id))) == 0


@pytest.mark.parametrize("period, message", [("2026-13", "2026-11"), ("2026-12", "尚未结束"), ("2026Q3", "月份")])
def test_bad_requests_are_refused_with_the_input_kept(city, signed_in, period, message):
    s = signed_in(city.sup_city)
    response = s.post("/reports", data={"kind": "ranking", "period": period})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert f'value="{period}"' in body  # the input is kept
    assert db.session.scalar(select(func.count(Job.id))) == 0


def test_who_reads_which_report(city, signed_in):
    from app.reports import bureau

    ranking = bureau.generate("ranking", "2026-11")
    update_a = bureau.generate("monthly_update", "2026-11", city.a)
    update_b = bureau.generate("monthly_update", "2026-11", city.b)
    db.session.commit()
    sup_a, sup_b, sup_city = signed_in(city.sup_a), signed_in(city.sup_b), signed_in(city.sup_city)
    # the city-wide 通报 is for the city level only; each county reads its own update
    assert sup_city.get(f"/reports/{ranking.id}/file").status_code == 200
    assert sup_a.get(f"/reports/{ranking.id}/file").status_code == 404
    assert sup_a.get(f"/reports/{update_a.id}/file").status_code == 200
    assert sup_b.get(f"/reports/{update_a.id}/file").status_code == 404
    assert sup_b.get(f"/reports/{update_b.id}/file").status_code == 200
    listing = sup_a.get("/reports").get_data(as_text=True)
    assert f"/reports/{update_a.id}/file" in listing
    assert f"/reports/{ranking.id}/file" not in listing and f"/reports/{update_b.id}/file" not in listing
    assert listing.count('data-testid="report"') == 1
    # a county supervisor asks only for its own county's monthly update
    assert sup_a.post("/reports", data={"kind": "ranking", "period": "2026-11"}).status_code == 403
    assert sup_a.post("/reports", data={"kind": "monthly_update", "period": "2026-11",
                                        "unit": city.b.code}).status_code == 403
    ok = sup_a.post("/reports", data={"kind": "monthly_update", "period": "2026-11", "unit": city.a.code})
    assert ok.status_code == 302
    assert db.session.scalar(select(func.count(BureauReport.id)).where(BureauReport.unit_id == city.a.id)) == 2
    # an inspector reads none of it
    inspector = signed_in(city.i1)
    assert inspector.get("/reports").status_code == 403
    assert inspector.get("/assessment").status_code == 403


@needs_poppler
def test_ranking_and_monthly_update_print_the_figures(city, tmp_path):
    from app.reports import bureau

    ranking = bureau.generate("ranking", "2026-11")
    update = bureau.generate("monthly_update", "2026-11", city.a)
    db.session.commit()
    text = pdf_text(open(bureau.file_path(ranking), "rb").read(), tmp_path)
    assert "通报" in text and "58.3%" in text and "50.0%" in text
    assert text.index("盱眙县") < text.index("清江浦区")  # ranked first
    text = pdf_text(open(bureau.file_path(update), "rb").read(), tmp_path)
    compact = text.replace(" ", "")
    assert "月度动态更新" in text and "清江浦区" in text and "4/2/1" in compact and "3.0/10.0" in compact
    assert "盱眙县" not in text  # a county's update holds only that county


def test_periodic_reports_once(city, clock):
    from app.reports import bureau

    publish("2026Q3", [(city.shop_a, "A", None), (city.shop_b, "A", None)])
    clock(date(2026, 12, 1), hour=6)
    made = bureau.periodic()
    counties = len(bureau.F.counties())
    assert made == {"monthly_update": counties + 1, "ranking": 1, "quarterly_analysis": 1}
    db.session.commit()
    assert bureau.periodic() == {}  # nothing twice
    periods = set(db.session.scalars(select(BureauReport.period)))
    assert periods == {"2026-11", "2026Q3"}


def test_assessment_page(city, signed_in):
    page = signed_in(city.sup_city).get("/assessment?period=2026-11").get_data(as_text=True)
    assert page.index(f'data-code="{city.b.code}" data-rank="1"') < page.index(f'data-code="{city.a.code}" data-rank="2"')
    assert "甲检查员" in page and "丙检查员" in page
    county = signed_in(city.sup_a).get("/assessment?period=2026-11").get_data(as_text=True)
    assert "甲检查员" in county and "丙检查员" not in county
    assert f'data-code="{city.b.code}"' not in county
    assert "4 / 2 / 1" in county
    bad = signed_in(city.sup_a).get("/assessment?period=2026-99")
    assert bad.status_code == 200 and "2026-11" in bad.get_data(as_text=True)
