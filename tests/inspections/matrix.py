"""The inspection objects the access matrix needs (tests/auth/test_access_matrix.py): one inspection
in the owner's county, by the "inspector" principal with a photo, made once per world."""
import io

from app.auth.models import User
from app.extensions import db
from app.inspections import services
from app.inspections.schemas import InspectionSubmitSchema
from app.storage import services as storage
from tests.inspections.conftest import capture, jpeg, new_id


class _Ref:
    def __init__(self, id_):
        self.id = id_


def insp(w, key):
    if "insp" not in w:
        inspector = w["users"]["inspector"]
        cap = new_id()
        photo = new_id()
        stored, _ = storage.save(jpeg(), kind="photo", client_uuid=photo, capture_uuid=cap, uploader=inspector)
        body = capture(_Ref(w["retailer"]), _Ref(w["target"]), uuid=cap, photos=[photo])
        inspection, _ = services.submit(InspectionSubmitSchema().load(body), content_hash="x" * 64, actor=inspector)
        db.session.commit()
        w["insp"] = {"id": inspection.id, "file": stored.key}
    return w["insp"][key]


def submit_body(w):
    """A valid new capture for the owner's shop: the home inspector's, with the county's target user."""
    return capture(_Ref(w["retailer"]), _Ref(w["target"]))


def discard_body(w):
    """A discarded capture of the owner's shop, as the phone reports it."""
    body = capture(_Ref(w["retailer"]), _Ref(w["target"]))
    return {"uuid": body["uuid"], "retailer_id": w["retailer"], "state": "rejected", "status": 422,
            "message": "第二名执法人员不可用", "errors": {"second_officer_id": ["请从本县区的执法人员中选择"]},
            "photos": 0, "discarded_at": "2026-11-29T02:00:00Z", "payload": body}


def upload_form(w):
    return {"uuid": new_id(), "inspection_uuid": new_id(), "kind": "photo",
            "file": (io.BytesIO(jpeg()), "p.jpg", "image/jpeg")}


__all__ = ["insp", "submit_body", "discard_body", "upload_form", "User"]
