"""The demo's red and black lists come through the real flow: the two last quarters are published (a red
entry needs two consecutive ones), the list job proposes, the city supervisor reviews, the notice runs,
and most entries are in effect; the public list and the open data show them, names masked."""
from datetime import date

from sqlalchemy import func, select

from app.evaluation.models import EvaluationRun
from app.extensions import db
from app.lists.models import ListEntry, ListEntryEvent

TODAY = date(2026, 11, 29)


def test_demo_load_makes_red_and_black_entries_through_the_flow(app, clock, client):
    clock(TODAY)
    out = app.test_cli_runner().invoke(args=["demo", "load", "--seed", "7", "--retailers", "2000"])
    assert out.exit_code == 0, out.output
    runs = db.session.execute(select(EvaluationRun.quarter, EvaluationRun.status).order_by(EvaluationRun.quarter)).all()
    assert [tuple(r) for r in runs] == [("2026Q2", "published"), ("2026Q3", "published")]
    by = dict(((k, s), n) for k, s, n in db.session.execute(
        select(ListEntry.kind, ListEntry.status, func.count(ListEntry.id)).group_by(ListEntry.kind, ListEntry.status)))
    assert by.get(("red", "effective"), 0) >= 3 and by.get(("black", "effective"), 0) >= 1, by
    assert by.get(("red", "notice"), 0) + by.get(("black", "notice"), 0) >= 1, by
    red = db.session.scalars(select(ListEntry).where(ListEntry.kind == "red", ListEntry.status == "effective")).first()
    actions = [e.action for e in db.session.scalars(select(ListEntryEvent).where(ListEntryEvent.entry_id == red.id)
                                                     .order_by(ListEntryEvent.id))]
    assert actions == ["propose", "approve", "take_effect"]
    assert red.criterion == "red_grade" and red.effective_on and red.expires_on > TODAY
    rows = client.get("/api/open/lists?list=red").get_json()
    assert rows and all(r["list"] == "red" and "*" in r["operator_name"] for r in rows)
    page = client.get("/public/lists?kind=red").get_data(as_text=True)
    assert red.retailer.licence_no in page
