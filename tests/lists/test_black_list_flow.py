"""A black-list entry from proposal to withdrawal: the job proposes it after the quarter's evaluation is
published, a supervisor approves it, the retailer objects during the public notice period, the objection
is rejected, the entry takes effect and is published (name masked), the exchange sends it (with the
penalty behind it as a 双公示 item) to the local credit platform (a real HTTP server in a thread), and
after the record is repaired the entry exits and both are withdrawn there the same day."""
import json
from datetime import date
from pathlib import Path

import pytest

from app.credit import recording
from app.evaluation import services as evaluation
from app.exchange.models import ExchangeBatch, ExchangeReconciliation
from app.extensions import db
from app.lists.models import ListEntry
from tests.background import run_jobs
from tests.lists.fake_platform import FakePlatform


@pytest.fixture
def platform(app, monkeypatch, tmp_path):
    with FakePlatform() as fake:
        monkeypatch.setitem(app.config, "EXCHANGE_URL", fake.url)
        monkeypatch.setitem(app.config, "EXCHANGE_TOKEN", fake.token)
        monkeypatch.setitem(app.config, "EXCHANGE_DIR", str(tmp_path / "exchange"))
        monkeypatch.setitem(app.config, "EXCHANGE_RETRY_BASE_SECONDS", 0)
        yield fake


def test_black_list_entry_notice_objection_publication_platform_and_withdrawal(
        app, make_user, make_retailer, signed_in, client, clock, platform):
    clock(date(2026, 1, 12))
    admin = make_user("admin")
    sup = make_user("supervisor")
    shop = make_retailer(operator_name="王小明")
    other = make_retailer(shop_name="别家超市")
    owner = make_user("retailer", retailers=[shop])
    from app.partners.services import set_agreement

    market = make_user("partner")
    set_agreement(market, {"organisation": "淮安市市场监督管理局", "fields": ["licence_no", "lists"], "lists": ["black"],
                           "callback_url": platform.url + "/callback",
                           "measures": {"black": ["提高“双随机”抽查比例和频次"]}}, admin)
    rec = recording.create_record(shop, "ZM02", occurred_on=date(2026, 1, 10), source="supervisor", actor=sup,
                                  status="confirmed", case_number="淮烟罚〔2026〕3号", decided_on=date(2026, 1, 12),
                                  description="销售条码被涂改的卷烟20条")
    db.session.commit()

    clock(date(2026, 4, 2))
    run = evaluation.run("2026Q1", admin)
    evaluation.review(run, admin)
    evaluation.publish(run, admin)
    db.session.commit()
    run_jobs("lists.daily")
    entry = db.session.scalars(db.select(ListEntry)).one()
    assert (entry.kind, entry.status, entry.criterion, entry.basis_record_id) == (
        "black", "proposed", "black_serious", rec.id)
    assert entry.retailer_id != other.id
    from app.notices.models import Notice

    assert [n.title for n in db.session.scalars(db.select(Notice).where(Notice.user_id == sup.id))] == [
        f"待审核的黑名单拟列入：{shop.shop_name}"]

    s = signed_in(sup)
    r = s.post(f"/api/lists/entries/{entry.id}/review", json={"approve": True, "note": "依据充分"})
    assert r.status_code == 200 and r.get_json()["status"] == "notice"
    assert r.get_json()["notice_until"] == "2026-04-09"
    public = client.get("/api/public/lists?kind=black").get_json()
    assert [(e["status"], e["operator_name"]) for e in public] == [("notice", "王**")]

    me = signed_in(owner)
    assert [e["id"] for e in me.get("/api/me/lists").get_json()] == [entry.id]
    r = me.post(f"/api/me/lists/{entry.id}/objection", json={"reasons": "涂改条码系上游供货问题，已提交进货凭证"})
    assert r.status_code == 201, r.get_json()
    oid = r.get_json()["id"]
    assert me.post(f"/api/me/lists/{entry.id}/objection", json={"reasons": "再次"}).status_code == 409

    clock(date(2026, 4, 10))
    run_jobs("lists.daily")  # the notice period ended, but an objection is open: it waits
    assert "您被拟列入黑名单，公示至 2026-04-09。" in [
        n.title for n in db.session.scalars(db.select(Notice).where(Notice.user_id == owner.id))]
    db.session.refresh(entry)
    assert entry.status == "notice"
    s = signed_in(sup)  # a new day, a new session
    r = s.post(f"/api/lists/objections/{oid}/answer", json={"uphold": False, "answer": "凭证与案卷不符，维持列入"})
    assert r.status_code == 200
    run_jobs("lists.daily", "exchange.daily")
    db.session.refresh(entry)
    assert entry.status == "effective" and entry.effective_on == date(2026, 4, 10)
    assert [e["status"] for e in client.get("/api/public/lists").get_json()] == ["effective"]
    run_jobs("partners.consume")  # the partner whose agreement covers the black list is told
    assert [(p["event"], p["licence_no"]) for _h, p in platform.callbacks] == [("listed", shop.licence_no)]

    # on the platform: the listing and the penalty behind it (双公示 items)
    assert platform.items == {f"list:{entry.id}": "published", f"penalty:{rec.id}": "published"}
    sent = platform.batches[-1]
    penalty = sent["penalties"][0]
    assert penalty["决定书文号"] == "淮烟罚〔2026〕3号" and penalty["相对人名称"] == shop.shop_name
    assert penalty["决定日期"] == "2026-01-12" and penalty["公示截止期"] == "2029-01-12"
    assert sent["lists"][0]["名单类型"] == "黑名单"
    batch = db.session.scalars(db.select(ExchangeBatch).order_by(ExchangeBatch.id.desc())).first()
    assert batch.status == "sent"
    folder = Path(batch.folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f["name"] for f in manifest["files"]} >= {"penalties.csv", "penalties.json", "lists.csv", "lists.json"}
    assert "决定书文号" in (folder / "penalties.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    rep = db.session.scalars(db.select(ExchangeReconciliation).order_by(ExchangeReconciliation.id.desc())).first()
    assert (rep.source, rep.expected, rep.matching, rep.missing, rep.extra) == ("platform", 2, 2, [], [])

    # a year after the decision the record is repaired: the entry exits and is withdrawn the same day
    clock(date(2027, 1, 20))
    recording.repair(db.session.get(type(rec), rec.id), date(2027, 1, 20), sup, note="已整改并履行处罚")
    db.session.commit()
    run_jobs("lists.watch", "exchange.daily")
    db.session.refresh(entry)
    assert (entry.status, entry.exit_reason, entry.exited_on) == ("exited", "repair", date(2027, 1, 20))
    assert platform.items == {f"list:{entry.id}": "withdrawn", f"penalty:{rec.id}": "withdrawn"}
    withdrawals = platform.batches[-1]["withdrawals"]
    assert {w["撤销原因"] for w in withdrawals} == {"信用修复"} and {w["撤销日期"] for w in withdrawals} == {"2027-01-20"}
    assert client.get("/api/public/lists").get_json() == []
    run_jobs("partners.consume")
    assert [(p["event"], p["reason"], p["withdrawn_on"]) for _h, p in platform.callbacks[1:]] == [
        ("withdrawn", "repair", "2027-01-20")]
    rep = db.session.scalars(db.select(ExchangeReconciliation).order_by(ExchangeReconciliation.id.desc())).first()
    assert (rep.expected, rep.missing, rep.extra) == (0, [], [])


def test_a_failed_delivery_is_retried_with_backoff_and_reconciliation_shows_the_gap(
        app, make_user, make_retailer, clock, platform):
    clock(date(2026, 1, 12))
    sup = make_user("supervisor")
    shop = make_retailer()
    rec = recording.create_record(shop, "ZM04", occurred_on=date(2026, 1, 10), source="supervisor", actor=sup,
                                  status="confirmed", case_number="淮烟罚〔2026〕9号", decided_on=date(2026, 1, 12))
    db.session.commit()
    platform.fail_next = 1
    out = run_jobs("exchange.daily")["exchange.daily"]
    assert out["retry"] == 1
    rep = db.session.scalars(db.select(ExchangeReconciliation)).one()
    assert rep.missing == [f"penalty:{rec.id}"]
    batch = db.session.scalars(db.select(ExchangeBatch)).one()
    assert (batch.status, batch.attempts) == ("pending", 1) and "503" in batch.last_error
    clock(date(2026, 1, 12), hour=11)
    run_jobs("exchange.deliver")
    db.session.refresh(batch)
    assert batch.status == "sent" and platform.items == {f"penalty:{rec.id}": "published"}
    assert len(platform.batches) == 1
