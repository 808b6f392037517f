"""The exchange adapter with the local credit platform (信用淮安), run by the job runner.

Every day (``daily``): bring the items up to date (confirmed administrative penalties as 双公示 items,
effective list entries; a repaired or dismissed penalty and an exited or cancelled listing become
withdrawals), then write one batch of what the platform does not have yet: the grades of a published
evaluation whose objection window has closed (once per run), new and changed penalties, list entries
and withdrawals, as CSV and JSON files with a manifest of SHA-256 checksums under the instance
folder; then deliver the batch over HTTP (EXCHANGE_URL with EXCHANGE_TOKEN), retried with backoff
(``deliver_due``, also every few minutes), and compare what the platform reports holding with what it
should hold (``reconcile``). An item counts as held once the platform acknowledged the batch carrying
it (or, with no URL configured, once the files were written)."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import bindparam, or_, select, update

from app.common.db import dialect
from app.common.time import local_today, utcnow
from app.credit import penalty, versions
from app.credit.models import CreditRecord
from app.evaluation.models import EvaluationRow, EvaluationRun
from app.exchange.models import ExchangeBatch, ExchangeItem, ExchangeReconciliation
from app.extensions import db
from app.lists.models import ListEntry
from app.lists.services import add_months, counts_months
from app.org.models import OrgUnit
from app.retailers.models import Retailer
from app.storage import pending

# The 双公示 items of an administrative penalty (Jiangsu's data elements), in file order.
PENALTY_COLUMNS = ("相对人名称", "统一社会信用代码", "证件号码", "许可证号", "决定书文号", "违法行为类型", "违法事实",
                   "处罚依据", "处罚类别", "处罚内容", "罚没金额", "决定日期", "公示截止期", "处罚机关", "数据来源单位")
GRADE_COLUMNS = ("许可证号", "相对人名称", "所属区县", "信用等级", "评价季度", "发布日期", "数据来源单位")
LIST_COLUMNS = ("名单类型", "许可证号", "相对人名称", "列入依据", "列入日期", "有效期至", "数据来源单位")
WITHDRAWAL_COLUMNS = ("数据类型", "编号", "许可证号", "撤销日期", "撤销原因", "数据来源单位")
LIST_NAMES = {"red": "红名单", "black": "黑名单"}
CRITERIA = {"red_grade": "连续评为最高信用等级且无失信记录", "black_veto": "销售假冒、走私、非法生产的卷烟（一票否决）",
            "black_serious": "严重失信行为", "black_refused": "拒绝、阻碍依法检查"}
EXIT_REASONS = {"repair": "信用修复", "dismissed": "记录撤销", "expiry": "有效期届满", "no_longer_meets": "不再符合条件",
                "decision": "监管决定", "cancelled": "异议成立"}


def _cfg(name, default=None):
    return current_app.config.get(name, default)


def source_unit() -> str:
    return _cfg("EXCHANGE_SOURCE_UNIT") or "淮安市烟草专卖局"


def exchange_dir() -> Path:
    return Path(_cfg("EXCHANGE_DIR") or (Path(current_app.instance_path) / "exchange"))


# ---- items: what the platform should hold --------------------------------------------------------------

def _penalty_codes(cats) -> dict[str, set[str]]:
    """catalogue version -> codes of the bureau's own administrative penalties (monopoly dimension)."""
    return {v: {i.code for i in cat.indicators if i.admin_penalty and i.dimension == "monopoly"}
            for v, cat in cats.items()}


def penalty_payload(rec: CreditRecord, retailer: Retailer, unit_name: str, cats=None, pols=None) -> dict:
    cats = cats or versions.catalogues()
    cat = cats.get(rec.catalogue_version) or versions.catalogue_for(rec.occurred_on, cats)
    ind = cat.indicator(rec.indicator_code)
    months = counts_months(rec, cats, pols)
    # the shop's unified social credit code; with none (a natural person), the operator's masked ID number
    code = retailer.credit_code or ""
    masked = "" if code else (retailer.operator.id_masked or "") if retailer.operator else ""
    return {"相对人名称": retailer.shop_name, "统一社会信用代码": code, "证件号码": masked, "许可证号": retailer.licence_no,
            "决定书文号": rec.case_number or "", "违法行为类型": ind.name_zh, "违法事实": rec.description or "",
            "处罚依据": ind.legal_basis, "处罚类别": penalty.category_text(rec.penalty_kinds),
            "处罚内容": rec.penalty_content or "", "罚没金额": penalty.amount_text(rec.penalty_amount),
            "决定日期": rec.decided_on.isoformat(), "公示截止期": add_months(rec.decided_on, months).isoformat(),
            "处罚机关": unit_name if unit_name.endswith("局") else f"{unit_name}烟草专卖局",
            "数据来源单位": source_unit()}


def list_payload(e: ListEntry, retailer: Retailer) -> dict:
    return {"名单类型": LIST_NAMES[e.kind], "许可证号": retailer.licence_no, "相对人名称": retailer.shop_name,
            "列入依据": CRITERIA.get(e.criterion, e.criterion),
            "列入日期": e.effective_on.isoformat() if e.effective_on else "",
            "有效期至": e.expires_on.isoformat() if e.expires_on else "", "数据来源单位": source_unit()}


def _unit_names() -> dict[int, str]:
    return dict(db.session.execute(select(OrgUnit.id, OrgUnit.name)).all())


def sync_items(today: date) -> dict:
    """Add new items and turn items into withdrawals as their records or entries end. Returns counts."""
    counts = {"new": 0, "withdrawn": 0}
    units = _unit_names()
    cats, pols = versions.catalogues(), versions.policies()
    codes = _penalty_codes(cats)
    existing = {k: (i, d) for k, i, d in db.session.execute(select(ExchangeItem.key, ExchangeItem.id,
                                                                   ExchangeItem.desired))}
    now = utcnow()
    # penalties: confirmed records of the bureau's own administrative-penalty indicators
    all_codes = set().union(*codes.values()) if codes else set()
    q = (select(CreditRecord, Retailer).join(Retailer, Retailer.id == CreditRecord.retailer_id)
         .where(CreditRecord.indicator_code.in_(all_codes), CreditRecord.decided_on <= today,
                CreditRecord.status.in_(("confirmed", "repaired", "dismissed")), CreditRecord.decided_on.is_not(None)))
    for rec, retailer in db.session.execute(q):
        if rec.indicator_code not in codes.get(rec.catalogue_version, set()):
            continue
        key = f"penalty:{rec.id}"
        item = existing.get(key)
        if rec.status == "confirmed" and item is None:
            payload = penalty_payload(rec, retailer, units.get(retailer.unit_id, ""), cats, pols)
            if payload["公示截止期"] < today.isoformat():
                continue  # its publication period is over: nothing to publish
            db.session.add(ExchangeItem(key=key, kind="penalty", retailer_id=retailer.id, desired="published",
                                        payload=payload, changed_on=today, updated_at=now))
            counts["new"] += 1
        elif rec.status != "confirmed" and item is not None and item[1] == "published":
            _withdraw(item[0], "repair" if rec.status == "repaired" else "dismissed", today, now)
            counts["withdrawn"] += 1
    # list entries: effective ones are published; an exited or cancelled one that was sent is withdrawn
    q = (select(ListEntry, Retailer).join(Retailer, Retailer.id == ListEntry.retailer_id)
         .where(ListEntry.status.in_(("effective", "exited", "cancelled"))))
    for e, retailer in db.session.execute(q):
        key = f"list:{e.id}"
        item = existing.get(key)
        if e.status == "effective" and item is None:
            db.session.add(ExchangeItem(key=key, kind="list", retailer_id=retailer.id, desired="published",
                                        payload=list_payload(e, retailer), changed_on=today, updated_at=now))
            counts["new"] += 1
        elif e.status != "effective" and item is not None and item[1] == "published":
            _withdraw(item[0], e.exit_reason or ("cancelled" if e.status == "cancelled" else "decision"), today, now)
            counts["withdrawn"] += 1
    db.session.flush()
    return counts


def _withdraw(item_id, reason, today, now):
    item = db.session.get(ExchangeItem, item_id)
    item.desired, item.changed_on, item.updated_at = "withdrawn", today, now
    item.payload = {**item.payload, "撤销日期": today.isoformat(), "撤销原因": EXIT_REASONS.get(reason, reason)}


# ---- batches: files and HTTP ------------------------------------------------------------------------------

def _grades_run(today: date) -> EvaluationRun | None:
    """The public run (objection window closed) whose grades the platform has not been sent yet."""
    from app.evaluation.services import public_run

    run = public_run(today)
    if run is None or db.session.scalar(select(ExchangeBatch.id).where(ExchangeBatch.grades_run_id == run.id)):
        return None
    return run


def grade_rows(run: EvaluationRun) -> list[dict]:
    units = _unit_names()
    published = run.objection_closes_on.isoformat() if run.objection_closes_on else ""
    src = source_unit()
    q = (select(Retailer.licence_no, Retailer.shop_name, EvaluationRow.unit_id, EvaluationRow.grade)
         .join(Retailer, Retailer.id == EvaluationRow.retailer_id).where(EvaluationRow.run_id == run.id)
         .order_by(Retailer.licence_no))
    return [{"许可证号": lic, "相对人名称": shop, "所属区县": units.get(unit_id, ""), "信用等级": grade,
             "评价季度": run.quarter, "发布日期": published, "数据来源单位": src}
            for lic, shop, unit_id, grade in db.session.execute(q)]


def _carried_by_open_batches() -> dict[str, str]:
    carried: dict[str, str] = {}
    for states in db.session.scalars(select(ExchangeBatch.item_states).where(
            ExchangeBatch.status.in_(("pending", "sending")))):
        carried.update(states or {})
    return carried


def _write_files(folder: Path, tables: dict[str, tuple[tuple, list[dict]]]) -> list[dict]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, (columns, rows) in tables.items():
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(columns)
        w.writerows([[row.get(c, "") for c in columns] for row in rows])
        for fname, data in ((f"{name}.csv", ("\ufeff" + buf.getvalue()).encode("utf-8")),
                            (f"{name}.json", json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
                             .encode("utf-8"))):
            path = folder / fname
            path.write_bytes(data)
            pending.written(str(path))
            files.append({"name": fname, "rows": len(rows), "bytes": len(data),
                          "sha256": hashlib.sha256(data).hexdigest()})
    return files


def build_batch(today: date) -> ExchangeBatch | None:
    """One batch of what the platform does not hold yet; None when there is nothing to send."""
    carried = _carried_by_open_batches()
    items = [i for i in db.session.scalars(select(ExchangeItem).where(
        or_(ExchangeItem.acknowledged.is_(None), ExchangeItem.acknowledged != ExchangeItem.desired)).order_by(
        ExchangeItem.id)) if carried.get(str(i.id)) != i.desired and not (i.acknowledged is None
                                                                            and i.desired == "withdrawn")]
    run = _grades_run(today)
    if not items and run is None:
        return None
    grades = grade_rows(run) if run is not None else []
    penalties = [{"编号": i.key, **i.payload} for i in items if i.kind == "penalty" and i.desired == "published"]
    lists = [{"编号": i.key, **i.payload} for i in items if i.kind == "list" and i.desired == "published"]
    withdrawals = [{"数据类型": "行政处罚" if i.kind == "penalty" else "名单", "编号": i.key,
                    "许可证号": i.payload.get("许可证号", ""), "撤销日期": i.payload.get("撤销日期", today.isoformat()),
                    "撤销原因": i.payload.get("撤销原因", ""), "数据来源单位": source_unit()}
                   for i in items if i.desired == "withdrawn"]
    batch = ExchangeBatch(day=today, created_at=utcnow(), status="pending" if _cfg("EXCHANGE_URL") else "files_only",
                          grades_run_id=run.id if run else None, folder="", manifest_sha256="",
                          item_states={str(i.id): i.desired for i in items}, next_attempt_at=utcnow(),
                          counts={"grades": len(grades), "penalties": len(penalties), "lists": len(lists),
                                  "withdrawals": len(withdrawals)})
    db.session.add(batch)
    db.session.flush()
    folder = exchange_dir() / today.isoformat() / f"batch-{batch.id:06d}"
    files = _write_files(folder, {
        "grades": (GRADE_COLUMNS, grades), "penalties": (("编号",) + PENALTY_COLUMNS, penalties),
        "lists": (("编号",) + LIST_COLUMNS, lists), "withdrawals": (WITHDRAWAL_COLUMNS, withdrawals)})
    manifest = json.dumps({"batch_id": batch.id, "day": today.isoformat(), "source": source_unit(),
                           "quarter": run.quarter if run else None, "files": files}, ensure_ascii=False,
                          indent=1, sort_keys=True).encode("utf-8")
    (folder / "manifest.json").write_bytes(manifest)
    pending.written(str(folder / "manifest.json"))
    digest = hashlib.sha256(manifest).hexdigest()
    (folder / "manifest.json.sha256").write_text(f"{digest}  manifest.json\n")
    pending.written(str(folder / "manifest.json.sha256"))
    batch.folder, batch.manifest_sha256 = str(folder), digest
    for i in items:
        i.batch_id = batch.id
    if batch.status == "files_only":
        _acknowledge(batch)
    db.session.flush()
    return batch


def _acknowledge(batch: ExchangeBatch):
    """The items the batch carried are held by the platform in the state carried (unless their desired
    state moved on meanwhile). One executemany statement (Core: no session synchronisation)."""
    states = batch.item_states or {}
    if not states:
        return
    t = ExchangeItem.__table__
    db.session.execute(update(t).where(t.c.id == bindparam("b_id"), t.c.desired == bindparam("b_state"))
                       .values(acknowledged=bindparam("b_state"), updated_at=utcnow()),
                       [{"b_id": int(iid), "b_state": state} for iid, state in states.items()])
    db.session.expire_all()


def batch_body(batch: ExchangeBatch) -> bytes:
    """The HTTP body: the manifest and the JSON files' rows, read back from the batch's folder (what was
    written is what is sent); each file checked against its manifest checksum first."""
    folder = Path(batch.folder)
    manifest_bytes = (folder / "manifest.json").read_bytes()
    if hashlib.sha256(manifest_bytes).hexdigest() != batch.manifest_sha256:
        raise RuntimeError("manifest checksum mismatch")
    manifest = json.loads(manifest_bytes)
    body = {"manifest": manifest}
    for f in manifest["files"]:
        if f["name"].endswith(".json"):
            data = (folder / f["name"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != f["sha256"]:
                raise RuntimeError(f"checksum mismatch: {f['name']}")
            body[f["name"][:-5]] = json.loads(data)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def backoff_seconds(attempts: int) -> float:
    base, cap = int(_cfg("EXCHANGE_RETRY_BASE_SECONDS", 120)), int(_cfg("EXCHANGE_RETRY_MAX_SECONDS", 3 * 3600))
    return min(cap, base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


def _claim(limit=10) -> list[int]:
    now = utcnow()
    stale = now - timedelta(seconds=900)
    cond = or_((ExchangeBatch.status == "pending") & (ExchangeBatch.next_attempt_at <= now),
               (ExchangeBatch.status == "sending") & (ExchangeBatch.claimed_at < stale))
    stmt = select(ExchangeBatch.id).where(cond).order_by(ExchangeBatch.id).limit(limit)
    if dialect() == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    due = list(db.session.scalars(stmt))
    mine = list(db.session.scalars(update(ExchangeBatch).where(ExchangeBatch.id.in_(due), cond)
                                   .values(status="sending", claimed_at=now, attempts=ExchangeBatch.attempts + 1)
                                   .returning(ExchangeBatch.id).execution_options(synchronize_session=False))) \
        if due else []
    db.session.commit()
    return mine


def _post(batch_id: int, body: bytes):
    import requests

    url = _cfg("EXCHANGE_URL").rstrip("/") + "/batches"
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": f"batch-{batch_id}"}
    if _cfg("EXCHANGE_TOKEN"):
        headers["Authorization"] = f"Bearer {_cfg('EXCHANGE_TOKEN')}"
    response = requests.post(url, data=body, headers=headers, timeout=int(_cfg("EXCHANGE_TIMEOUT", 30)))
    if response.status_code >= 300:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")


def deliver_due() -> dict:
    """Send due batches in order, outside any transaction; a batch is retried with backoff and is dead
    after EXCHANGE_MAX_ATTEMPTS (an admin sees it on the exchange page). Later batches wait for an
    earlier one still being retried, so a withdrawal never overtakes its publication."""
    counts = {"sent": 0, "retry": 0, "dead": 0}
    if not _cfg("EXCHANGE_URL"):
        return counts
    max_attempts = int(_cfg("EXCHANGE_MAX_ATTEMPTS", 8))
    for bid in _claim():
        earlier = db.session.scalar(select(ExchangeBatch.id).where(ExchangeBatch.id < bid,
                                                                   ExchangeBatch.status.in_(("pending", "sending"))))
        batch = db.session.get(ExchangeBatch, bid)
        attempts = batch.attempts
        error = None
        if earlier is not None:
            error = f"waits for batch {earlier}"
        else:
            try:
                body = batch_body(batch)
                db.session.commit()
                _post(bid, body)
            except Exception as exc:  # noqa: BLE001  (any failure is retried, then dead-lettered)
                error = str(exc)[:500]
        batch = db.session.get(ExchangeBatch, bid)
        now = utcnow()
        if error is None:
            batch.status, batch.sent_at, batch.claimed_at, batch.last_error = "sent", now, None, None
            _acknowledge(batch)
            counts["sent"] += 1
        else:
            dead = attempts >= max_attempts and earlier is None
            batch.status = "dead" if dead else "pending"
            batch.last_error, batch.claimed_at = error, None
            batch.next_attempt_at = now + timedelta(seconds=backoff_seconds(attempts))
            if earlier is not None:
                batch.attempts = attempts - 1  # waiting is not an attempt
            counts["dead" if dead else "retry"] += 1
        db.session.commit()
    return counts


def retry(batch: ExchangeBatch, actor) -> ExchangeBatch:
    """A dead batch goes back to the queue (admin)."""
    from flask_babel import gettext as _

    from app.audit.services import record as audit
    from app.common.errors import ServiceError

    if batch.status != "dead":
        raise ServiceError({"status": [_("Only a dead delivery can be retried.")]}, status=409)
    batch.status, batch.attempts, batch.next_attempt_at = "pending", 0, utcnow()
    db.session.flush()
    audit("exchange.retry", "exchange_batch", batch.id, before={"status": "dead"}, after={"status": "pending"},
          actor=actor)
    return batch


# ---- reconciliation ---------------------------------------------------------------------------------------

def expected_keys(today: date) -> set[str]:
    """Items the platform should show today: published, and (penalties) within their publication period."""
    day = today.isoformat()
    return {key for key, payload in db.session.execute(select(ExchangeItem.key, ExchangeItem.payload)
                                                       .where(ExchangeItem.desired == "published"))
            if (payload or {}).get("公示截止期", day) >= day}


def _platform_inventory() -> set[str]:
    import requests

    url = _cfg("EXCHANGE_URL").rstrip("/") + "/inventory"
    headers = {"Authorization": f"Bearer {_cfg('EXCHANGE_TOKEN')}"} if _cfg("EXCHANGE_TOKEN") else {}
    response = requests.get(url, headers=headers, timeout=int(_cfg("EXCHANGE_TIMEOUT", 30)))
    response.raise_for_status()
    return {row["key"] for row in response.json().get("items", []) if row.get("state", "published") == "published"}


def reconcile(today: date) -> ExchangeReconciliation:
    """What the platform holds (its inventory, when a URL is configured; else what it acknowledged)
    against what it should hold."""
    expected = expected_keys(today)
    error = None
    if _cfg("EXCHANGE_URL"):
        source = "platform"
        try:
            held = _platform_inventory()
        except Exception as exc:  # noqa: BLE001
            held, error = set(), str(exc)[:500]
    else:
        source = "local"
        day = today.isoformat()
        held = {key for key, payload in db.session.execute(
            select(ExchangeItem.key, ExchangeItem.payload).where(ExchangeItem.acknowledged == "published"))
            if (payload or {}).get("公示截止期", day) >= day}
    rep = ExchangeReconciliation(at=utcnow(), day=today, source=source, expected=len(expected),
                                 matching=len(expected & held), missing=sorted(expected - held)[:500],
                                 extra=sorted(held - expected)[:500], error=error)
    db.session.add(rep)
    db.session.flush()
    return rep


def daily(today: date | None = None) -> dict:
    """The daily job: items, one batch (files), delivery, reconciliation."""
    today = today or local_today()
    counts = sync_items(today)
    batch = build_batch(today)
    db.session.commit()
    delivered = deliver_due()
    rep = reconcile(today)
    return {**counts, "batch": batch.id if batch else None, **delivered, "missing": len(rep.missing),
            "extra": len(rep.extra)}


def latest_reconciliation() -> ExchangeReconciliation | None:
    return db.session.scalars(select(ExchangeReconciliation).order_by(ExchangeReconciliation.id.desc())).first()


def unsent_counts() -> dict:
    """Items whose desired state the platform has not acknowledged, by kind and state."""
    from sqlalchemy import func

    rows = db.session.execute(select(ExchangeItem.kind, ExchangeItem.desired, func.count(ExchangeItem.id)).where(
        or_(ExchangeItem.acknowledged.is_(None), ExchangeItem.acknowledged != ExchangeItem.desired))
        .group_by(ExchangeItem.kind, ExchangeItem.desired)).all()
    return {f"{k}:{d}": n for k, d, n in rows}

