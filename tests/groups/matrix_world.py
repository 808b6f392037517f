"""Objects of the groups part for the access matrix, made on first use: a group of the county with the
world's shop as member, a city round, a rating in its notice period with an open objection, a
nomination, and a remote self-check with its photo."""
import io
import uuid
from datetime import timedelta

from PIL import Image

from app.common.time import local_today
from app.extensions import db


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def groups_world(w) -> dict:
    if "grp" in w:
        return w["grp"]
    from app.groups import services
    from app.groups.models import ModelAward
    from app.retailers.models import Retailer
    from app.storage import services as storage
    from app.trust.models import SelfCheck, SelfCheckPhoto

    users = w["users"]
    shop = db.session.get(Retailer, w["retailer"])
    today = local_today()
    group = services.create_group(users["sup_county"], name="矩阵互助小组", unit_id=shop.unit_id, area="矩阵路")
    m = services.add_member(group, shop.licence_no, users["sup_county"])
    rnd = services.open_round(users["sup_city"], label="矩阵轮", kind="year", period_start=today - timedelta(days=300),
                              period_end=today)
    rating = services.rate(rnd, group, users["sup_county"], scores={"compliance": 30, "mutual_supervision": 20,
                                                                   "participation": 20},
                           evidence="互查记录", panel="联合评定组")
    obj = services.raise_objection(rating, users["sup_county"], raised_by="邻居", reason="有异议")
    award = ModelAward(kind="group", year=today.year, group_id=group.id, unit_id=shop.unit_id, practice="互查互纠",
                       nominated_by_id=users["marketer"].id, nominated_on=today, status="nominated")
    db.session.add(award)
    capture = str(uuid.uuid4())
    check = SelfCheck(client_uuid=capture, retailer_id=shop.id, unit_id=shop.unit_id, grade="AA",
                      answers={"licence_displayed": True, "price_tags": True, "no_out_of_area": True},
                      lat=33.6, lng=119.0, submitted_by_id=users["retailer"].id, submitted_on=today, status="submitted")
    db.session.add(check)
    db.session.flush()
    stored, _ = storage.save(_png(), kind="photo", client_uuid=str(uuid.uuid4()), capture_uuid=capture,
                             uploader=users["retailer"])
    photo = SelfCheckPhoto(self_check_id=check.id, item="licence_displayed", file_id=stored.id)
    db.session.add(photo)
    db.session.commit()
    w["grp"] = {"group": group.id, "member": m.id, "round": rnd.id, "rating": rating.id, "objection": obj.id,
                "award": award.id, "check": check.id, "photo": photo.id}
    return w["grp"]


def G(w, key):
    return groups_world(w)[key]
