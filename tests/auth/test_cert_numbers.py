"""Officers' enforcement certificate numbers (执法证号) on accounts: set by the admin (page and API),
for inspectors and supervisors only, well-formed and unique, audited with the account."""
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.auth.models import User
from app.extensions import db
from tests.conftest import COUNTY


def test_admin_sets_a_certificate_number_on_the_form(make_user, signed_in):
    admin = signed_in(make_user("admin"))
    inspector = make_user("inspector", COUNTY, username="insp_cert")
    other = make_user("inspector", COUNTY, username="insp_other")
    form = {"display_name": "张执法", "role": "inspector", "unit": COUNTY, "retailers": ""}
    bad = admin.post(f"/admin/users/{inspector.id}", data={**form, "enforcement_cert_no": "32#08"})
    assert bad.status_code == 422 and "4 到 32 个字母" in bad.get_data(as_text=True)
    assert 'value="32#08"' in bad.get_data(as_text=True)  # the input comes back
    ok = admin.post(f"/admin/users/{inspector.id}", data={**form, "enforcement_cert_no": " 32081200017 "})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, inspector.id).enforcement_cert_no == "32081200017"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.update")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.after["enforcement_cert_no"] == "32081200017"
    taken = admin.post(f"/admin/users/{other.id}", data={**form, "enforcement_cert_no": "32081200017"})
    assert taken.status_code == 422 and "其他账号" in taken.get_data(as_text=True)
    marketer = make_user("marketer", COUNTY, username="mkt_cert")
    refused = admin.patch(f"/api/users/{marketer.id}", json={"enforcement_cert_no": "32081200099"})
    assert refused.status_code == 422 and "enforcement_cert_no" in refused.get_json()["errors"]
    via_api = admin.patch(f"/api/users/{other.id}", json={"enforcement_cert_no": "32081200021"})
    assert via_api.status_code == 200 and via_api.get_json()["enforcement_cert_no"] == "32081200021"
