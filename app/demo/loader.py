"""Loading the Huai'an demo city into the database, in one transaction.

The data comes from :mod:`app.demo.generator` (pure and deterministic for a seed); this module
only writes it, with the credit history and the past inspections (:mod:`app.demo.history`,
:mod:`app.demo.inspections`), the retailer side, and the published evaluation of the last full
quarter (:func:`publish_last_quarter`). Loading refuses when data exists, unless ``reset`` is given: then everything but
the audit trail is deleted first, in the same transaction, so a load is all or nothing."""
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select, update

from app.audit.services import record
from app.common.time import local_today
from app.auth.models import ApiToken, LoginAttempt, SecurityEvent, User, UserSession, user_retailers
from app.auth.services import _sha256, hash_password
from app.extensions import db
from app.org.models import OrgUnit
from app.org.services import ensure_units
from app.common.uscc import mask_id_number
from app.retailers.identity import id_hash
from app.retailers.models import Operator, Retailer
from app.retailers.pinyin import initials

DEMO_PASSWORD = "Demo-2026"
CHUNK = 1000


class DemoDataExists(Exception):
    pass


@dataclass
class LoadResult:
    retailers: int
    operators: int
    users: int
    logins: list = field(default_factory=list)  # (username, role, unit, note)
    partner_tokens: list = field(default_factory=list)  # (username, token)
    credit: dict = field(default_factory=dict)
    service: dict = field(default_factory=dict)  # ordering figures and the published service run  # credit history: records, suspected, live grades by grade
    evaluation: dict = field(default_factory=dict)  # the published quarterly evaluation (quarter, run, dates)


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count(Retailer.id)))) or bool(
        db.session.scalar(select(func.count(User.id))))


def _wipe():
    """Delete all domain data (children first). The audit trail is append-only and stays."""
    from app.models_registry import tables_to_wipe

    for table in tables_to_wipe():
        db.session.execute(delete(table))
    for model in (UserSession, ApiToken, LoginAttempt, SecurityEvent):
        db.session.execute(delete(model))
    db.session.execute(delete(user_retailers))
    from app.holidays.models import CalendarYear

    # the official calendar is reference data and stays; it no longer names the demo's admins
    db.session.execute(update(CalendarYear).values(entered_by_id=None))
    db.session.execute(delete(User))
    db.session.execute(delete(Retailer))
    db.session.execute(delete(Operator))


def demo_token(seed: int, username: str) -> str:
    return "crd_demo_" + hashlib.sha256(f"{seed}:{username}".encode()).hexdigest()[:32]


def demo_signing_secret(seed: int, username: str) -> str:
    return "sig_demo_" + hashlib.sha256(f"{seed}:{username}:signing".encode()).hexdigest()[:32]


def load(seed: int, n_retailers: int, *, reset: bool = False, today: date | None = None, progress=None) -> LoadResult:
    from app.demo.generator import generate_city

    today = today or local_today()  # anchored to the real date: the demo never ages
    if has_data():
        if not reset:
            raise DemoDataExists()
        _wipe()
    units = ensure_units()
    from app.credit.versions import sync_shipped

    sync_shipped()  # the shipped catalogue and policy versions, stored before any record uses them
    from app.holidays.services import seed_from_package

    seed_from_package()  # the official calendar of the years the holiday library ships (the migration's, if any is missing)
    city = generate_city(seed=seed, n_retailers=n_retailers, today=today)
    if progress:
        progress.update(0)

    # Operators: one per distinct ID number, in first-seen order (deterministic).
    op_rows, op_index = [], {}
    for r in city.retailers:
        key = r["operator_id_number"]
        if key not in op_index:
            op_index[key] = len(op_rows)
            op_rows.append({"id_hash": id_hash(key), "name": r["operator_name"], "id_masked": mask_id_number(key)})
    op_ids = []
    for start in range(0, len(op_rows), CHUNK):
        op_ids.extend(db.session.scalars(
            insert(Operator).returning(Operator.id, sort_by_parameter_order=True), op_rows[start:start + CHUNK]))

    rows = []
    for r in city.retailers:
        rows.append({
            "licence_no": r["licence_no"], "shop_name": r["shop_name"], "name_initials": initials(r["shop_name"]),
            "operator_id": op_ids[op_index[r["operator_id_number"]]], "operator_name": r["operator_name"],
            "credit_code": r["credit_code"],
            "phone": r["phone"], "address": r["address"], "lat": r["lat"], "lng": r["lng"],
            "unit_id": units[r["county_code"]].id, "market_type": r["market_type"],
            "business_format": r["business_format"], "licence_issued_on": r["licence_issued_on"],
            "licence_expires_on": r["licence_expires_on"], "status": r["status"], "tier": r["tier"],
            "version": 1,
        })
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Retailer), rows[start:start + CHUNK])
        if progress:
            progress.update(len(rows[start:start + CHUNK]))

    # Users: the same demo password for every account (hashed once).
    pw_hash = hash_password(DEMO_PASSWORD)
    licence_ids = dict(db.session.execute(select(Retailer.licence_no, Retailer.id)).all())
    result = LoadResult(retailers=len(rows), operators=len(op_rows), users=len(city.users))
    for u in city.users:
        unit = units[u["county_code"]] if u.get("county_code") else None
        if unit is None and u["role"] in ("supervisor", "mkt_supervisor"):
            unit = units["320800"]  # the city-level supervisors
        user = User(username=u["username"], display_name=u["display_name"], role=u["role"], unit=unit,
                    password_hash=pw_hash, must_change_password=False, is_enabled=True,
                    enforcement_cert_no=u.get("enforcement_cert_no"))
        db.session.add(user)
        db.session.flush()
        links = [licence_ids[n] for n in u.get("retailer_licence_nos") or []]
        if links:
            db.session.execute(insert(user_retailers), [{"user_id": user.id, "retailer_id": rid} for rid in links])
        if u["role"] in ("partner", "ordering"):
            raw = demo_token(seed, user.username)
            db.session.add(ApiToken(user_id=user.id, name="demo", prefix=raw[:12], token_hash=_sha256(raw),
                                    signing_secret=demo_signing_secret(seed, user.username)))
            result.partner_tokens.append((user.username, raw))
    result.logins = _pick_logins(city.users)
    from app.demo.history import load_history

    showcase = [n for u in city.users if u["username"] in ("retailer_demo", "retailer_multi")
                for n in u.get("retailer_licence_nos") or []]
    history = load_history(seed, city, today, showcase=showcase)
    result.credit = {"records": history.records, "suspected": history.suspected, "grades": history.grades,
                     "bonus_sources": history.sources,
                     "inspections": history.inspections, "findings": history.findings}
    from app.demo.retailer_side import load_retailer_side

    result.credit["retailer_side"] = load_retailer_side(seed, today)
    result.evaluation = publish_last_quarter(today)
    from app.demo.partners import load_partners_and_lists

    result.credit["lists"] = load_partners_and_lists(today)
    from app.demo.banks import load_banks, load_open_data

    bank_side = load_banks(seed, today, pw_hash, lambda username: demo_token(seed, username))
    result.partner_tokens.extend(bank_side.pop("tokens"))
    result.credit["banks"] = bank_side
    result.credit["open_data"] = load_open_data(today)
    from app.demo.service import load_service

    result.service = load_service(seed, today)
    from app.warnings.services import raise_warnings

    # what the nightly job would have raised by now (after the ordering figures: they feed two signals)
    result.credit["warnings"] = raise_warnings(today)
    from app.holidays.services import remind_next_year

    remind_next_year(today)  # from November on, the admins are asked to enter next year's official holidays
    record("demo.load", "system", None, after={"seed": seed, "retailers": len(rows), "operators": len(op_rows),
                                               "users": len(city.users), "reset": reset})
    return result


def evaluation_dates(today: date) -> dict | None:
    """The last full quarter before ``today`` whose evaluation can have been published with its
    objection window closed by ``today``: run on the 5th day after the quarter, reviewed on the 8th,
    published on the 12th (earlier if the window must still close before ``today``). None if no
    quarter fits."""
    from app.evaluation.batch import quarter_bounds, quarter_of
    from app.evaluation.services import objection_days

    window = objection_days()
    first_of_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for _ in range(4):
        end = first_of_quarter - timedelta(days=1)
        quarter = quarter_of(end)
        start, _end = quarter_bounds(quarter)
        publish_on = min(end + timedelta(days=12), today - timedelta(days=window + 1))
        if publish_on >= end + timedelta(days=3):
            return {"quarter": quarter, "start": start, "as_of": end,
                    "run_on": min(end + timedelta(days=5), publish_on - timedelta(days=2)),
                    "review_on": min(end + timedelta(days=8), publish_on - timedelta(days=1)),
                    "publish_on": publish_on}
        first_of_quarter = start
    return None


def publish_last_quarter(today: date) -> dict:
    """Run, review and publish the official evaluations of the two last full quarters through the
    evaluation services (as the city-level supervisor), each dated back as it would have happened (the
    earlier one three months before), so that the last one's objection window has closed by ``today``:
    the public sees it. Two consecutive published quarters are what a red-list entry needs. The
    current quarter stays unevaluated. Returns the last quarter's figures."""
    dates = evaluation_dates(today)
    if dates is None:
        return {}
    from app.credit.versions import policies
    from app.evaluation.batch import quarter_bounds, quarter_of

    pols = policies().values()
    if not any(p.effective_from <= dates["as_of"] for p in pols):
        return {}  # no grade policy in force at the quarter's end: nothing official to publish
    actor = (db.session.scalars(select(User).where(User.username == "city_sup")).first()
             or db.session.scalars(select(User).where(User.role == "admin").order_by(User.id)).first())
    earlier_quarter = quarter_of(dates["start"] - timedelta(days=1))
    earlier_start, earlier_end = quarter_bounds(earlier_quarter)
    earlier = None
    if any(p.effective_from <= earlier_end for p in pols):
        shift = dates["start"] - earlier_start
        earlier = _publish(earlier_quarter, actor, {k: dates[k] - shift for k in ("run_on", "review_on",
                                                                                     "publish_on")}).quarter
    run = _publish(dates["quarter"], actor, dates)
    return {"quarter": run.quarter, "run_id": run.id, "licences": run.retailer_count,
            "published_on": dates["publish_on"], "objection_closes_on": run.objection_closes_on,
            "grades": dict((run.summary or {}).get("grades") or {}),
            "earlier_quarter": earlier}


def _publish(quarter: str, actor, dates: dict):
    from app.demo.history import _at
    from app.evaluation import services as evaluation
    from app.notices.models import Notice

    run = evaluation.run(quarter, actor, today=dates["run_on"], now=_at(dates["run_on"], 9))
    evaluation.review(run, actor, today=dates["review_on"], now=_at(dates["review_on"], 15))
    evaluation.publish(run, actor, today=dates["publish_on"], now=_at(dates["publish_on"], 10))
    # the retailers were told on the day of publication
    db.session.execute(update(Notice).where(Notice.dedupe_key.like(f"official:{run.id}:%"))
                       .values(created_at=run.published_at))
    return run


def _pick_logins(users):
    """One example account per role (and per kind of supervisor) to print."""
    wanted, seen = [], set()
    for u in users:
        key = (u["role"], bool(u.get("county_code")) if u["role"] == "supervisor" else None)
        if u["username"] in ("retailer_demo", "retailer_multi") or key not in seen:
            seen.add(key)
            wanted.append((u["username"], u["role"], u.get("county_code") or "-", u["display_name"]))
    return wanted


def units_by_code():
    return {u.code: u for u in db.session.scalars(select(OrgUnit))}
