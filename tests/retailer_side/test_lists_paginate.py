"""Supervisor lists that grow with the city are paginated (and the commitments searchable), never
silently cut: the inbox, the commitments in force, the notice centre."""
import re
from datetime import timedelta

from app.commitments.models import Commitment
from app.common.time import local_today
from app.extensions import db
from app.notices.services import notify
from app.repair.models import Objection
from tests.conftest import COUNTY

ZH = {"Accept-Language": "zh-CN"}


def test_commitments_page_paginates_and_searches(make_retailer, make_user, signed_in):
    sup = make_user("supervisor", COUNTY, username="sup_pages")
    from app.commitments.services import ensure_text

    text = ensure_text()
    today = local_today()
    shops = [make_retailer(shop_name=f"华兴便利{i}" if i < 34 else "老街烟酒店") for i in range(35)]
    for i, shop in enumerate(shops):
        db.session.add(Commitment(retailer_id=shop.id, text_id=text.id, text_version=text.version, signer_name="王小明",
                                  signature_png=b"", signature_sha256="0" * 64, signed_on=today - timedelta(days=i),
                                  expires_on=today + timedelta(days=300), status="active"))
    db.session.commit()
    s = signed_in(sup)
    first = s.get("/supervise/commitments", headers=ZH).get_data(as_text=True)
    assert first.count('data-testid="total">35<') == 1 and "1 / 2" in first
    second = s.get("/supervise/commitments?page=2", headers=ZH).get_data(as_text=True)
    assert "2 / 2" in second and "老街烟酒店" in second  # the oldest signature is on the last page
    found = s.get("/supervise/commitments?q=ljyj", headers=ZH).get_data(as_text=True)
    assert "老街烟酒店" in found and "华兴便利1<" not in found and 'data-testid="total">1<' in found


def test_inbox_and_notices_paginate(make_retailer, make_user, signed_in):
    sup = make_user("supervisor", COUNTY, username="sup_inbox")
    shop = make_retailer()
    today = local_today()
    for i in range(31):
        db.session.add(Objection(retailer_id=shop.id, grade="B", told_on=today, reasons="等级有误，请复核。" * 2,
                                 evidence_ids=[], submitted_on=today, answer_due=today + timedelta(days=14 + i)))
    for i in range(31):
        notify(sup, "deadline", f"notice {i}")
    db.session.commit()
    s = signed_in(sup)
    page = s.get("/supervise/inbox", headers=ZH).get_data(as_text=True)
    assert 'data-testid="objection-total">31<' in page and "1 / 2" in page
    assert len(re.findall('data-testid="inbox-objection"', page)) == 30
    page2 = s.get("/supervise/inbox?opage=2", headers=ZH).get_data(as_text=True)
    assert len(re.findall('data-testid="inbox-objection"', page2)) == 1
    notices = s.get("/notices?page=2", headers=ZH).get_data(as_text=True)
    assert "notice 0" in notices and "2 / 2" in notices
