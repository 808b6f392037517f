"""The public landing page (/public: search by shop name, pinyin initials, licence number or address; a map
of the shops coloured by grade; links to every open data resource), the open data licence, and the
retailer's page of consents to banks with the log of who queried its credit (信易贷)."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields

from app.auth import policy
from app.auth.policy import requires
from app.banks import services as banks
from app.banks.models import BankConsent
from app.common.boundary import form_page
from app.common.fields import Id
from app.common.forms import FormSchema, load_form
from app.common.paging import paginate
from app.extensions import db, limiter
from app.opendata import services as opendata
from app.pwa import bp
from app.pwa.scheduling_views import map_config
from app.retailers.models import Retailer
from app.retailers.schemas import mask_name
from app.scheduling.queries import mask_name as mask_shop

MAP_POINTS_MAX = 500
GRADE_LABELS = ("AAA", "AA", "A", "B", "C", "D")


def _rate_limit():
    return current_app.config["OPEN_DATA_RATE_LIMIT"]


@bp.route("/public")
@limiter.shared_limit(_rate_limit, scope="open-data")
@requires("public")
def public_home():
    """社会公众: search the shops and their published grades; the map; the open data."""
    q = (request.args.get("q") or "").strip()[:64]
    counties = opendata.counties()
    county = request.args.get("county") or ""
    if county not in {c.code for c in counties}:
        county = ""
    stmt = opendata.search_query(q, county or None)
    p = paginate(stmt, per_page=20, rows=True)
    rows = [{"shop": mask_shop(r.shop_name, r.operator_name), "operator": mask_name(r.operator_name),
             "licence_no": r.licence_no, "address": r.address, "county": county_name, "grade": grade}
            for r, grade, county_name in p.items]
    points = [{"lat": r.lat, "lng": r.lng, "grade": r.grade or "", "name": mask_shop(r.shop_name, r.operator_name),
               "licence": r.licence_no}
              for r in db.session.execute(opendata.search_points(q, county or None, MAP_POINTS_MAX))]
    dataset = opendata.served(None)
    datasets = list(db.session.scalars(opendata.datasets_query().limit(8)))
    return render_template("public/home.html", q=q, county=county, counties=counties, rows=rows, p=p,
                           total=p.total, dataset=dataset, datasets=datasets,
                           map_data={"tiles": map_config(), "points": points, "max": MAP_POINTS_MAX},
                           grades=GRADE_LABELS)


@bp.route("/public/open-data/licence")
@requires("public")
def open_data_licence():
    """The open licence of the published data (Chinese first)."""
    return render_template("public/licence.html")


# ---------------------------------------------------------------- retailer: consents to banks


class ConsentForm(FormSchema):
    bank_id = Id(load_default=None)
    scope = fields.Str(load_default=None)
    months = fields.Int(load_default=None)


@bp.route("/me/banks/<int:retailer_id>")
@requires("me.credit")
def my_banks(retailer_id):
    """A licence's consents to banks (give, revoke) and every query a bank made (谁查询了我的信用)."""
    from app.common.time import local_today

    retailer = policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)
    consents = list(db.session.scalars(banks.consents_query(retailer.id).limit(50)))
    p = paginate(banks.queries_query(retailer.id), per_page=20)
    return render_template("me_banks.html", retailer=retailer, consents=consents, queries=p.items, p=p,
                           banks=banks.enabled_banks(), durations=banks.DURATIONS, today=local_today())


@bp.route("/me/banks/<int:retailer_id>/grant", methods=["POST"])
@requires("me.credit")
@form_page(on_refusal="pwa.my_banks")
def my_bank_grant(retailer_id):
    retailer = policy.get_or_404(current_user, "me.credit", Retailer, retailer_id)
    data = load_form(ConsentForm())
    consent = banks.grant(retailer, data["bank_id"], data["scope"], data["months"], current_user)
    flash(_("Consent given to %(bank)s until %(d)s.", bank=consent.bank.name, d=consent.expires_on.isoformat()), "ok")
    return redirect(url_for("pwa.my_banks", retailer_id=retailer.id))


def _consent_page(consent_id):
    consent = db.session.get(BankConsent, consent_id)
    return {"retailer_id": consent.retailer_id}


@bp.route("/me/banks/consents/<int:consent_id>/revoke", methods=["POST"])
@requires("me.credit")
@form_page(on_refusal="pwa.my_banks", args=_consent_page)
def my_bank_revoke(consent_id):
    consent = policy.get_or_404(current_user, "me.credit", BankConsent, consent_id)
    banks.revoke(consent, current_user)
    flash(_("Consent to %(bank)s revoked. The bank can no longer query your credit.", bank=consent.bank.name), "ok")
    return redirect(url_for("pwa.my_banks", retailer_id=consent.retailer_id))


# ---------------------------------------------------------------- admin: register a partner as a bank


class BankForm(FormSchema):
    name = fields.Str(load_default="")


@bp.route("/admin/users/<int:user_id>/bank", methods=["POST"])
@requires("banks.manage")
@form_page(on_refusal="pwa.admin_user")
def admin_bank_register(user_id):
    from app.auth.models import User

    user = policy.get_or_404(current_user, "users.manage", User, user_id)
    bank = banks.register_bank(user, load_form(BankForm())["name"], current_user)
    flash(_("%(name)s is registered as a bank.", name=bank.name), "ok")
    return redirect(url_for("pwa.admin_user", user_id=user.id))
