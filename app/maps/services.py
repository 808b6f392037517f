"""The supervisors' map data: the shops in the user's scope with a location, inside the map's view
(a bounding box), as compact arrays (id, latitude, longitude, grade, format, flags), filtered by county,
grade, business format, red/black list and open early warning; above SHOP_LIMIT shops in the box, the
shops counted per grid cell with their grade mix instead (grouped in SQL); and the confirmed violations
of the current quarter counted per grid cell (the "heat" layer). Read only: a GET never writes.

The payload is built for phones: positions rounded to 5 decimals (about a metre), grade and format as
indexes into lists sent once, the flags as one bit field, at most SHOP_LIMIT single shops. Names and
licence numbers are not in it: the popup asks for one shop (``shop_detail``) when it is opened."""
from __future__ import annotations

import hashlib
import json
from collections import Counter

from sqlalchemy import Integer, and_, cast, func, or_, select

from app.auth import policy
from app.common.time import local_today
from app.extensions import db
from app.org.models import OrgUnit
from app.retailers.models import Retailer

GRADES = ("AAA", "AA", "A", "B", "C", "D")
FORMATS = ("grocery", "convenience", "supermarket", "tobacco_liquor", "entertainment", "other")
LISTS = ("red", "black")
FLAG_RED, FLAG_BLACK, FLAG_WARNING = 1, 2, 4
CELL_DEG = 0.05  # the heat layer's grid: 0.05 degree cells, about 5.6 km north-south, 4.6 km east-west
SHOP_LIMIT = 5000  # more shops than this in the box: counts per grid cell instead (config MAP_SHOP_LIMIT)
INDEXED_SPAN = 0.25  # a box up to this many degrees a side is read through ix_retailers_lat_lng
CELLS_ACROSS = 12  # the aggregated grid cuts the box's longer side into at most this many cells (the box is
# the view padded by half: 8 cells across a 390 px phone, bubbles of at most 44 px apart)
CELL_LADDER = tuple(0.0005 * 2 ** k for k in range(14))  # 0.0005 degree (about 50 m) ... 4.096 degrees
ACTION = "map.read"


def quarter_bounds(day):
    from app.evaluation.batch import quarter_bounds as bounds, quarter_of

    quarter = quarter_of(day)
    return (quarter, *bounds(quarter))


def _listed(kind):
    """Shops with an entry of the list in effect (the outer query is scoped: this one need not be)."""
    from app.lists.models import ListEntry

    return select(ListEntry.retailer_id).where(ListEntry.kind == kind, ListEntry.status == "effective")


def _warned():
    from app.warnings.models import EarlyWarning

    return select(EarlyWarning.retailer_id).where(EarlyWarning.status == "open")


def _filters(user, args: dict):
    """(where: every filter, area: scope and county only) as lists of clauses on Retailer (the grade's
    joined to its live grade). The scope is the policy's clause itself, not an IN over the scope's ids:
    for a city of a million shops that subquery would be built on every request."""
    from app.credit.models import RetailerGrade

    where = [policy.clause(user, ACTION, Retailer), Retailer.status != "cancelled"]
    if args.get("unit"):
        where.append(Retailer.unit_id.in_(select(OrgUnit.id).where(OrgUnit.code == args["unit"])))
    area = list(where)
    if args.get("grade"):
        where.append(RetailerGrade.grade == args["grade"])
    if args.get("format"):
        where.append(Retailer.business_format == args["format"])
    if args.get("list"):
        where.append(Retailer.id.in_(_listed(args["list"])))
    if args.get("warning") == "open":
        where.append(Retailer.id.in_(_warned()))
    return where, area


def shop_limit() -> int:
    from flask import current_app

    return int(current_app.config.get("MAP_SHOP_LIMIT", SHOP_LIMIT))


def shops(user, args: dict) -> dict:
    """The shops in ``user``'s scope matching the filters (``unit``: county code, ``grade``, ``format``,
    ``list``: red | black, ``warning``: "open") inside ``bbox`` (south, west, north, east; none: the
    whole scope), and the quarter's violation cells over the same county filter (the grade and other
    filters do not thin out the heat).

    Up to ``shop_limit()`` shops in the box come one by one (``mode`` "shops"); above it they come
    counted per grid cell (``mode`` "cells", see ``shop_cells``), so a city of a million shops stays
    a few kilobytes."""
    from app.credit.models import RetailerGrade

    where, area = _filters(user, args)
    located = [Retailer.lat.is_not(None), Retailer.lng.is_not(None)]
    joined = select(func.count()).select_from(Retailer)
    if args.get("grade"):  # only the grade filter needs the grade to count
        joined = joined.outerjoin(RetailerGrade, RetailerGrade.retailer_id == Retailer.id)
    unlocated = db.session.scalar(joined.where(*where, or_(Retailer.lat.is_(None), Retailer.lng.is_(None))))
    box = args.get("bbox")
    inside = where + located
    if box:
        south, west, north, east = box
        lat, lng = Retailer.lat, Retailer.lng
        if max(north - south, east - west) > INDEXED_SPAN:
            # a wide box holds most of the city: reading it through the position index costs a table
            # lookup per shop (10 x a plain scan on SQLite); "+ 0" keeps the index out of the plan
            lat, lng = lat + 0, lng + 0
        inside += [lat >= south, lat <= north, lng >= west, lng <= east]
    count = db.session.scalar(joined.where(*inside))
    payload = {"grades": list(GRADES), "formats": list(FORMATS),
               "flags": {"red": FLAG_RED, "black": FLAG_BLACK, "warning": FLAG_WARNING},
               "bbox": list(box) if box else None, "count": count, "unlocated": unlocated, "limit": shop_limit(),
               "heat": violation_cells(and_(*area, *located))}
    if count > shop_limit():
        payload.update(mode="cells", **shop_cells(inside, box))
        return payload
    stmt = (select(Retailer.id, Retailer.lat, Retailer.lng, RetailerGrade.grade, Retailer.business_format)
            .outerjoin(RetailerGrade, RetailerGrade.retailer_id == Retailer.id)
            .where(*inside).order_by(Retailer.id))
    red = set(db.session.scalars(_listed("red")))  # a few thousand ids at most, only used to flag rows
    black = set(db.session.scalars(_listed("black")))
    warned = set(db.session.scalars(_warned()))
    grade_index = {g: i for i, g in enumerate(GRADES)}
    format_index = {f: i for i, f in enumerate(FORMATS)}
    rows = []
    for rid, lat, lng, grade, fmt in db.session.execute(stmt):
        flags = (FLAG_RED if rid in red else 0) | (FLAG_BLACK if rid in black else 0) | \
                (FLAG_WARNING if rid in warned else 0)
        rows.append([rid, round(lat, 5), round(lng, 5), grade_index.get(grade, -1), format_index.get(fmt, -1), flags])
    payload.update(mode="shops", fields=["id", "lat", "lng", "grade", "format", "flags"], shops=rows)
    return payload


def cell_size(box) -> float:
    """The grid cell (degrees) for a box: the smallest step of CELL_LADDER that cuts the box's longer
    side into at most CELLS_ACROSS cells. Steps, not the exact fraction, so that panning keeps the
    same grid and a cell keeps its count."""
    south, west, north, east = box
    span = max(north - south, east - west)
    return next((c for c in CELL_LADDER if span / c <= CELLS_ACROSS), CELL_LADDER[-1])


def _cell_index(column, offset: float, cell: float):
    """floor((column + offset) / cell) in SQL; ``column + offset`` is never negative (latitudes +90,
    longitudes +180), so SQLite's CAST (which truncates) is a floor there; PostgreSQL's CAST rounds, so
    it has floor()."""
    value = (column + offset) / cell
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(value), Integer)
    return cast(value, Integer)


def shop_cells(inside: list, box) -> dict:
    """The shops matching ``inside`` counted per grid cell, grouped and counted in SQL: ``cells`` rows
    follow ``cell_fields``: the mean position of the cell's shops, their count and the count per grade
    (``grades`` order, then "no grade yet")."""
    from app.credit.models import RetailerGrade

    if box is None:  # the whole scope: the grid follows the shops' extent
        extent = db.session.execute(
            select(func.min(Retailer.lat), func.min(Retailer.lng), func.max(Retailer.lat), func.max(Retailer.lng))
            .select_from(Retailer).outerjoin(RetailerGrade, RetailerGrade.retailer_id == Retailer.id)
            .where(*inside)).one()
        box = tuple(extent)
    cell = cell_size(box)
    i = _cell_index(Retailer.lat, 90.0, cell).label("i")
    j = _cell_index(Retailer.lng, 180.0, cell).label("j")
    stmt = (select(i, j, RetailerGrade.grade, func.count(), func.sum(Retailer.lat), func.sum(Retailer.lng))
            .select_from(Retailer).outerjoin(RetailerGrade, RetailerGrade.retailer_id == Retailer.id)
            .where(*inside).group_by(i, j, RetailerGrade.grade))
    grade_index = {g: k for k, g in enumerate(GRADES)}
    cells: dict = {}
    for ci, cj, grade, n, sum_lat, sum_lng in db.session.execute(stmt):
        entry = cells.setdefault((ci, cj), [0, 0.0, 0.0, [0] * (len(GRADES) + 1)])
        entry[0] += n
        entry[1] += sum_lat
        entry[2] += sum_lng
        entry[3][grade_index.get(grade, len(GRADES))] += n
    rows = [[round(lat / n, 5), round(lng / n, 5), n, mix] for _key, (n, lat, lng, mix) in sorted(cells.items())]
    return {"cell_deg": cell, "cell_fields": ["lat", "lng", "count", "grades"], "cells": rows}


def violation_cells(area_clause) -> dict:
    """Confirmed violations (negative monopoly records, 专卖) that occurred in the current quarter, at
    their shops' positions, counted per CELL_DEG grid cell: [[cell centre lat, lng, count], ...]."""
    from app.credit.models import CreditRecord

    quarter, start, end = quarter_bounds(local_today())
    rows = db.session.execute(select(Retailer.lat, Retailer.lng)
                              .join(CreditRecord, CreditRecord.retailer_id == Retailer.id)
                              .where(area_clause, CreditRecord.status == "confirmed", CreditRecord.nominal_points < 0,
                                     CreditRecord.dimension == "monopoly", CreditRecord.occurred_on >= start,
                                     CreditRecord.occurred_on <= end))
    counts = Counter((int(lat // CELL_DEG), int(lng // CELL_DEG)) for lat, lng in rows)
    cells = [[round((i + 0.5) * CELL_DEG, 4), round((j + 0.5) * CELL_DEG, 4), n]
             for (i, j), n in sorted(counts.items())]
    return {"quarter": quarter, "from": start.isoformat(), "to": end.isoformat(), "cell_deg": CELL_DEG,
            "cells": cells, "total": sum(counts.values())}


def encode(payload: dict) -> tuple[bytes, str]:
    """The JSON body (no spaces) and its strong ETag (SHA-256 of the body)."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def shop_detail(user, retailer_id: int) -> dict:
    """One shop for the popup (scoped: another county's shop is a 404)."""
    from flask import url_for

    from app.credit.models import RetailerGrade

    shop = policy.get_or_404(user, ACTION, Retailer, retailer_id)
    grade = db.session.get(RetailerGrade, shop.id)
    return {"id": shop.id, "name": shop.shop_name, "licence_no": shop.licence_no,
            "grade": grade.grade if grade else None, "address": shop.address,
            "url": url_for("pwa.retailer_detail", retailer_id=shop.id)}


def boundaries(user) -> list[dict]:
    """The outlines of the counties in the user's scope, from the city's rough hand-simplified outlines
    (app/demo/geo.py; a unit whose code has none is left out): [{code, name, ring: [[lat, lng], ...]}]."""
    from app.demo import geo

    stmt = select(OrgUnit).where(OrgUnit.level == "county").order_by(OrgUnit.code)
    if not user.is_city_level:
        stmt = stmt.where(OrgUnit.id == user.unit_id)
    out = []
    for unit in db.session.scalars(stmt):
        if unit.code in geo.COUNTY_CODES:
            ring = geo.county_by_code(unit.code)["polygon"]
            out.append({"code": unit.code, "name": unit.name, "ring": [[lat, lng] for lng, lat in ring]})
    return out
