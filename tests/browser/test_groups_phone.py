"""On a 390 px phone: the joint panel's rating of an integrity mutual-aid group (5 stars), published after
its notice period, shows in each member's grade as a bonus linked to that decision; an AA retailer's
remote self-check, accepted by an inspector, closes its routine visit."""

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.credit import recording
from app.extensions import db
from app.groups import services
from app.groups.models import GroupRating, GroupRatingBonus
from app.scheduling.models import Visit
from app.trust.models import SelfCheck
from tests.browser.conftest import click_and_wait, sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
DAY = date(2026, 6, 1)


def _no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_panel_rates_a_group_five_stars_and_members_see_the_linked_bonus(app, live_server, page, clock, make_user,
                                                                         make_retailer, units, shot):
    clock(DAY)
    shops = [make_retailer(shop_name=f"健康路便利店{i}", licence_issued_on=date(2022, 1, 1)) for i in range(3)]
    owner = make_user("retailer", retailers=[shops[0]], username="owner_grp")
    sup = make_user("supervisor", username="sup_grp")
    group = services.create_group(sup, name="健康路诚信互助小组", unit_id=units["320812"].id, area="健康路",
                                  manager="健康路商会")
    for s in shops:
        services.add_member(group, s.licence_no, sup, joined_on=DAY - timedelta(days=120))
    services.open_round(make_user("supervisor", city=True, username="city_grp"), label="2026上半年", kind="half",
                        period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
    db.session.commit()

    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/groups")
    click_and_wait(page, "[data-testid=group-row] a")
    assert len(page.locator("[data-testid=member]").all()) == 3
    click_and_wait(page, "[data-testid=rate-link]")
    page.fill("[data-testid=score-compliance]", "40")
    page.fill("[data-testid=score-mutual_supervision]", "28")
    page.fill("[data-testid=score-participation]", "28")
    page.fill("textarea[name=evidence]", "组内互查记录12份；培训签到表；一年内无违法违规记录。")
    click_and_wait(page, "[data-testid=rating-form] button[type=submit]")  # no panel named: refused
    assert "请填写" in page.content()
    assert page.locator("textarea[name=evidence]").input_value().startswith("组内互查记录")
    assert page.locator("[data-testid=score-participation]").input_value() == "28"
    page.fill("textarea[name=panel]", "市信用办、市场监管局、消保委、烟草专卖局")
    click_and_wait(page, "[data-testid=rating-form] button[type=submit]")
    assert page.locator("[data-testid=rating-status]").inner_text() == "公示中"
    assert page.locator("h1 [data-testid=stars]").inner_text() == "★★★★★"
    _no_overflow(page)
    shot(page, "rating-in-notice")
    rating = db.session.scalars(select(GroupRating)).one()
    click_and_wait(page, "[data-testid=publish]")  # too early: refused, named
    assert "公示期至" in page.content()

    clock(DAY + timedelta(days=8))
    page.context.clear_cookies()
    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/group-ratings/{rating.id}")
    click_and_wait(page, "[data-testid=publish]")
    assert page.locator("[data-testid=rating-status]").inner_text() == "已发布"
    assert len(page.locator("[data-testid=bonus-record]").all()) == 3
    _no_overflow(page)
    shot(page, "published")

    db.session.expire_all()
    links = db.session.scalars(select(GroupRatingBonus).where(GroupRatingBonus.rating_id == rating.id)).all()
    assert {link.retailer_id for link in links} == {s.id for s in shops}
    assert {link.record.case_number for link in links} == {rating.decision_no}

    page.context.clear_cookies()
    sign_in(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server}/me/credit/{shops[0].id}")
    decision = page.locator("[data-testid=bonus-decision]").inner_text()
    assert rating.decision_no in decision and "健康路诚信互助小组" in decision and "5 星" in decision
    assert "+8" in page.locator("[data-testid=why]").inner_text()
    _no_overflow(page)
    shot(page, "member-grade")

    page.goto(f"{live_server}/public/groups")
    public = page.locator("[data-testid=public-group]").inner_text()
    assert "健康路诚信互助小组" in public and "★★★★★" in public


def _photo(tmp: Path, name: str) -> str:
    path = tmp / f"{name}.jpg"
    Image.new("RGB", (64, 48), (30, 140, 60)).save(path, format="JPEG")
    return str(path)


def test_aa_retailer_self_check_accepted_closes_the_routine_visit(app, live_server, page, clock, make_user,
                                                                  make_retailer, shot):
    clock(DAY)
    shop = make_retailer(shop_name="信任便利店", lat=33.59, lng=119.02)
    recording.create_record(shop, "YX55", occurred_on=DAY - timedelta(days=10), source="system", actor=None,
                            status="confirmed", decided_on=DAY - timedelta(days=10), case_number="示范评选〔2026〕1号")
    owner = make_user("retailer", retailers=[shop], username="owner_trust")
    inspector = make_user("inspector", username="insp_trust")
    visit = Visit(retailer_id=shop.id, unit_id=shop.unit_id, kind="due", status="approved",
                  due_on=DAY + timedelta(days=10), planned_on=DAY + timedelta(days=10), reasons=[])
    db.session.add(visit)
    db.session.commit()

    page.context.grant_permissions(["geolocation"], origin=live_server)
    page.context.set_geolocation({"latitude": 33.5901, "longitude": 119.0202, "accuracy": 10})
    sign_in(page, live_server, owner.username, PASSWORD)
    click_and_wait(page, "[data-testid=my-self-check]")
    page.wait_for_function("document.querySelector('[name=lat]').value !== ''")
    tmp = Path(tempfile.mkdtemp())
    for item in ("licence_displayed", "price_tags", "no_out_of_area"):
        page.check(f"input[name={item}][value=yes]")
        page.set_input_files(f"[data-testid=photo-{item}]", _photo(tmp, item))
    _no_overflow(page)
    shot(page, "self-check-form")
    click_and_wait(page, "[data-testid=self-check-form] button[type=submit]")
    assert page.locator("[data-testid=waiting]").count() == 1
    check = db.session.scalars(select(SelfCheck)).one()
    assert abs(check.lat - 33.5901) < 1e-4 and len(check.photos) == 3

    page.context.clear_cookies()
    sign_in(page, live_server, inspector.username, PASSWORD)
    click_and_wait(page, "[data-testid=self-checks-link]")
    click_and_wait(page, "[data-testid=self-check-row] a")
    assert page.locator("img.photo").count() == 3
    page.check("input[name=decision][value=accept]")
    click_and_wait(page, "[data-testid=review-form] button[type=submit]")
    assert page.locator("[data-testid=self-check-status]").inner_text().startswith("通过")
    assert "例行检查" in page.locator("[data-testid=self-check-visit]").inner_text()
    _no_overflow(page)
    shot(page, "self-check-accepted")
    db.session.expire_all()
    done = db.session.get(Visit, visit.id)
    assert (done.status, done.outcome) == ("done", "self_check")

