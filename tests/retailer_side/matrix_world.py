"""Objects of the retailer side for the access matrix (tests/auth/test_access_matrix.py::_world):
a record, a repair request with a photo, an open objection, a commitment, a notice, a report and a licence request,
all on the "retailer" principal's licence in the home county."""
import os
from datetime import timedelta

from app.commitments.models import Commitment, CommitmentText
from app.common.time import local_today
from app.credit.models import CreditRecord
from app.extensions import db
from app.licence_requests.models import LicenceRequest
from app.notices.models import Notice
from app.repair.evidence import evidence_dir
from app.repair.models import EvidenceFile, Objection, RepairRequest
from app.reports.models import CreditReport


def retailer_side_world(shop, users) -> dict:
    today = local_today()

    def record(code, points, decided):
        rec = CreditRecord(retailer_id=shop.id, operator_id=shop.operator_id, indicator_code=code,
                           catalogue_version="2026.1", dimension="monopoly", nominal_points=points,
                           occurred_on=decided, source="supervisor", status="confirmed", decided_on=decided,
                           case_number="淮烟〔2026〕1号", description="", evidence=[])
        db.session.add(rec)
        return rec

    rec = record("ZM04", -10, today - timedelta(days=150))
    disputed = record("ZM09", -2, today - timedelta(days=5))
    disputed.disputed = True
    with open(os.path.join(evidence_dir(), "matrix.bin"), "wb") as f:
        f.write(b"\xff\xd8\xff\xe0matrix")
    ev = EvidenceFile(retailer_id=shop.id, kind="photo", original_name="p.jpg", content_type="image/jpeg", size=10,
                      sha256="0" * 64, stored_name="matrix.bin")
    text = CommitmentText(version=1, title="信用承诺书", body="本人承诺依法诚信经营。" * 3)
    db.session.add_all([ev, text])
    db.session.flush()
    commitment = Commitment(retailer_id=shop.id, text_id=text.id, text_version=1, signed_on=today,
                            expires_on=today + timedelta(days=365), signer_name="王小明",
                            signature_png=b"\x89PNG\r\n\x1a\n" + b"0" * 100, signature_sha256="0" * 64)
    req = RepairRequest(retailer_id=shop.id, record_id=rec.id, statement="整改到位。", penalty_fulfilled=True,
                        evidence_ids=[ev.id], eligibility={"eligible": True}, submitted_on=today,
                        accept_due=today + timedelta(days=5), decide_due=today + timedelta(days=14))
    obj = Objection(retailer_id=shop.id, record_id=disputed.id, told_on=disputed.decided_on, reasons="记录有误。",
                    evidence_ids=[], submitted_on=today, answer_due=today + timedelta(days=14))
    notice = Notice(user_id=users["retailer"].id, retailer_id=shop.id, kind="new_record", title="通知")
    report = CreditReport(serial="XY20260101MATRIX01", retailer_id=shop.id, grade="A", score=100, as_of=today)
    licreq = LicenceRequest(retailer_id=shop.id, kind="change", changes="经营地址变更", status="submitted",
                            submitted_on=today, decide_due=today + timedelta(days=28))
    db.session.add_all([commitment, req, obj, notice, report, licreq])
    db.session.commit()
    return {"record": rec.id, "evidence": ev.id, "repair": req.id, "objection": obj.id, "commitment": commitment.id,
            "notice": notice.id, "serial": report.serial, "licence_request": licreq.id}
