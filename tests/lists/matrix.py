"""Objects of the lists, partners and exchange for the access matrix and the GET walk: the partner's
agreement and one finding it sent, a black proposal and a red entry in notice (with an open objection)
for the county's shop, and one reconciliation report."""
from datetime import timedelta

from app.common.time import local_today, utcnow
from app.extensions import db


def lists_world(w) -> dict:
    if "lists" in w:
        return w["lists"]
    from app.credit.models import CreditRecord
    from app.exchange.models import ExchangeReconciliation
    from app.lists.models import ListEntry, ListObjection
    from app.partners.models import PartnerFinding
    from app.retailers.models import Retailer

    shop = db.session.get(Retailer, w["retailer"])
    partner_id = w["partner"]
    today = local_today()
    rec = CreditRecord(retailer_id=shop.id, operator_id=shop.operator_id, indicator_code="SH02",
                       catalogue_version="2026.1", dimension="social", nominal_points=-3,
                       occurred_on=today - timedelta(days=3), recorded_by_id=partner_id, source="partner",
                       status="suspected", disputed=False, description="", evidence=[], partner_ref="MX-1")
    db.session.add(rec)
    db.session.flush()
    finding = PartnerFinding(partner_id=partner_id, idempotency_key="matrix-key-1", body_sha256="0" * 64,
                             finding_type="consumer_complaint", document_no="MX-1", retailer_id=shop.id,
                             record_id=rec.id, payload={})
    proposed = ListEntry(kind="black", retailer_id=shop.id, unit_id=shop.unit_id, status="proposed",
                         policy_version="2026.1", criterion="black_serious", proposed_at=utcnow())
    notice = ListEntry(kind="red", retailer_id=shop.id, unit_id=shop.unit_id, status="notice",
                       policy_version="2026.1", criterion="red_grade", proposed_at=utcnow(), notice_from=today,
                       notice_until=today + timedelta(days=7))
    db.session.add_all([finding, proposed, notice])
    db.session.flush()
    objection = ListObjection(entry_id=notice.id, retailer_id=shop.id, status="open", reasons="有误",
                              answer_due=today + timedelta(days=14))
    from app.exchange.models import ExchangeBatch

    batch = ExchangeBatch(day=today, status="dead", counts={"grades": 0, "penalties": 1, "lists": 0, "withdrawals": 0},
                          item_states={}, folder="/nonexistent", manifest_sha256="0" * 64, attempts=8,
                          last_error="HTTP 503")
    from app.partners.models import PartnerNotification

    dead = PartnerNotification(partner_id=partner_id, finding_id=finding.id, event="confirmed", payload={},
                               send_key="matrix:dead", status="dead", attempts=8, last_error="HTTP 500")
    db.session.add_all([dead, objection, batch, ExchangeReconciliation(day=today, source="local", expected=0,
                                                                 matching=0, missing=[], extra=[])])
    db.session.commit()
    w["lists"] = {"finding": finding.id, "proposed": proposed.id, "notice": notice.id, "objection": objection.id,
                  "batch": batch.id, "dead": dead.id}
    return w["lists"]


def partner_agreement(partner_id):
    """Every world's partner has an agreement (reads refused without one)."""
    from app.partners.models import PartnerAgreement

    db.session.add(PartnerAgreement(user_id=partner_id, organisation="淮安市市场监督管理局",
                                    fields=["licence_no", "shop_name", "grade", "lists"], grades=["A", "B"],
                                    lists=["red", "black"], finding_types=["admin_penalty"], measures={}))


def L(name):
    return lambda w: lists_world(w)[name]
