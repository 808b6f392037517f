"""What a retailer is shown about its credit: grade, score and subtotals, every record that moves
it and until when, the score over the quarters (SVG), the measures at this grade, and the steps
that would raise it. Used by the retailer's pages, the API and the PDF report alike."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import get_locale
from markupsafe import Markup, escape
from sqlalchemy import select

from app.common.time import local_today
from app.credit.models import CreditRecord
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.extensions import db
from app.repair import credit_link
from app.retailers.models import Retailer

GRADE_ORDER = ("AAA", "AA", "A", "B", "C", "D")


def zh() -> bool:
    return str(get_locale()).startswith("zh")


@dataclass
class RecordLine:
    record: CreditRecord
    name: str
    points: int
    counts_until: date | None
    counting: bool
    severity: str


def official_grade(retailer: Retailer):
    """The last published quarterly grade: (EvaluationRow, EvaluationRun) or None."""
    row = db.session.execute(
        select(EvaluationRow, EvaluationRun).join(EvaluationRun, EvaluationRun.id == EvaluationRow.run_id)
        .where(EvaluationRow.retailer_id == retailer.id, EvaluationRun.status == "published")
        .order_by(EvaluationRun.as_of.desc())).first()
    return (row[0], row[1]) if row else None


def quarter_ends(today: date, n: int = 8) -> list[date]:
    ends = []
    q_month = ((today.month - 1) // 3) * 3 + 1  # first month of the current quarter
    end = date(today.year, q_month, 1) - timedelta(days=1)
    for _ in range(n):
        ends.append(end)
        end = date(end.year, ((end.month - 1) // 3) * 3 + 1, 1) - timedelta(days=1)
    return list(reversed(ends))


def history(retailer: Retailer, today: date | None = None, n: int = 8):
    """Score and grade at each of the last n quarter ends (facts known on that date) and today."""
    today = today or local_today()
    points = []
    for day in quarter_ends(today, n - 1) + [today]:
        if day < retailer.licence_issued_on:
            continue
        try:
            r = credit_link.compute(retailer, day)
        except LookupError:  # before the first policy version: no grading then
            continue
        q = f"{day.year}Q{(day.month - 1) // 3 + 1}" if day != today else ("今天" if zh() else "Today")
        points.append({"label": q, "as_of": day, "score": r.score, "grade": r.grade})
    return points


def chart_svg(points, width=360, height=200) -> Markup:
    """A server-rendered line chart of the score with the grade at each point (no JavaScript)."""
    if not points:
        return Markup("")
    left, right, top, bottom = 34, 12, 14, 34
    scores = [p["score"] for p in points]
    lo = min(min(scores), 85) - 5
    hi = max(max(scores), 110) + 5
    w, h = width - left - right, height - top - bottom
    step = w / max(1, len(points) - 1)

    def y(v):
        return top + h - (v - lo) * h / (hi - lo)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="score chart" class="score-chart" font-family="WenQuanYi Micro Hei, sans-serif">']
    for threshold, grade in ((120, "AAA"), (110, "AA"), (100, "A"), (85, "B"), (70, "C")):
        if lo <= threshold <= hi:
            parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(threshold):.1f}" y2="{y(threshold):.1f}" '
                         f'stroke="#ddd" stroke-dasharray="3,3"/>')
            parts.append(f'<text x="{left - 4}" y="{y(threshold) + 4:.1f}" font-size="10" text-anchor="end" '
                         f'fill="#888">{grade}</text>')
    coords = [(left + i * step, y(p["score"])) for i, p in enumerate(points)]
    parts.append('<polyline fill="none" stroke="#b71c1c" stroke-width="2" points="'
                 + " ".join(f"{x:.1f},{yy:.1f}" for x, yy in coords) + '"/>')
    for (x, yy), p in zip(coords, points):
        parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="3" fill="#b71c1c"/>')
        parts.append(f'<text x="{x:.1f}" y="{yy - 6:.1f}" font-size="10" text-anchor="middle">'
                     f'{escape(p["grade"])} {p["score"]}</text>')
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" font-size="9" text-anchor="middle" fill="#555">'
                     f'{escape(p["label"][2:] if p["label"][:2] == "20" else p["label"])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def indicator_name(record: CreditRecord) -> str:
    try:
        ind = credit_link.indicator(record)
    except KeyError:
        return record.indicator_code
    return ind.name_zh if zh() else ind.name_en


def record_lines(retailer: Retailer, result) -> list[RecordLine]:
    """Every record of this licence a retailer should know of: counting ones with their points and
    end date, then the others (suspected, dismissed, repaired, lapsed) for the record."""
    contrib = {c.record_id: c for c in result.contributions}
    records = list(db.session.scalars(select(CreditRecord).where(CreditRecord.retailer_id == retailer.id)
                                      .order_by(CreditRecord.occurred_on.desc(), CreditRecord.id.desc())))
    lines = []
    for rec in records:
        c = contrib.get(rec.id)
        try:
            severity = credit_link.indicator(rec).severity
        except KeyError:
            severity = ""
        lines.append(RecordLine(rec, indicator_name(rec), c.points if c else 0, c.counts_until if c else None,
                                c is not None, severity))
    # operator-linked records of other licences that carry a veto or cap here
    for c in result.contributions:
        if c.via_operator:
            rec = db.session.get(CreditRecord, c.record_id)
            if rec is not None:
                lines.append(RecordLine(rec, indicator_name(rec), 0, c.counts_until, True, c.severity))
    return sorted(lines, key=lambda line: (not line.counting, line.record.occurred_on), reverse=False)


def measures(grade: str, policy):
    from scoring import measures_for

    return measures_for(grade, policy)


def steps_to_improve(retailer: Retailer, result, lines, user) -> list[str]:
    """Concrete steps, in the retailer's language: the next grade the points can reach (none above
    what a veto or cap allows while it holds), when a rule ends, lapses, repairs, bonuses."""
    from flask_babel import gettext as _

    from app.commitments import services as commitments
    from app.repair import services as repair

    steps = []
    policy = credit_link.policy_on(result.as_of)
    rule = result.rule
    better = [t for t in policy.grades if t.min_score is not None and t.min_score > result.score]
    if rule is not None:
        # While a veto or a cap holds, points cannot lift the grade above what the rule allows.
        better = [t for t in better if policy.rank(t.grade) >= policy.rank(rule.grade)]
    if better:
        nxt = better[-1]
        steps.append(_("%(n)d more points would raise the grade to %(g)s.", n=nxt.min_score - result.score,
                       g=nxt.grade))
    if rule is not None:
        until = rule.until.isoformat()
        if rule.kind == "veto":
            steps.append(_("A veto holds the grade at %(g)s until %(d)s: no points raise it before then.",
                           g=rule.grade, d=until))
        elif rule.kind == "cap":
            steps.append(_("An administrative penalty caps the grade at %(g)s until %(d)s.", g=rule.grade, d=until))
        else:
            steps.append(_("A new licence is graded at most %(g)s until %(d)s.", g=rule.grade, d=until))
        if rule.until > result.as_of:
            after = credit_link.compute(retailer, rule.until).grade
            steps.append(_("From %(d)s the rule no longer applies; on the records known today the grade will then "
                           "be %(g)s.", d=until, g=after))
    for line in lines:
        if not line.counting or line.points >= 0:
            continue
        steps.append(_("“%(name)s” (%(n)d points) stops counting on %(d)s.", name=line.name, n=line.points,
                       d=line.counts_until.isoformat()))
        if user is not None:
            elig = repair.eligibility(line.record, user)
            if elig is not None:
                codes = {r.code for r in elig.reasons}
                if not codes & {"not_counting", "lapses_by_itself", "not_repairable", "already_repaired",
                                "min_period_not_passed"}:
                    steps.append(_("You may ask for credit repair of this record."))
                else:
                    for r in elig.reasons:
                        if r.code == "min_period_not_passed":
                            steps.append(_("Credit repair of this record may be asked for from %(d)s.",
                                           d=r.met_on.isoformat()))
    if commitments.active(retailer) is None:
        steps.append(_("Sign the credit commitment: keeping it a full year earns 5 points."))
    else:
        steps.append(_("Keep the commitment for a full year to earn 5 points."))
    steps.append(_("Integrity group stars and model-retailer honours also add points (at most 30 in all)."))
    return steps


def overview(retailer: Retailer, user=None, today: date | None = None) -> dict:
    today = today or local_today()
    result = credit_link.compute(retailer, today)
    policy = credit_link.policy_on(today)
    lines = record_lines(retailer, result)
    hist = history(retailer, today)
    official = official_grade(retailer)
    return {
        "retailer": retailer, "result": result, "lines": lines, "history": hist, "chart": chart_svg(hist),
        "measures": measures(result.grade, policy), "official": official, "today": today,
        "steps": steps_to_improve(retailer, result, lines, user), "zh": zh(),
    }
