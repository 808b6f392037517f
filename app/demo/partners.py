"""Demo data beyond the bureau: the four partners' data-sharing agreements (what each reads and sends,
their joint measures) and the red and black lists proposed from the published evaluation, most of them
reviewed and in effect, a few still in their public notice."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db

AGREEMENTS = {
    "partner_credit": {"organisation": "淮安市信用办",
                       "fields": ["licence_no", "shop_name", "unit_name", "status", "operator_name", "grade",
                                  "score", "lists"],
                       "grades": ["AAA", "AA", "A", "B", "C", "D"], "lists": ["red", "black"],
                       "finding_types": ["serious_dishonesty", "honour"],
                       "measures": {"red": ["在“信用淮安”网站集中宣传推介"], "black": ["纳入全市失信联合惩戒对象名单"]}},
    "partner_market": {"organisation": "淮安市市场监督管理局",
                       "fields": ["licence_no", "shop_name", "unit_name", "status", "operator_name", "address",
                                  "grade", "lists"],
                       "grades": ["B", "C", "D"], "lists": ["black"],
                       "finding_types": ["admin_penalty", "abnormal_operation"],
                       "measures": {"black": ["提高“双随机”抽查比例和频次"]}},
    "partner_consumer": {"organisation": "淮安市消费者协会",
                         "fields": ["licence_no", "shop_name", "unit_name", "lists"], "grades": [], "lists": ["red"],
                         "finding_types": ["consumer_complaint"],
                         "measures": {"red": ["推荐为“放心消费”示范单位"]}},
    "partner_pboc": {"organisation": "中国人民银行淮安市分行",
                     "fields": ["licence_no", "shop_name", "unit_name", "grade", "score", "lists"],
                     "grades": ["AAA", "AA", "A", "B", "C", "D"], "lists": ["red", "black"], "finding_types": [],
                     "measures": {"red": ["“信易贷”优先受理、利率优惠"], "black": ["从严审查信贷申请"]}},
}


def load_partners_and_lists(today: date) -> dict:
    from app.lists import services as lists
    from app.lists.models import ListEntry
    from app.partners.services import set_agreement

    made = 0
    for username, data in AGREEMENTS.items():
        user = db.session.scalars(select(User).where(User.username == username)).first()
        if user is not None:
            set_agreement(user, data, None)
            made += 1
    proposed = lists.propose_after_evaluations()
    sup = db.session.scalars(select(User).where(User.username == "city_sup")).first()
    entries = list(db.session.scalars(select(ListEntry).where(ListEntry.status == "proposed").order_by(ListEntry.id)))
    if sup is not None:
        for i, e in enumerate(entries):
            if i % 5 == 4:
                continue  # left for the supervisor to review
            in_notice = i % 5 == 3
            lists.review(e, True, "符合名单政策列入条件", sup, today=today if in_notice else today - timedelta(days=10))
        lists.take_effect_due(today)
    db.session.flush()
    return {"agreements": made, **proposed}
