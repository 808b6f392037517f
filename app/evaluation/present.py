"""Data for the API and the pages: a run with its distribution and movers, a row with its explanation."""
from __future__ import annotations

from flask_babel import get_locale
from sqlalchemy import select

from app.auth import policy
from app.evaluation import services, sources
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer


def run_detail(run: EvaluationRun, user, movers_limit: int = 10) -> dict:
    dist = services.distribution(run, user)
    moved = services.movers(run, user, movers_limit)

    def mover(m):
        return {"retailer_id": m["retailer"].id, "licence_no": m["retailer"].licence_no,
                "shop_name": m["retailer"].shop_name, "previous_grade": m["before_grade"], "grade": m["row"].grade,
                "previous_score": m["before_score"], "score": m["row"].score}

    data = {c.key: getattr(run, c.key) for c in EvaluationRun.__table__.columns if c.key != "summary"}
    data.update(
        provisional=services.is_provisional(run),
        previous_quarter=dist.previous_quarter, total=dist.total,
        grades=[{"grade": g, "count": now, "previous": before} for g, (now, before) in dist.grades.items()],
        counties=[{"unit": code, "unit_name": name,
                   "grades": [{"grade": g, "count": now, "previous": before} for g, (now, before) in grades.items()]}
                  for code, name, grades in dist.counties],
        movers_up=[mover(m) for m in moved["up"]], movers_down=[mover(m) for m in moved["down"]],
        rules=(run.summary or {}).get("rules", {}) if user.is_city_level else {},
    )
    return data


def row_dict(row: EvaluationRow, retailer: Retailer, unit_code: str | None = None) -> dict:
    data = {k: getattr(row, k) for k in ("retailer_id", "score", "monopoly", "marketing", "social", "score_grade",
                                         "grade", "previous_grade", "rule_kind", "rule_record_id")}
    data.update(licence_no=retailer.licence_no, shop_name=retailer.shop_name,
                unit=unit_code or (retailer.unit.code if retailer.unit else None))
    return data


def scoped_row(run: EvaluationRun, user, retailer_id: int):
    """(row, retailer) of one licence in a run, or None when missing or outside the user's county."""
    stmt = (select(EvaluationRow, Retailer).join(Retailer, Retailer.id == EvaluationRow.retailer_id)
            .where(EvaluationRow.run_id == run.id, EvaluationRow.retailer_id == retailer_id))
    found = db.session.execute(policy.scope(user, "evaluation.read", stmt, EvaluationRow)).first()
    return (found[0], found[1]) if found else None


def indicator_name(code: str, version: str) -> str:
    catalogue = sources.catalogues().get(version)
    if catalogue is None or code not in catalogue:
        return code
    indicator = catalogue.indicator(code)
    return indicator.name_zh if str(get_locale()).startswith("zh") else indicator.name_en


def explanation(run: EvaluationRun, row: EvaluationRow, retailer: Retailer) -> dict:
    """The row and the engine's contributions for this one licence as of the run's date."""
    result = services.explain(run, retailer)
    rule = None
    if result.rule is not None:
        rule = {"kind": result.rule.kind, "record_id": result.rule.record_id,
                "indicator_code": result.rule.indicator_code, "until": result.rule.until.isoformat(),
                "grade": result.rule.grade}
    matches = (result.score == row.score and result.grade == row.grade and result.score_grade == row.score_grade
               and (result.rule.kind if result.rule else None) == row.rule_kind
               and (result.rule.record_id if result.rule else None) == row.rule_record_id
               and [result.subtotals.get(d, 0) for d in ("monopoly", "marketing", "social")]
               == [row.monopoly, row.marketing, row.social])
    contributions = []
    for c in result.contributions:
        item = {k: getattr(c, k) for k in ("record_id", "indicator_code", "dimension", "severity", "points",
                                           "nominal_points", "counts_until", "catalogue_version_applied",
                                           "via_operator", "capped", "note")}
        item["indicator_name"] = indicator_name(c.indicator_code, c.catalogue_version_applied)
        contributions.append(item)
    unit = db.session.get(OrgUnit, row.unit_id)
    return {"row": row_dict(row, retailer, unit.code if unit else None), "as_of": result.as_of,
            "policy_version": result.policy_version, "base": result.base, "contributions": contributions,
            "rule": rule, "matches_row": matches}


def public_results(q: str) -> list[dict]:
    retailers = services.public_search(q)
    grades = services.public_grades([r.id for r in retailers])
    out = []
    for r in retailers:
        g = grades.get(r.id)
        out.append({"retailer": r, "licence_no": r.licence_no, "shop_name": r.shop_name,
                    "grade": g.grade if g else None, "quarter": g.quarter if g else None,
                    "published_on": g.published_on if g else None})
    return out
