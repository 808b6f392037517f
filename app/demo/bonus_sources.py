"""The objects every demo bonus comes from, written after the credit history (app.demo.history):

- integrity mutual-aid groups with their members (joined when the group was founded, or when the
  licence was issued), a yearly rating round per rating day ("<year> 年度", the published default
  criteria), and each group's rating: decided by the joint panel eight days before publication,
  published on the rating day (the notice period over), linked to every star bonus (YX52-YX54) it made;
  a rating replaced by the next year's is marked superseded; a rating without stars (a member's serious
  violation in the year before) is published with none;
- model retailers (示范户: nominated by the county's account manager on behalf of their group, reviewed,
  published after the notice period, linked to their YX55 bonus) and model groups (five-star groups);
- signed credit commitments: every year a retailer signed (kept: linked to its ZM51 bonus; not kept
  when a general or worse violation was decided within it: expired without bonus) and the commitment
  in force today.

Bulk inserts; the caller commits."""
from __future__ import annotations

import hashlib
import io
import random
import re
from collections import defaultdict
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import insert, select

from app.auth.models import User
from app.commitments import services as commitments
from app.commitments.models import Commitment
from app.extensions import db
from app.groups.models import (
    STAR_CODES,
    GroupMembership,
    GroupRating,
    GroupRatingBonus,
    IntegrityGroup,
    ModelAward,
    RatingRound,
)
from app.groups.services import DEFAULT_CRITERIA, DEFAULT_NOTICE_DAYS, DEFAULT_THRESHOLDS
from app.org.models import OrgUnit
from app.retailers.models import Retailer

PANEL = "市信用办、市场监督管理局、市消费者保护委员会、烟草专卖局联合评定组"
EVIDENCE = ("组内互查记录{n}份；成员培训签到表；评定期内成员违法违规记录查询结果",
            "小组会议记录{n}次；互查互纠台账；成员信用承诺书；行业活动参与记录",
            "组长履职记录；组内互查记录{n}份；消费者投诉核查结果")
PRACTICES = (
    "带头亮证经营、明码标价，每月组织组内互查，发现问题当场提醒整改。",
    "坚持从当地烟草公司进货，建立进货台账，主动向组员讲解识别非本地卷烟的方法。",
    "在店内显著位置张贴不向未成年人售烟标志，带动周边商户统一规范店面。",
    "按时结算货款，积极参加信用培训，帮助新开业商户熟悉经营规范。",
    "组织小组成员签署并公开信用承诺，定期开展诚信经营交流。",
)
GROUP_PRACTICES = (
    "小组实行组长负责制，每月互查亮证经营、明码标价，评定期内成员无违法违规记录。",
    "小组与街道商会共同管理，建立互查互纠台账，成员全部签署并公开信用承诺。",
)
STREET = re.compile(r"(?:区|县)(?P<street>[^\d]+?)\d+号$")
NUMERALS = "一二三四五六七八九十"


def _street(address: str) -> str:
    m = STREET.search(address or "")
    return m.group("street") if m else "城区"


def _at(day: date, hour: int = 10):
    from app.demo.history import _at as at

    return at(day, hour)


def _signatures(rng, n=8) -> list[tuple[bytes, str]]:
    out = []
    for _ in range(n):
        img = Image.new("1", (200, 80), 1)
        d = ImageDraw.Draw(img)
        d.line([(10 + i * 25, rng.randint(15, 65)) for i in range(8)], fill=0, width=2)
        buf = io.BytesIO()
        img.save(buf, "PNG", optimize=True)
        png = buf.getvalue()
        out.append((png, hashlib.sha256(png).hexdigest()))
    return out


def _scores(rng, stars: int) -> dict:
    """Criterion scores whose total falls in the band of ``stars`` (a rating without stars because of a
    member's serious violation still has its scores: the rule takes the stars, not the points)."""
    low, high = {3: (60, 74), 4: (75, 89), 5: (90, 100), 0: (62, 88)}[stars]
    total = rng.randint(low, high)
    maxes = [c["max"] for c in DEFAULT_CRITERIA]
    scores = [round(total * m / 100) for m in maxes]
    scores[-1] += total - sum(scores)
    scores = [max(0, min(m, s)) for s, m in zip(scores, maxes)]
    return {c["key"]: s for c, s in zip(DEFAULT_CRITERIA, scores)}


def _name_decision(record_ids, decision_no, description):
    """The bonus records carry their decision's number (as the services make them)."""
    from sqlalchemy import update

    from app.credit.models import CreditRecord, CreditRecordEvent

    if record_ids:
        db.session.execute(update(CreditRecord).where(CreditRecord.id.in_(record_ids))
                           .values(case_number=decision_no, description=description))
        db.session.execute(update(CreditRecordEvent).where(CreditRecordEvent.record_id.in_(record_ids),
                                                           CreditRecordEvent.action == "create")
                           .values(case_number=decision_no))


def write_bonus_sources(seed: int, sources: dict, records, record_ids, today: date) -> dict:
    from app.demo.history import _add_years

    rng = random.Random(f"huaian-demo:{seed}:bonus-sources")
    rid = {(rec.licence_no, rec.indicator_code, rec.occurred_on): r for rec, r in zip(records, record_ids)}
    shops = {row.licence_no: row for row in db.session.execute(
        select(Retailer.licence_no, Retailer.id, Retailer.unit_id, Retailer.address, Retailer.licence_issued_on,
               Retailer.operator_name))}
    unit_code = dict(db.session.execute(select(OrgUnit.id, OrgUnit.code)).all())
    staff = defaultdict(list)
    for uid, role, unit_id in db.session.execute(select(User.id, User.role, User.unit_id)
                                                 .where(User.role.in_(("supervisor", "marketer")))
                                                 .order_by(User.username)):
        staff[(role, unit_id)].append(uid)
    city = db.session.scalar(select(User.id).where(User.username == "city_sup"))

    def person(role, unit_id):
        people = staff.get((role, unit_id)) or [city]
        return people[rng.randrange(len(people))]

    # ---- rounds: one yearly round per rating day
    rounds = {}
    for day in sorted({day for g in sources.get("groups", []) for day, _stars in g["ratings"]}):
        year = day.year - 1
        rnd = RatingRound(label=f"{year}年度", kind="year", period_start=date(year, 1, 1),
                          period_end=date(year, 12, 31), criteria=DEFAULT_CRITERIA, thresholds=DEFAULT_THRESHOLDS,
                          notice_days=DEFAULT_NOTICE_DAYS, violation_effect="next_round", created_by_id=city,
                          created_at=_at(date(day.year, 1, 10)))
        db.session.add(rnd)
        rounds[day] = rnd
    db.session.flush()

    # ---- groups, members, ratings and their bonus links
    names = set()
    group_ids = []
    members_rows, bonus_rows = [], []
    n_ratings = 0
    history_start = today - timedelta(days=730)
    for g in sources.get("groups", []):
        members = [shops[n] for n in g["members"] if n in shops]
        leader = members[0]
        street = _street(leader.address)
        name, k = f"{street}诚信互助小组", 1
        while name in names:
            k += 1
            name = f"{street}诚信互助{NUMERALS[min(k, 10) - 1]}组" if k <= 10 else f"{street}诚信互助小组{k}"
        names.add(name)
        founded = history_start + timedelta(days=rng.randint(5, 60))
        group = IntegrityGroup(name=name, unit_id=leader.unit_id, area=street, leader_id=leader.id,
                               manager=f"{street}商户联合会" if rng.random() < 0.3 else None, status="active",
                               founded_on=founded, created_at=_at(founded), created_by_id=person("marketer", leader.unit_id))
        db.session.add(group)
        db.session.flush()
        group_ids.append(group.id)
        for shop in members:
            members_rows.append({"group_id": group.id, "retailer_id": shop.id,
                                 "joined_on": max(founded, shop.licence_issued_on + timedelta(days=10)),
                                 "left_on": None, "left_reason": None, "added_by_id": group.created_by_id,
                                 "removed_by_id": None})
        ratings = sorted(g["ratings"])
        for i, (day, stars) in enumerate(ratings):
            rnd = rounds[day]
            sup = person("supervisor", leader.unit_id)
            decided = day - timedelta(days=DEFAULT_NOTICE_DAYS + 1)
            scores = _scores(rng, stars)
            latest = i == len(ratings) - 1
            rating = GroupRating(round_id=rnd.id, group_id=group.id, unit_id=leader.unit_id,
                                 decision_no=f"互助评星〔{rnd.label}〕{group.id}-1号", scores=scores,
                                 total=sum(scores.values()), stars=stars,
                                 evidence=rng.choice(EVIDENCE).format(n=rng.randint(6, 24)), panel=PANEL,
                                 status="published" if latest else "superseded", decided_on=decided,
                                 decided_by_id=sup, notice_until=day - timedelta(days=1), published_on=day,
                                 published_by_id=sup, created_at=_at(decided))
            db.session.add(rating)
            db.session.flush()
            n_ratings += 1
            if stars:
                made = []
                for shop in members:
                    record_id = rid.get((shop.licence_no, STAR_CODES[stars], day))
                    if record_id is not None:
                        bonus_rows.append({"rating_id": rating.id, "retailer_id": shop.id, "record_id": record_id})
                        made.append(record_id)
                _name_decision(made, rating.decision_no,
                               f"所在诚信互助小组「{name}」评为{stars}星（{rating.decision_no}）")
    for start in range(0, len(members_rows), 2000):
        db.session.execute(insert(GroupMembership.__table__), members_rows[start:start + 2000])
    for start in range(0, len(bonus_rows), 2000):
        db.session.execute(insert(GroupRatingBonus.__table__), bonus_rows[start:start + 2000])

    # ---- model retailers and model groups
    awards = 0
    for licence, g, chosen in sources.get("models", []):
        shop = shops[licence]
        record_id = rid[(licence, "YX55", chosen)]
        sup = person("supervisor", shop.unit_id)
        awards += 1
        db.session.add(ModelAward(
            kind="shop", year=chosen.year, retailer_id=shop.id, unit_id=shop.unit_id, practice=rng.choice(PRACTICES),
            nominated_by_id=person("marketer", shop.unit_id), nominated_by_group_id=group_ids[g],
            nominated_on=chosen - timedelta(days=25), status="published", review_note="材料齐全，同意公示",
            reviewed_by_id=sup, reviewed_on=chosen - timedelta(days=DEFAULT_NOTICE_DAYS + 1),
            notice_until=chosen - timedelta(days=1), decision_no=f"示范评选〔{chosen.year}〕{awards}号",
            published_on=chosen, published_by_id=sup, record_id=record_id, created_at=_at(chosen - timedelta(days=25))))
        _name_decision([record_id], f"示范评选〔{chosen.year}〕{awards}号",
                       f"评为诚信示范户（示范评选〔{chosen.year}〕{awards}号）")
    for g, chosen in sources.get("model_groups", []):
        group = db.session.get(IntegrityGroup, group_ids[g])
        sup = person("supervisor", group.unit_id)
        awards += 1
        db.session.add(ModelAward(
            kind="group", year=chosen.year, group_id=group.id, unit_id=group.unit_id,
            practice=rng.choice(GROUP_PRACTICES), nominated_by_id=person("marketer", group.unit_id),
            nominated_on=chosen - timedelta(days=25), status="published", review_note="评定期内成员无违法违规记录，同意公示",
            reviewed_by_id=sup, reviewed_on=chosen - timedelta(days=DEFAULT_NOTICE_DAYS + 1),
            notice_until=chosen - timedelta(days=1), decision_no=f"示范评选〔{chosen.year}〕{awards}号",
            published_on=chosen, published_by_id=sup, created_at=_at(chosen - timedelta(days=25))))
    db.session.flush()

    # ---- signed commitments: every year signed, and the one in force today
    text = commitments.ensure_text()
    pngs = _signatures(rng)
    rows = []
    kept = 0

    def row(shop, signed, expires, status, bonus):
        png, digest = pngs[len(rows) % len(pngs)]
        return {"retailer_id": shop.id, "text_id": text.id, "text_version": text.version, "signed_at": _at(signed, 11),
                "signed_on": signed, "expires_on": expires, "signed_by_id": None, "signer_name": shop.operator_name,
                "signature_png": png, "signature_sha256": digest, "status": status, "reminded_on": None,
                "bonus_record_id": bonus, "breach_record_id": None}

    for licence, years in sorted(sources.get("commitments", {}).items()):
        shop = shops.get(licence)
        if shop is None:
            continue
        for signed, expires in years:
            bonus = rid.get((licence, "ZM51", expires))
            kept += bonus is not None
            rows.append(row(shop, signed, expires, "kept" if bonus is not None else "expired", bonus))
        current = sources.get("current", {}).get(licence)
        if current is not None:
            rows.append(row(shop, current, _add_years(current, 1), "active", None))
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Commitment.__table__), rows[start:start + 2000])
    db.session.flush()
    return {"groups": len(group_ids), "members": len(members_rows), "ratings": n_ratings, "star_bonuses": len(bonus_rows),
            "model_awards": awards, "commitments": len(rows), "commitments_kept": kept,
            "units": len({unit_code.get(shops[m].unit_id) for g in sources.get("groups", []) for m in g["members"][:1]})}
