"""Refused page forms on a phone (390 px): the page comes back with everything typed, the Chinese error
next to the field and a summary at the top, status 422, and nothing saved; corrected, the form saves.

Three kinds: a form page that shows itself again (an admin creating an account), a retailer's form
with free text (an objection), and an action whose form sits on a list page (a supervisor recording a
commitment breach: the list comes back with the error in that row)."""
import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.commitments import services as commitments
from app.commitments.models import Commitment
from app.extensions import db
from app.repair.models import Objection
from tests.browser.conftest import sign_in
from tests.conftest import COUNTY, PASSWORD
from tests.retailer_side.helpers import signature_data_url

pytestmark = pytest.mark.browser


def _submit(page, selector):
    """Submit and return the HTTP status of the page that comes back."""
    with page.expect_navigation() as nav:
        page.click(selector)
    page.wait_for_load_state("networkidle")
    return nav.value.status


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_admin_account_form_refused_keeps_the_input(app, live_server, page, make_user, shot):
    admin = make_user("admin", username="admin_forms")
    make_user("inspector", username="taken_name")
    sign_in(page, live_server, admin.username, PASSWORD)
    page.goto(f"{live_server}/admin/users/new")
    page.fill("input[name=username]", "taken_name")
    page.fill("input[name=display_name]", "王客户经理")
    page.select_option("select[name=role]", "marketer")
    page.select_option("select[name=unit]", COUNTY)
    page.fill("input[name=password]", "short1")
    assert _submit(page, "form.form button.primary") == 422
    assert page.input_value("input[name=username]") == "taken_name"
    assert page.input_value("input[name=display_name]") == "王客户经理"
    assert page.input_value("select[name=role]") == "marketer"
    assert page.input_value("select[name=unit]") == COUNTY
    assert "用户名已被使用" in page.locator("[data-testid=error-username]").inner_text()
    assert "密码至少 8 位" in page.locator("[data-testid=error-password]").inner_text()
    summary = page.locator("[data-testid=error-summary]").inner_text()
    assert "本次未保存" in summary and "密码至少 8 位" in summary
    _fits_the_phone(page)
    shot(page, "refused")
    assert db.session.scalar(select(func.count(User.id)).where(User.display_name == "王客户经理")) == 0

    page.fill("input[name=username]", "mkt_wang")
    page.fill("input[name=password]", "Mkt-pass-2026")
    assert _submit(page, "form.form button.primary") == 200
    assert page.locator("[data-testid=error-summary]").count() == 0
    created = db.session.scalars(select(User).where(User.username == "mkt_wang")).one()
    assert created.display_name == "王客户经理" and created.role == "marketer" and created.unit.code == COUNTY


def test_a_retailer_objection_refused_keeps_the_reasons(app, live_server, page, make_user, make_retailer, shot):
    shop = make_retailer(shop_name="华兴便利店")
    owner = make_user("retailer", username="shop_owner_forms", retailers=[shop])
    sign_in(page, live_server, owner.username, PASSWORD)
    page.goto(f"{live_server}/me/objection/{shop.id}")
    page.fill("[data-testid=reasons]", "等级不对")
    assert _submit(page, "[data-testid=submit-objection]") == 422
    assert page.input_value("[data-testid=reasons]") == "等级不对"
    assert "请填写理由（至少 10 个字）" in page.locator("[data-testid=error-reasons]").inner_text()
    assert "请填写理由" in page.locator("[data-testid=error-summary]").inner_text()
    _fits_the_phone(page)
    shot(page, "refused")
    assert db.session.scalar(select(func.count(Objection.id))) == 0

    page.fill("[data-testid=reasons]", "等级不对：本季度没有任何违法违规记录，请复核。")
    assert _submit(page, "[data-testid=submit-objection]") == 200
    assert db.session.scalars(select(Objection)).one().reasons.startswith("等级不对")


def test_a_breach_refused_on_the_list_comes_back_in_its_row(app, live_server, page, make_user, make_retailer,
                                                           shot):
    first, second = make_retailer(shop_name="华兴便利店"), make_retailer(shop_name="利民超市")
    signed = []
    for shop in (first, second):
        owner = make_user("retailer", retailers=[shop])
        signed.append(commitments.sign(shop, owner, agreed=True, signature=signature_data_url(),
                                       signer_name="王小明"))
    db.session.commit()
    target = signed[1]
    sup = make_user("supervisor", COUNTY, username="sup_forms")
    sign_in(page, live_server, sup.username, PASSWORD)
    page.goto(f"{live_server}/supervise/commitments")
    row = page.locator(f"form[action$='/supervise/commitments/{target.id}/breach']")
    row.locator("input[name=case_number]").fill("淮烟专罚〔2026〕9号")
    with page.expect_navigation() as nav:
        row.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert nav.value.status == 422
    refused_row = page.locator(f"form[action$='/supervise/commitments/{target.id}/breach']")
    assert refused_row.locator("input[name=case_number]").input_value() == "淮烟专罚〔2026〕9号"
    assert "请填写理由" in refused_row.locator("[data-testid=error-note]").inner_text()
    other_row = page.locator(f"form[action$='/supervise/commitments/{signed[0].id}/breach']")
    assert other_row.locator("input[name=case_number]").input_value() == ""  # only the refused row
    assert other_row.locator("[data-testid=error-note]").count() == 0
    _fits_the_phone(page)
    shot(page, "refused")
    db.session.expire_all()
    assert db.session.get(Commitment, target.id).status == "active"

    refused_row.locator("input[name=note]").fill("承诺期内销售非法渠道卷烟")
    with page.expect_navigation():
        refused_row.locator("button").click()
    page.wait_for_load_state("networkidle")
    db.session.expire_all()
    assert db.session.get(Commitment, target.id).status == "broken"
