"""The demo obeys its own rules: every bonus comes from its source object (a group rating, a model
decision, a commitment kept a full year), every record is graded under the catalogue version in force
on its day, and a member's serious violation in the year before a rating leaves the group without stars."""
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from app.commitments.models import Commitment
from app.credit import versions
from app.credit.models import CreditRecord
from app.extensions import db
from app.groups.models import STAR_CODES, GroupMembership, GroupRating, GroupRatingBonus, ModelAward

TODAY = date(2026, 11, 29)


def test_every_demo_bonus_comes_from_its_decision(app, clock):
    clock(TODAY)
    out = app.test_cli_runner().invoke(args=["demo", "load", "--seed", "11", "--retailers", "1500"])
    assert out.exit_code == 0, out.output
    cats = versions.catalogues()
    assert len(cats) >= 2  # the shipped version and the demo city's pilot version before it
    # no record dated before the catalogue version it is graded under
    for version, occurred in db.session.execute(select(CreditRecord.catalogue_version, func.min(CreditRecord.occurred_on))
                                                .group_by(CreditRecord.catalogue_version)):
        assert occurred >= cats[version].effective_from, version
    assert db.session.scalar(select(func.count(CreditRecord.id)).where(
        CreditRecord.occurred_on < cats["2026.1"].effective_from, CreditRecord.catalogue_version == "2026.1")) == 0

    # group stars: each linked to a published (or since superseded) rating of the member's group
    stars = db.session.execute(select(CreditRecord, GroupRatingBonus, GroupRating)
                               .join(GroupRatingBonus, GroupRatingBonus.record_id == CreditRecord.id, isouter=True)
                               .join(GroupRating, GroupRating.id == GroupRatingBonus.rating_id, isouter=True)
                               .where(CreditRecord.indicator_code.in_(("YX52", "YX53", "YX54")))).all()
    assert len(stars) > 100
    for rec, link, rating in stars:
        assert link is not None, rec.id
        assert STAR_CODES[rating.stars] == rec.indicator_code and rating.published_on == rec.decided_on
        assert rating.status in ("published", "superseded") and rec.case_number == rating.decision_no
        member = db.session.scalars(select(GroupMembership).where(
            GroupMembership.retailer_id == rec.retailer_id, GroupMembership.group_id == rating.group_id)).first()
        assert member is not None and member.joined_on <= rec.decided_on
    statuses = Counter(r.status for r in db.session.scalars(select(GroupRating)))
    assert statuses["published"] > 10 and set(statuses) <= {"published", "superseded"}

    # model retailers: a published decision behind every YX55
    models = db.session.execute(select(CreditRecord, ModelAward)
                                .join(ModelAward, ModelAward.record_id == CreditRecord.id, isouter=True)
                                .where(CreditRecord.indicator_code == "YX55")).all()
    for rec, award in models:
        assert award is not None and award.status == "published" and award.published_on == rec.decided_on
        assert award.notice_until < award.published_on and rec.case_number == award.decision_no

    # the commitment bonus: a signed commitment kept a full year behind every ZM51
    zm51 = db.session.execute(select(CreditRecord, Commitment)
                              .join(Commitment, Commitment.bonus_record_id == CreditRecord.id, isouter=True)
                              .where(CreditRecord.indicator_code == "ZM51")).all()
    assert len(zm51) > 500
    for rec, commitment in zm51:
        assert commitment is not None and commitment.status == "kept", rec.id
        assert commitment.expires_on == rec.occurred_on and commitment.retailer_id == rec.retailer_id
    signed = db.session.scalar(select(func.count(Commitment.id)))
    assert signed >= len(zm51)

    # a serious violation in the year before a rating: no stars
    for rating in db.session.scalars(select(GroupRating)):
        members = [m.retailer_id for m in rating.group.memberships]
        serious = db.session.scalar(select(func.count(CreditRecord.id)).where(
            CreditRecord.retailer_id.in_(members), CreditRecord.status.in_(("confirmed", "repaired")),
            CreditRecord.indicator_code.in_(("ZM01", "ZM02", "ZM03", "ZM05", "ZM06", "ZM07", "YX02", "SH03")),
            CreditRecord.decided_on >= rating.published_on - timedelta(days=365),
            CreditRecord.decided_on < rating.published_on))
        if serious:
            assert rating.stars == 0, rating.decision_no
