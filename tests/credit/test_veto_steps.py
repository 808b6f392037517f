"""A shop held at D by a veto is never told that points or a near date will change its grade: "how
to improve" names the veto and its end, and the staff panel's "next change" is the next change of
the grade, not of the score."""
from datetime import date, timedelta

from app.credit import grading, recording
from app.credit.versions import sync_shipped
from app.extensions import db
from app.reports.overview import overview

TODAY = date(2026, 11, 29)


def _veto_shop(make_retailer, make_user):
    sync_shipped()
    shop = make_retailer(shop_name="华兴便利店")
    sup = make_user("supervisor", shop.unit.code)
    recording.create_record(shop, "ZM01", occurred_on=TODAY - timedelta(days=40), source="supervisor", actor=sup,
                            description="查获假烟", status="confirmed", decided_on=TODAY - timedelta(days=30),
                            case_number="淮烟专罚〔2026〕1号")
    # a minor record that lapses in about three months: the score moves then, the grade does not
    recording.create_record(shop, "ZM09", occurred_on=TODAY - timedelta(days=10), source="supervisor", actor=sup,
                            description="未悬挂许可证", status="confirmed", decided_on=TODAY - timedelta(days=5),
                            case_number="淮烟专罚〔2026〕2号")
    db.session.commit()
    return shop


def test_the_veto_holds_the_grade_and_the_steps_say_so(app, make_retailer, make_user, clock):
    clock(TODAY)
    shop = _veto_shop(make_retailer, make_user)
    g = grading.explain(shop)
    assert g["grade"] == "D" and g["rule"]["kind"] == "veto"
    veto_end = g["rule"]["until"]
    assert g["next_change"] < veto_end  # the minor record lapses first: the score changes
    assert g["next_grade_change"] >= veto_end  # the grade does not change before the veto ends
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        steps = overview(shop, None, TODAY)["steps"]
    text = " ".join(steps)
    assert "可升至" not in text
    assert f"否决规则在 {veto_end.isoformat()} 前将等级定为 D 级，期间加分不能提高等级。" in steps
    assert any(s.startswith(f"{veto_end.isoformat()} 起该规则不再适用") for s in steps)


def test_a_cap_allows_points_only_up_to_its_grade(app, make_retailer, clock):
    from dataclasses import replace

    import scoring
    from app.repair import credit_link
    from app.reports.overview import steps_to_improve

    clock(TODAY)
    sync_shipped()
    shop = make_retailer(shop_name="明珠超市")
    base = credit_link.compute(shop, TODAY)
    until = TODAY + timedelta(days=200)
    capped = replace(base, score=105, score_grade="A", grade="A", rule=scoring.Rule("cap", 1, "ZM04", until, "A"))
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        steps = steps_to_improve(shop, capped, [], None)
        free = steps_to_improve(shop, replace(capped, rule=None), [], None)
    assert "再得 5 分可升至 AA 级。" in free
    assert not any("可升至" in s for s in steps)
    assert f"因行政处罚，{until.isoformat()} 前等级最高为 A 级。" in steps
