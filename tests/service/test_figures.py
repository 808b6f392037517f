"""The ordering figures' import: strict CSV, every bad row named by line and column, dry run writes
nothing, all or nothing, idempotent, corrections replace; the same rules through the ordering token."""
import io

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.service import figures
from app.service.models import OrderingFigure

HEADER = "licence_no,month,base_tier,class_code,order_amount,order_cartons\r\n"


def count():
    return db.session.scalar(select(func.count(OrderingFigure.id)))


def test_every_bad_row_is_named_and_nothing_is_written(shops, mkt):
    a, b = shops(2)
    data = (HEADER + f"{a.licence_no},2026-12,12,CZ1,18650.5,420\r\n"
            f"{b.licence_no},2026-13,31,QQ9,12.345,x\r\n"
            f"999999999999,2026-12,5,,,\r\n"
            f"{a.licence_no},2026年12月,12,,,\r\n").encode()
    result = figures.run(data, actor=mkt, dry_run=True, source="upload")
    got = {(e.row, e.column) for e in result.errors}
    assert {(3, "month"), (3, "base_tier"), (3, "class_code"), (3, "order_amount"), (3, "order_cartons"),
            (4, "licence_no"), (5, "licence_no")} <= got
    assert result.valid == 1 and count() == 0
    with pytest.raises(figures.FiguresRejected) as refused:
        figures.run(data, actor=mkt, dry_run=False, source="upload")
    assert refused.value.status == 422 and count() == 0


def test_idempotent_and_corrections_replace(shops, mkt):
    a, b = shops(2)
    data = (HEADER + f"{a.licence_no},2026-12,12,cz1,18650.50,420\r\n" f"{b.licence_no},2026/11,7,,,\r\n").encode()
    first = figures.run(data, actor=mkt, dry_run=False, source="upload")
    db.session.commit()
    assert (first.created, first.updated, first.unchanged, first.months) == (2, 0, 0, ["2026-11", "2026-12"])
    row = db.session.scalars(select(OrderingFigure).where(OrderingFigure.retailer_id == a.id)).one()
    assert (row.base_tier, row.class_code, row.order_amount_fen, row.order_cartons) == (12, "CZ1", 1865050, 420)
    again = figures.run(data, actor=mkt, dry_run=False, source="upload")
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2) and count() == 2
    fixed = figures.run((HEADER + f"{a.licence_no},2026-12,13,CZ1,18650.50,420\r\n").encode(), actor=mkt,
                        dry_run=False, source="upload")
    db.session.commit()
    assert (fixed.created, fixed.updated) == (0, 1)
    db.session.expire_all()
    assert db.session.get(OrderingFigure, row.id).base_tier == 13
    audits = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "ordering_figures.import")).all()
    assert len(audits) == 3


def test_gbk_chinese_headers_and_broken_quotes(shops, mkt):
    (a,) = shops(1)
    data = f"许可证号,月份,档位\r\n{a.licence_no},2026-12,9\r\n".encode("gbk")
    result = figures.run(data, actor=mkt, dry_run=True, source="upload")
    assert result.ok and result.encoding == "gbk"
    broken = (HEADER + f'{a.licence_no},"2026-12,9,,,\r\n').encode()
    result = figures.run(broken, actor=mkt, dry_run=True, source="upload")
    assert result.errors[0].row == 2 and result.errors[0].column == "file"


def test_the_county_supervisor_reaches_only_the_county(shops, make_user):
    from tests.conftest import OTHER_COUNTY

    (other,) = shops(1, county=OTHER_COUNTY)
    county = make_user("mkt_supervisor")
    result = figures.run((HEADER + f"{other.licence_no},2026-12,9,,,\r\n").encode(), actor=county, dry_run=True,
                         source="upload")
    assert [(e.row, e.column) for e in result.errors] == [(2, "licence_no")]


def test_the_ordering_systems_api(shops, ordering, client, mkt, make_user):
    (a,) = shops(1)
    user, raw = ordering
    auth = {"Authorization": f"Bearer {raw}"}

    def send(body, dry):
        return client.post(f"/api/ordering/figures?dry_run={'true' if dry else 'false'}", headers=auth,
                           data={"file": (io.BytesIO(body.encode()), "f.csv")}, content_type="multipart/form-data")

    bad = send(HEADER + f"{a.licence_no},2026-12,0,,,\r\n", False)
    assert bad.status_code == 422
    assert bad.get_json()["result"]["errors"][0]["column"] == "base_tier" and count() == 0
    ok = send(HEADER + f"{a.licence_no},2026-12,10,,,\r\n", True)
    assert ok.status_code == 200 and ok.get_json()["created"] == 1 and count() == 0
    assert send(HEADER + f"{a.licence_no},2026-12,10,,,\r\n", False).get_json()["created"] == 1
    assert send(HEADER + f"{a.licence_no},2026-12,10,,,\r\n", False).get_json()["unchanged"] == 1
    db.session.expire_all()
    assert db.session.scalars(select(OrderingFigure)).one().source == "api"
    # a partner authority's token does not reach the ordering system's API
    import secrets

    from app.auth.models import ApiToken
    from app.auth.services import _sha256

    partner = make_user("partner")
    other = "crd_" + secrets.token_urlsafe(16)
    db.session.add(ApiToken(user_id=partner.id, name="p", prefix=other[:12], token_hash=_sha256(other)))
    db.session.commit()
    assert client.get("/api/ordering/service-runs", headers={"Authorization": f"Bearer {other}"}).status_code == 403
    assert client.get("/api/ordering/service-runs", headers=auth).status_code == 200
