"""Demo data for the retailer side: on top of the generated credit history, the demo
retailer gets a repairable record (so its screens show why it is graded lower and how to repair),
and some licences a signed, published credit commitment."""
import io
import random
from datetime import date, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select, update

from app.auth.models import User
from app.commitments import services as commitments
from app.credit import recording
from app.extensions import db
from app.retailers.models import Retailer


def _signature_png(rng) -> str:
    import base64

    img = Image.new("RGBA", (340, 160), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    pts = [(20 + i * 40, rng.randint(40, 120)) for i in range(8)]
    d.line(pts, fill=(0, 0, 0, 255), width=3)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _skip_history_events():
    """The generated history is the past: the notice consumers start after it (no flood of notices)."""
    from sqlalchemy import func

    from app.credit.models import CreditRecordEvent, EventCursor, GradeChange

    for stream, model in (("credit_record_events", CreditRecordEvent), ("grade_changes", GradeChange)):
        last = db.session.scalar(select(func.max(model.id))) or 0
        cursor = db.session.get(EventCursor, ("notices", stream))
        if cursor is None:
            db.session.add(EventCursor(consumer="notices", stream=stream, last_id=last))
        else:
            cursor.last_id = last
    db.session.flush()


def _date_back(record) -> None:
    """The demo's repairable record was decided months ago: its grade change and the notices the
    retailer got carry that day (the record's and the grade's objection windows have closed), not
    the moment of the load."""
    from app.credit.models import CreditRecord, CreditRecordEvent, GradeChange
    from app.demo.history import _at
    from app.notices.models import Notice

    when = _at(record.decided_on, 11)
    db.session.execute(update(CreditRecord).where(CreditRecord.id == record.id).values(recorded_at=when))
    db.session.execute(update(CreditRecordEvent).where(CreditRecordEvent.record_id == record.id).values(at=when))
    changes = list(db.session.scalars(select(GradeChange).where(GradeChange.record_id == record.id)))
    for change in changes:
        change.at = when
    keys = [f"rec:{record.id}"] + [f"grade:{c.id}" for c in changes]
    db.session.execute(update(Notice).where(Notice.dedupe_key.in_(keys)).values(created_at=when))


def load_retailer_side(seed: int, today: date) -> dict:
    from app.notices import services as notices

    rng = random.Random(f"{seed}:retailer-side")
    commitments.ensure_text()
    _skip_history_events()
    demo = db.session.scalars(select(User).where(User.username == "retailer_demo")).first()
    repairable = None
    if demo is not None and demo.retailers:
        shop = demo.retailers[0]
        decided = max(today - timedelta(days=150), shop.licence_issued_on + timedelta(days=1))
        repairable = recording.create_record(
            shop, "ZM04", occurred_on=decided - timedelta(days=7), source="supervisor", actor=None,
            status="confirmed", decided_on=decided, case_number=f"淮烟专罚〔{decided.year}〕{rng.randint(100, 999)}号",
            description="在许可证登记地址以外的临时摊点销售卷烟（演示数据：可申请信用修复）")
    signed = 0
    multi = db.session.scalars(select(User).where(User.username == "retailer_multi")).first()
    shops = list(multi.retailers) if multi is not None else []
    active = list(db.session.scalars(select(Retailer).where(Retailer.status == "active").order_by(Retailer.id)
                                     .limit(400)))
    shops += rng.sample(active, min(30, len(active)))
    for shop in shops:
        if commitments.active(shop, today) is not None:
            continue
        owner = multi if multi is not None and shop in multi.retailers else None
        commitments.sign(shop, owner, agreed=True, signature=_signature_png(rng),
                         signer_name=shop.operator_name, today=today - timedelta(days=rng.randint(0, 300)))
        signed += 1
    notices.consume()  # the demo retailer is told of its new record
    if repairable is not None:
        _date_back(repairable)
    db.session.flush()
    return {"repairable_record": repairable.id if repairable else None, "commitments": signed}

