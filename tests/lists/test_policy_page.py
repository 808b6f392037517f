"""The list policy page (/lists/policy): supervisors read the version in force and the history; an admin
adds a version through the form, refused field by field in Chinese with the input kept, audited; the new
version applies from its date."""
from datetime import date

from app.audit.models import AuditEntry
from app.extensions import db
from app.lists import policy as list_policy
from app.lists.models import ListPolicyVersion

GOOD = {"version": "2027.1", "effective_from": "2027-01-01", "notice_days": "10",
        "objection_answer_working_days": "10", "red_grade": "AAA", "red_consecutive_quarters": "3",
        "red_valid_months": "12", "black_veto": "1", "black_serious_min_points": "20",
        "black_refused_codes": "zm06, ZM07", "black_valid_months": "36",
        "measures_red": "货源投放优先 | Supply priority\n办理许可证开通绿色通道",
        "measures_black": "列为重点监管对象，提高检查频次"}


def test_supervisor_reads_the_policy_without_a_form(app, make_user, signed_in, clock):
    clock(date(2026, 12, 5))
    s = signed_in(make_user("supervisor"))
    page = s.get("/lists/policy")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2026.1" in html and "list-policy-form" not in html
    assert "公示" in html and "以非现场监管为主" in html
    assert s.post("/lists/policy", data=GOOD).status_code == 403
    assert db.session.scalar(db.select(db.func.count(ListPolicyVersion.id))) == 0


def test_admin_adds_a_version_field_by_field_errors_in_chinese(app, make_user, signed_in, clock):
    clock(date(2026, 12, 5))
    admin = make_user("admin")
    s = signed_in(admin)
    form = s.get("/lists/policy").get_data(as_text=True)
    assert 'data-testid="list-policy-form"' in form and 'value="2026.2"' in form  # the next free name
    bad = {**GOOD, "notice_days": "0", "red_consecutive_quarters": "abc", "black_refused_codes": "ZM06, XX99, YX51",
           "effective_from": "2026-11-01", "version": "2027/1"}
    r = s.post("/lists/policy", data=bad, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "请填写1至90之间的整数天数。" in html and "请填写1至8之间的整数季度数。" in html
    assert "不是指标目录中的扣分指标：XX99、YX51。" in html  # a bonus indicator is no refusal
    assert "never in the past" not in html and "2026-11-01" in html  # the input is kept
    assert "最多16个字母" in html
    assert db.session.scalar(db.select(db.func.count(ListPolicyVersion.id))) == 0  # nothing half-written

    ok = s.post("/lists/policy", data=GOOD)
    assert ok.status_code == 302
    row = db.session.scalars(db.select(ListPolicyVersion).where(ListPolicyVersion.version == "2027.1")).one()
    assert row.created_by_id == admin.id and row.effective_from == date(2027, 1, 1)
    assert row.body["notice_days"] == 10 and row.body["red"]["consecutive_quarters"] == 3
    assert row.body["black"]["refused_codes"] == ["ZM06", "ZM07"]
    assert row.body["measures"]["red"] == [{"zh": "货源投放优先", "en": "Supply priority"},
                                           {"zh": "办理许可证开通绿色通道", "en": None}]
    audit = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "list_policy.add")
                               .order_by(AuditEntry.id.desc())).first()
    assert audit.target_id == str(row.id) and audit.actor_id == admin.id
    assert list_policy.in_force(date(2026, 12, 31))[0] == "2026.1"
    assert list_policy.in_force(date(2027, 1, 1))[0] == "2027.1"
    page = s.get("/lists/policy").get_data(as_text=True)
    assert "2027.1" in page and "2026.1" in page
    again = s.post("/lists/policy", data=GOOD, follow_redirects=True)
    assert again.status_code == 422 and "该版本已存在。" in again.get_data(as_text=True)
