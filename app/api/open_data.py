"""Open data for the public (开放数据): anonymous, rate-limited, cached JSON under /api/open/.

Every answer carries an ETag and ``Cache-Control: public``; a GET with a matching ``If-None-Match`` is
answered 304 with no body. The grades come from the quarter's frozen data set, so their ETag is known
before any row is read (the data set and the query); the other lists are hashed. Lists are paged
(``page``, ``page_size`` up to 100; ``X-Pagination``). Personal names are masked everywhere; no ID number
is ever stored in clear, let alone published. The data are under the open licence at /public/open-data/licence."""
import hashlib
import os
import threading
from collections import OrderedDict

from flask import Response, current_app, g, request, send_file
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api.common import paginate
from app.auth.policy import requires
from app.commitments import services as commitments
from app.common.fields import UtcDateTime
from app.common.validation import N_
from app.extensions import limiter
from app.opendata import services as opendata
from app.retailers.schemas import mask_name
from app.scheduling import disclosure
from app.scheduling.models import RandomDraw, Visit
from app.scheduling.queries import mask_name as mask_shop
from app.retailers.models import Retailer
from app.org.models import OrgUnit

OPEN_PAGE = {"page_size": 100, "max_page_size": 100}
GRADES = ("AAA", "AA", "A", "B", "C", "D")

blp = Blueprint("open_data", __name__, url_prefix="/api/open",
                description="Open data for the public (开放数据): published quarterly grades by shop, signed "
                            "commitments, random-check results and draws, and a bulk CSV per published quarter. "
                            "No sign-in; rate-limited per address (429 beyond OPEN_DATA_RATE_LIMIT); cached "
                            "(ETag, Cache-Control: public; If-None-Match answers 304). Personal names masked. "
                            "Free to reuse under the open licence at /public/open-data/licence.")


def _rate_limit():
    return current_app.config["OPEN_DATA_RATE_LIMIT"]


limiter.shared_limit(_rate_limit, scope="open-data")(blp)


# ---------------------------------------------------------------- caching

def _max_age() -> int:
    return int(current_app.config["OPEN_DATA_MAX_AGE"])


def _early_etag(*parts) -> str:
    """An ETag known before the answer is built: the data it comes from and the query string."""
    key = "|".join(str(p) for p in parts) + "|" + "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True)))
    return "o" + hashlib.sha256(key.encode()).hexdigest()[:32]


def _not_modified(etag: str):
    """304 if the client holds this ETag already; None otherwise (the ETag is kept for the answer)."""
    g.open_etag = etag
    if etag in request.if_none_match:
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = f"public, max-age={_max_age()}"
        return response
    return None


@blp.after_request
def _cache_headers(response):
    """ETag (the early one, or a hash of the body) and Cache-Control on every successful GET; 304 when the
    client's If-None-Match matches."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough:  # a file (the CSV): send_file set its own ETag
        return response
    etag = getattr(g, "open_etag", None) or "b" + hashlib.sha256(response.get_data()).hexdigest()[:32]
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={_max_age()}"
    return response.make_conditional(request)


NOT_MODIFIED = {"description": "Not modified: the ETag sent in If-None-Match is still current (no body)"}
TOO_MANY = {"description": "Too many requests from this address: wait and try again (rate limit)"}


def _doc(view):
    view = blp.alt_response(304, **NOT_MODIFIED)(view)
    return blp.alt_response(429, **TOO_MANY)(view)


# ---------------------------------------------------------------- schemas

class GradesQuerySchema(Schema):
    quarter = fields.Str(validate=validate.Regexp(r"^\d{4}[Qq][1-4]$", error=N_("Not a valid quarter.")),
                         metadata={"description": "e.g. 2026Q3; default: the latest published quarter"})
    county = fields.Str(validate=validate.Regexp(r"^\d{6}$", error=N_("Not a valid county code.")),
                        metadata={"description": "county code, e.g. 320812"})
    grade = fields.Str(validate=validate.OneOf(GRADES, error=N_("Must be one of the allowed values.")))


class CountyQuerySchema(Schema):
    county = fields.Str(validate=validate.Regexp(r"^\d{6}$", error=N_("Not a valid county code.")),
                        metadata={"description": "county code, e.g. 320812"})


class OpenGradeSchema(Schema):
    licence_no = fields.Str(metadata={"description": "Tobacco retail licence number"})
    shop_name = fields.Str(metadata={"description": "Shop name; an operator's name inside it is masked"})
    operator_name = fields.Str(metadata={"description": "The operator's name, masked (王**)"})
    address = fields.Str()
    county_code = fields.Str()
    county = fields.Str()
    grade = fields.Str(metadata={"description": "The published quarterly grade: AAA, AA, A, B, C or D"})
    quarter = fields.Str()
    evaluation_date = fields.Date(metadata={"description": "The quarter's last day, as of which it was graded"})
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)


class DatasetSchema(Schema):
    quarter = fields.Str()
    evaluation_date = fields.Date(attribute="as_of")
    published_on = fields.Date()
    public_from = fields.Date(metadata={"description": "The day the objection window closed"})
    rows = fields.Int()
    csv_url = fields.Function(lambda d: f"/api/open/datasets/{d.quarter}.csv")
    csv_sha256 = fields.Str()
    csv_size = fields.Int()
    created_at = UtcDateTime()


class OpenCommitmentSchema(Schema):
    licence_no = fields.Str()
    shop_name = fields.Str()
    signer_name = fields.Str(metadata={"description": "Masked"})
    signed_on = fields.Date()
    expires_on = fields.Date()
    text_version = fields.Int(metadata={"description": "The version of the commitment text signed"})


class OpenCheckSchema(Schema):
    draw_id = fields.Int()
    county_code = fields.Str()
    county = fields.Str()
    licence_no = fields.Str()
    shop_name = fields.Str()
    done_on = fields.Date()
    outcome = fields.Str(allow_none=True, metadata={"description": "normal, violation, closed, absent, ..."})


class OpenDrawSchema(Schema):
    id = fields.Int()
    county_code = fields.Str()
    period_start = fields.Date()
    period_end = fields.Date()
    status = fields.Str()
    commitment = fields.Str(allow_none=True, metadata={"description": "SHA-256 published before the draw"})
    pool_size = fields.Int(allow_none=True)
    strata = fields.List(fields.Dict())
    published = fields.Bool(metadata={"description": "Whether the seed and the drawn shops are public yet"})
    published_from = fields.Date()
    seed = fields.Str(allow_none=True)
    drawn = fields.Int(allow_none=True)
    details_url = fields.Str()


class ListsQuerySchema(CountyQuerySchema):
    list = fields.Str(validate=validate.OneOf(("red", "black"), error=N_("Must be one of the allowed values.")),
                      metadata={"description": "red (红名单) or black (黑名单); default both"})
    status = fields.Str(validate=validate.OneOf(("notice", "effective"), error=N_("Must be one of the allowed values.")),
                        metadata={"description": "notice (in its public notice period, 公示期) or effective (列入)"})


class OpenListEntrySchema(Schema):
    id = fields.Int(metadata={"description": "The listing's number (stable)"})
    list = fields.Str(metadata={"description": "red or black"})
    list_zh = fields.Str(metadata={"description": "红名单 or 黑名单"})
    status = fields.Str(metadata={"description": "notice (公示中: objections still possible) or effective (已列入)"})
    criterion = fields.Str(metadata={"description": "red_grade, black_veto, black_serious or black_refused"})
    criterion_zh = fields.Str(metadata={"description": "The entry criterion, in Chinese"})
    licence_no = fields.Str()
    shop_name = fields.Str(metadata={"description": "Shop name; an operator's name inside it is masked"})
    operator_name = fields.Str(metadata={"description": "The operator's name, masked (王**)"})
    county_code = fields.Str()
    county = fields.Str()
    notice_from = fields.Date(allow_none=True)
    notice_until = fields.Date(allow_none=True)
    effective_on = fields.Date(allow_none=True, metadata={"description": "Null while in notice"})
    expires_on = fields.Date(allow_none=True)


class IndexSchema(Schema):
    licence_url = fields.Str()
    landing_url = fields.Str()
    current_quarter = fields.Str(allow_none=True)
    resources = fields.Dict(keys=fields.Str(), values=fields.Str())


# ---------------------------------------------------------------- endpoints

@blp.route("", methods=["GET"])
@requires("public")
@blp.response(200, IndexSchema)
@_doc
def index():
    """What is published here, and under which licence."""
    current = opendata.current_dataset()
    return {"licence_url": "/public/open-data/licence", "landing_url": "/public",
            "current_quarter": current.quarter if current else None,
            "resources": {"grades": "/api/open/grades", "datasets": "/api/open/datasets",
                          "commitments": "/api/open/commitments", "random_checks": "/api/open/random-checks",
                          "draws": "/api/open/draws", "lists": "/api/open/lists",
                          "lists_csv": "/api/open/lists.csv"}}


@blp.route("/grades", methods=["GET"])
@requires("public")
@blp.arguments(GradesQuerySchema, location="query")
@blp.response(200, OpenGradeSchema(many=True))
@_doc
@blp.paginate(**OPEN_PAGE)
def grades(args, pagination_parameters):
    """Published quarterly grades by shop, in licence-number order, 100 a page: shop name, masked operator
    name, address, county, grade, evaluation date. The latest published quarter unless ``quarter`` is
    given; an unknown or withdrawn quarter answers an empty list."""
    dataset = opendata.served(args.get("quarter"))
    if dataset is None:
        pagination_parameters.item_count = 0
        return []
    etag = _early_etag("grades", dataset.id, dataset.csv_sha256)  # the content itself: ids may be reused
    early = _not_modified(etag)
    cached = _PAGES.get(etag)
    if cached is not None:  # a data set never changes: the same query gives the same page
        pagination_parameters.item_count = cached[1]
        return early or _json_response(cached[0])
    if early is not None:
        pagination_parameters.item_count = dataset.rows
        return early
    if args.get("county") or args.get("grade"):
        page = paginate(opendata.grades_rows(dataset, args.get("county"), args.get("grade")), pagination_parameters,
                        rows=True)
    else:  # the whole data set: a range of its positions (no OFFSET, no COUNT)
        page = opendata.grades_page(dataset, pagination_parameters.page, pagination_parameters.page_size)
        pagination_parameters.item_count = dataset.rows
    q, day = dataset.quarter, dataset.as_of.isoformat()
    body = current_app.json.dumps([
        {"licence_no": r.licence_no, "shop_name": r.shop_name, "operator_name": r.operator_name,
         "address": r.address, "county_code": r.county_code, "county": r.county, "grade": r.grade, "quarter": q,
         "evaluation_date": day, "lat": r.lat, "lng": r.lng} for r in page]).encode()
    _PAGES.put(etag, (body, pagination_parameters.item_count))
    return _json_response(body)


def _json_response(body: bytes) -> Response:
    return Response(body, status=200, mimetype="application/json")


class _PageCache:
    """The serialised pages of frozen data sets, per process, least recently used out (OPEN_DATA_PAGE_CACHE
    entries). Keyed by the early ETag, which names the data set and the query: a new data set, new keys."""

    def __init__(self):
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key, value):
        size = int(current_app.config["OPEN_DATA_PAGE_CACHE"])
        with self._lock:
            self._items[key] = value
            while len(self._items) > size:
                self._items.popitem(last=False)


_PAGES = _PageCache()


@blp.route("/datasets", methods=["GET"])
@requires("public")
@blp.response(200, DatasetSchema(many=True))
@_doc
@blp.paginate(**OPEN_PAGE)
def datasets(pagination_parameters):
    """Every published quarter's data set with its bulk CSV (newest first). A data set whose run was
    superseded by a correction is withdrawn and no longer listed."""
    return paginate(opendata.datasets_query(), pagination_parameters)


@blp.route("/datasets/<string:quarter>.csv", methods=["GET"])
@requires("public")
@blp.response(200, {"format": "binary", "type": "string"}, content_type="text/csv")
@_doc
def dataset_csv(quarter):
    """The bulk CSV of a published quarter (UTF-8 with BOM; columns quarter, evaluation_date, licence_no,
    shop_name, operator_name, address, county_code, county, grade, lat, lng), made by the job runner when
    the quarter became public. Its ETag is the file's SHA-256."""
    dataset = opendata.dataset_for(quarter[:6])
    if dataset is None or len(quarter) != 6:
        abort(404)
    path = opendata.csv_file(dataset)
    if not os.path.exists(path):
        abort(404)
    response = send_file(path, mimetype="text/csv", as_attachment=True,
                         download_name=f"tobacco-retail-grades-{dataset.quarter}.csv", etag=dataset.csv_sha256,
                         conditional=True, max_age=_max_age())
    response.headers["Cache-Control"] = f"public, max-age={_max_age()}"
    return response


@blp.route("/commitments", methods=["GET"])
@requires("public")
@blp.response(200, OpenCommitmentSchema(many=True))
@_doc
@blp.paginate(**OPEN_PAGE)
def open_commitments(pagination_parameters):
    """Signed credit commitments in force (the public part: shop, masked signer, dates, text version;
    never the signature), newest first."""
    rows = paginate(commitments.public_query(None), pagination_parameters, rows=True)
    return [{"licence_no": r.licence_no, "shop_name": mask_shop(r.shop_name, r.operator_name),
             "signer_name": mask_name(c.signer_name), "signed_on": c.signed_on, "expires_on": c.expires_on,
             "text_version": c.text_version} for c, r in rows]


@blp.route("/random-checks", methods=["GET"])
@requires("public")
@blp.arguments(CountyQuerySchema, location="query")
@blp.response(200, OpenCheckSchema(many=True))
@_doc
@blp.paginate(**OPEN_PAGE)
def random_checks(args, pagination_parameters):
    """Results of completed random checks (双随机、一公开), newest first, from draws whose period is over
    (before that a result would tell who was drawn)."""
    from app.common.time import local_today

    stmt = (select(Visit, Retailer, OrgUnit).join(Retailer, Retailer.id == Visit.retailer_id)
            .join(RandomDraw, RandomDraw.id == Visit.draw_id).join(OrgUnit, OrgUnit.id == Visit.unit_id)
            .where(Visit.kind == "random", Visit.status == "done", RandomDraw.status == "revealed",
                   RandomDraw.period_end < local_today())
            .order_by(Visit.done_on.desc(), Visit.id.desc()))
    if args.get("county"):
        stmt = stmt.where(OrgUnit.code == args["county"])
    rows = paginate(stmt, pagination_parameters, rows=True)
    return [{"draw_id": v.draw_id, "county_code": u.code, "county": u.name, "licence_no": r.licence_no,
             "shop_name": mask_shop(r.shop_name, r.operator_name), "done_on": v.done_on, "outcome": v.outcome}
            for v, r, u in rows]


@blp.route("/draws", methods=["GET"])
@requires("public")
@blp.arguments(CountyQuerySchema, location="query")
@blp.response(200, OpenDrawSchema(many=True))
@_doc
@blp.paginate(page_size=20, max_page_size=100)
def draws(args, pagination_parameters):
    """Random draws, newest first: the commitment (published before the draw), pool size and strata;
    once the period is over, the seed and how many were drawn. Each draw in full (pool, drawn shops with
    results, verification) at ``details_url``."""
    stmt = select(RandomDraw, OrgUnit.code).join(OrgUnit, OrgUnit.id == RandomDraw.unit_id).order_by(
        RandomDraw.period_start.desc(), RandomDraw.id.desc())
    if args.get("county"):
        stmt = stmt.where(OrgUnit.code == args["county"])
    out = []
    for d, code in paginate(stmt, pagination_parameters, rows=True):
        published = disclosure.is_published(d)
        out.append({"id": d.id, "county_code": code, "period_start": d.period_start, "period_end": d.period_end,
                    "status": d.status, "commitment": d.commitment, "pool_size": d.pool_size,
                    "strata": disclosure.strata(d) if d.pool else [], "published": published,
                    "published_from": disclosure.published_from(d),
                    "seed": d.seed if published else None,
                    "drawn": len(d.selected or []) if published else None,
                    "details_url": f"/api/public/draws/{d.id}"})
    return out



@blp.route("/lists", methods=["GET"])
@requires("public")
@blp.arguments(ListsQuerySchema, location="query")
@blp.response(200, OpenListEntrySchema(many=True))
@_doc
@blp.paginate(**OPEN_PAGE)
def open_lists(args, pagination_parameters):
    """The red and black lists (红名单 / 黑名单) as published: listings in their public notice period and in
    effect, oldest first, 100 a page; operators' names masked. A listing withdrawn (repair, expiry, an
    objection upheld) is gone from the next answer. Filter by ``list``, ``status``, ``county``."""
    rows = paginate(opendata.lists_query(args.get("list"), args.get("status"), args.get("county")),
                    pagination_parameters, rows=True)
    return [opendata.list_row(r) for r in rows]


@blp.route("/lists.csv", methods=["GET"])
@requires("public")
@blp.arguments(ListsQuerySchema, location="query")
@blp.response(200, {"format": "binary", "type": "string"}, content_type="text/csv")
@_doc
def open_lists_csv(args):
    """The same listings as one CSV (UTF-8 with BOM; columns list, list_zh, status, criterion, criterion_zh,
    licence_no, shop_name, operator_name, county_code, county, notice_from, notice_until, effective_on,
    expires_on), as of the moment it is asked for; its ETag is a hash of its content."""
    body = opendata.lists_csv(args.get("list"), args.get("status"), args.get("county"))
    return Response(body, status=200, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=tobacco-retail-red-black-lists.csv"})
