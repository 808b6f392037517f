"""Integrity mutual-aid groups (诚信互助小组), their star ratings (评星) and the model groups and model
retailers (示范小组、示范户) chosen among them.

Every bonus a member receives (YX52-YX54 for the group's stars, YX55 for a model retailer) is a credit
record made by the decision's publication and linked to it (``GroupRatingBonus``, ``ModelAward.record_id``);
a withdrawn decision dismisses those records through their status history, never deletes them."""
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.time import utcnow
from app.extensions import db

GROUP_STATUSES = ("active", "dissolved")
ROUND_KINDS = ("year", "half")
# What a member's serious violation does to a published rating: it is taken at the group's next rating
# (the panel cannot give stars), or at once (the published rating is withdrawn by the daily sweep).
VIOLATION_EFFECTS = ("next_round", "at_once")
# notice: published for objections until notice_until; published: in force, bonuses made;
# superseded: a later rating of the group was published; its bonuses still counting end that day.
# withdrawn: taken back: void (objection upheld, a correction: bonuses dismissed) or from a date on (a
# member's serious violation under an "at once" round: bonuses end that day).
RATING_STATUSES = ("notice", "published", "superseded", "withdrawn")
STARS = (0, 3, 4, 5)
STAR_CODES = {3: "YX52", 4: "YX53", 5: "YX54"}
OBJECTION_STATUSES = ("open", "upheld", "rejected")
AWARD_KINDS = ("group", "shop")
# nominated → approved (reviewed; in its notice period) → published; or rejected; a published award
# can be withdrawn.
AWARD_STATUSES = ("nominated", "approved", "published", "rejected", "withdrawn")
MODEL_CODE = "YX55"


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class IntegrityGroup(db.Model):
    """A group of retailers of one street or village who supervise each other."""

    __tablename__ = "integrity_groups"
    __table_args__ = (CheckConstraint(_in("status", GROUP_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    area: Mapped[str] = mapped_column(String(128))  # the street, market or village it covers
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    manager: Mapped[str | None] = mapped_column(String(128))  # the third party that manages it, if any
    status: Mapped[str] = mapped_column(String(12), default="active")
    founded_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit = relationship("OrgUnit")
    leader = relationship("Retailer", foreign_keys=[leader_id])
    memberships = relationship("GroupMembership", back_populates="group", order_by="GroupMembership.id")


class GroupMembership(db.Model):
    """A licence's time in a group: joined, and (once it leaves) left. A licence is in at most one
    group at a time: the database keeps one open membership per licence."""

    __tablename__ = "group_memberships"
    __table_args__ = (
        Index("uq_group_memberships_open", "retailer_id", unique=True,
              postgresql_where=text("left_on IS NULL"), sqlite_where=text("left_on IS NULL")),
        Index("ix_group_memberships_group", "group_id", "left_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("integrity_groups.id"))
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"), index=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    left_reason: Mapped[str | None] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    group = relationship("IntegrityGroup", back_populates="memberships")
    retailer = relationship("Retailer")


class RatingRound(db.Model):
    """A rating round (yearly or half-yearly) with its published criteria and rules."""

    __tablename__ = "group_rating_rounds"
    __table_args__ = (CheckConstraint(_in("kind", ROUND_KINDS), name="kind"),
                      CheckConstraint(_in("violation_effect", VIOLATION_EFFECTS), name="violation_effect"))

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. 2026 or 2026H2
    kind: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # [{"key": ..., "name": ..., "max": points}, ...] and the totals that earn 3, 4 and 5 stars
    criteria: Mapped[list] = mapped_column(JSON)
    thresholds: Mapped[dict] = mapped_column(JSON)
    notice_days: Mapped[int] = mapped_column(Integer, default=7)
    violation_effect: Mapped[str] = mapped_column(String(12), default="next_round")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    ratings = relationship("GroupRating", back_populates="round", order_by="GroupRating.id")


class GroupRating(db.Model):
    """The joint panel's decision on one group in one round: the scores per criterion with their
    evidence, the stars (0 = none), a notice period with objections, then publication."""

    __tablename__ = "group_ratings"
    __table_args__ = (
        CheckConstraint(_in("status", RATING_STATUSES), name="status"),
        CheckConstraint("stars IN (0, 3, 4, 5)", name="stars"),
        # one rating in force (or in notice) per group and round; a withdrawn one leaves room for a new one
        Index("uq_group_ratings_live", "round_id", "group_id", unique=True,
              postgresql_where=text("status <> 'withdrawn'"), sqlite_where=text("status <> 'withdrawn'")),
        Index("ix_group_ratings_status", "status", "notice_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("group_rating_rounds.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("integrity_groups.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    decision_no: Mapped[str] = mapped_column(String(64), unique=True)
    scores: Mapped[dict] = mapped_column(JSON)  # criterion key -> points
    total: Mapped[int] = mapped_column(Integer)
    stars: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    panel: Mapped[str] = mapped_column(Text)  # the joint panel: bodies and members who scored
    status: Mapped[str] = mapped_column(String(12), default="notice")
    decided_on: Mapped[date] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notice_until: Mapped[date] = mapped_column(Date)  # objections until this day (inclusive)
    published_on: Mapped[date | None] = mapped_column(Date)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    round = relationship("RatingRound", back_populates="ratings")
    group = relationship("IntegrityGroup")
    objections = relationship("RatingObjection", back_populates="rating", order_by="RatingObjection.id")
    bonuses = relationship("GroupRatingBonus", back_populates="rating", order_by="GroupRatingBonus.id")


class RatingObjection(db.Model):
    """An objection raised against a rating in its notice period; publication waits for its answer."""

    __tablename__ = "group_rating_objections"
    __table_args__ = (CheckConstraint(_in("status", OBJECTION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("group_ratings.id"), index=True)
    raised_by: Mapped[str] = mapped_column(String(128))  # who objected (member, neighbour, body)
    reason: Mapped[str] = mapped_column(Text)
    raised_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_on: Mapped[date | None] = mapped_column(Date)

    rating = relationship("GroupRating", back_populates="objections")


class GroupRatingBonus(db.Model):
    """The credit record (YX52-YX54) a published rating made for one member."""

    __tablename__ = "group_rating_bonuses"
    __table_args__ = (Index("uq_group_rating_bonuses_member", "rating_id", "retailer_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("group_ratings.id"))
    retailer_id: Mapped[int] = mapped_column(ForeignKey("retailers.id"))
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"), unique=True)

    rating = relationship("GroupRating", back_populates="bonuses")
    record = relationship("CreditRecord")
    retailer = relationship("Retailer")


class ModelAward(db.Model):
    """A model group (示范小组) or model retailer (示范户): nominated by a marketer or by a group,
    reviewed, published after a notice period; a model retailer's bonus (YX55) is made by the
    publication and linked here."""

    __tablename__ = "model_awards"
    __table_args__ = (
        CheckConstraint(_in("kind", AWARD_KINDS), name="kind"),
        CheckConstraint(_in("status", AWARD_STATUSES), name="status"),
        CheckConstraint("(kind = 'group' AND group_id IS NOT NULL AND retailer_id IS NULL) OR "
                        "(kind = 'shop' AND retailer_id IS NOT NULL)", name="subject"),
        # one live nomination per subject and year
        Index("uq_model_awards_live_shop", "retailer_id", "year", unique=True,
              postgresql_where=text("kind = 'shop' AND status NOT IN ('rejected', 'withdrawn')"),
              sqlite_where=text("kind = 'shop' AND status NOT IN ('rejected', 'withdrawn')")),
        Index("uq_model_awards_live_group", "group_id", "year", unique=True,
              postgresql_where=text("kind = 'group' AND status NOT IN ('rejected', 'withdrawn')"),
              sqlite_where=text("kind = 'group' AND status NOT IN ('rejected', 'withdrawn')")),
        Index("ix_model_awards_status", "status", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("integrity_groups.id"))
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("retailers.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    # what they do that others can learn from (shown on the 树标杆 page once published)
    practice: Mapped[str] = mapped_column(Text)
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    nominated_by_group_id: Mapped[int | None] = mapped_column(ForeignKey("integrity_groups.id"))
    nominated_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="nominated")
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    notice_until: Mapped[date | None] = mapped_column(Date)
    decision_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    published_on: Mapped[date | None] = mapped_column(Date)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_records.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    group = relationship("IntegrityGroup", foreign_keys=[group_id])
    nominating_group = relationship("IntegrityGroup", foreign_keys=[nominated_by_group_id])
    retailer = relationship("Retailer")
    record = relationship("CreditRecord")
