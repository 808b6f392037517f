"""Publishing a quarterly run tells every retailer account its official grade and the objection
deadline, in the account's language; a superseding run says the grade was corrected."""
import datetime as dt
import random

from sqlalchemy import select

from app.evaluation import services
from app.evaluation.models import EvaluationRow
from app.extensions import db
from app.notices.models import Notice, SmsOutbox
from app.retailers.models import Retailer
from tests.evaluation.test_lifecycle import publish
from tests.evaluation.world import build_world


def test_publication_tells_each_retailer_account_once(app, units, make_user):
    from scoring import available_catalogues

    build_world(random.Random(11), units, catalogues=available_catalogues(), n_operators=20, n_records=200,
                first=dt.date(2025, 1, 1), last=dt.date(2026, 9, 20))
    shops = list(db.session.scalars(select(Retailer).order_by(Retailer.id).limit(2)))
    zh = make_user("retailer", username="owner_zh", retailers=[shops[0]])
    en = make_user("retailer", username="owner_en", retailers=[shops[1]])
    en.locale = "en"
    shops[0].phone, shops[1].phone = "13900000001", None  # no phone: a notice, no SMS
    db.session.commit()
    admin = make_user("admin")
    run = publish("2026Q3", admin)
    row = db.session.get(EvaluationRow, (run.id, shops[0].id))
    mine = db.session.scalars(select(Notice).where(Notice.user_id == zh.id)).one()
    assert mine.kind == "official_grade" and mine.retailer_id == shops[0].id
    assert mine.title == f"2026Q3 季度信用等级评价结果：{row.grade}"
    assert run.objection_closes_on.isoformat() in mine.body and str(row.score) in mine.body
    theirs = db.session.scalars(select(Notice).where(Notice.user_id == en.id)).one()
    assert theirs.title.startswith("Your official credit grade for 2026Q3")
    assert db.session.scalar(select(SmsOutbox.text).where(SmsOutbox.notice_id == mine.id)).endswith(mine.title)
    assert db.session.scalar(select(SmsOutbox.id).where(SmsOutbox.notice_id == theirs.id)) is None
    # The objection window counts from this notice: told on the day of publication.
    from app.repair.services import grade_told_on_for

    assert grade_told_on_for(shops[0]) is not None
    new = services.supersede(run, "案件撤销，记录已更正", admin)
    services.review(new, admin)
    services.publish(new, admin)
    db.session.commit()
    titles = db.session.scalars(select(Notice.title).where(Notice.user_id == zh.id).order_by(Notice.id)).all()
    assert len(titles) == 2 and titles[1].startswith("2026Q3 季度信用等级已更正")
