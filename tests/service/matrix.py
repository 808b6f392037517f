"""Service-side objects for the access matrix and the page walks: a published run of the current month,
a draft of the next, two supply suspensions of the owner's shop (one with an open objection) and a
hardship flag; made once per world."""
from datetime import timedelta

from app.common.time import local_today
from app.extensions import db
from app.retailers.models import Retailer
from app.service import runs
from app.service.models import HardshipFlag, SupplySuspension


def svc_world(w) -> dict:
    if "svc" not in w:
        mkt = w["users"]["mkt_sup"]
        today = local_today()
        nxt, current = runs.cycles_open(today)
        published = runs.compute(current, mkt, today=today)
        runs.publish(published, mkt, today=today)
        draft = runs.compute(nxt, mkt, today=today)
        shop = db.session.get(Retailer, w["retailer"])

        def suspension(key, **extra):
            s = SupplySuspension(retailer_id=shop.id, unit_id=shop.unit_id, kind="grade", cause_key=key,
                                 run_id=published.id, grade="D", legal_basis="《淮安市烟草专卖信用监管实施方案》四（二）",
                                 reasons=[{"code": "suspend_grade", "params": {"grade": "D"}}],
                                 starts_on=today.replace(day=1), status="active", decided_by_id=mkt.id,
                                 objection_until=today + timedelta(days=21), **extra)
            db.session.add(s)
            return s

        plain = suspension("grade:matrix")
        objected = suspension("grade:matrix-ob", objection_status="open", objection_text="请复核该决定，理由充分。",
                              objected_by_id=w["users"]["retailer"].id, answer_due=today + timedelta(days=14))
        flag = HardshipFlag(retailer_id=shop.id, unit_id=shop.unit_id, category="low_income",
                            evidence="低保证（清江浦区民政局，2026年）", note="", review_on=today + timedelta(days=180),
                            set_by_id=mkt.id)
        db.session.add(flag)
        db.session.commit()
        w["svc"] = {"published": published.id, "draft": draft.id, "susp": plain.id, "susp_ob": objected.id,
                    "flag": flag.id, "next": nxt}
    return w["svc"]


def svc(w, key):
    return svc_world(w)[key]
