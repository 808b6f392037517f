"""The access matrix: every endpoint of the URL map × every principal → the expected status.

A new endpoint that is not listed in ENDPOINTS fails ``test_every_endpoint_is_in_the_matrix``.
Principals include "other county" staff and "other retailer", and a partner by token and by session.
A principal runs on a fresh database whenever the one before it was allowed to change state, so a
permitted change cannot mask the next case."""
import secrets
from datetime import date

import pytest
from flask import current_app

from app.auth.models import ApiToken, User, UserSession
from app.auth.services import _sha256
from app.extensions import db, limiter
from tests.conftest import COUNTY, OTHER_COUNTY, _valid_id, wipe_database

STAFF_IN = {"admin", "sup_city", "sup_county", "inspector", "marketer"}
STAFF_OTHER = {"sup_other", "inspector_other"}
STAFF = STAFF_IN | STAFF_OTHER
SESSION = STAFF | {"retailer", "retailer_other", "partner_session"}
PRINCIPALS = sorted(SESSION | {"anon", "partner_token"})

ALL = set(PRINCIPALS)
# retailer side (issue 6)
SUPS = {"sup_city", "sup_county", "sup_other"}
SUP_IN = {"sup_city": 200, "sup_county": 200, "sup_other": 404}
NOTICE_READERS = STAFF | {"retailer", "retailer_other"}
OWN = {"retailer": 200, "retailer_other": 404}
OWN_422 = {"retailer": 422, "retailer_other": 404}


def retailer_body(w):
    return {"licence_no": f"{COUNTY}999001", "shop_name": "新开便利店", "operator_name": "李四",
            "operator_id_number": _valid_id(4242), "address": "淮安市清江浦区健康路1号", "unit": COUNTY,
            "market_type": "city", "business_format": "convenience", "licence_issued_on": "2025-01-01",
            "licence_expires_on": "2030-01-01", "tier": 8, "phone": "13900000000"}


# endpoint -> list of cases: (method, url(w), kwargs(w), {principal: status}, default status for the rest)
def E(method, url, expect, default=403, body=None, headers=None, form=None):
    return {"method": method, "url": url, "expect": expect, "default": default, "body": body,
            "headers": headers, "form": form}


def pages_need_login(expect):
    return {"anon": 302, "partner_token": 403, **expect}


def api_need_login(expect):
    return {"anon": 401, "partner_token": 403, **expect}


def every(status, *, except_=None):
    return {p: status for p in PRINCIPALS if p not in (except_ or {})} | (except_ or {})


ENDPOINTS = {
    # public
    "api-docs.openapi_json": [E("GET", lambda w: "/api/openapi.json", every(200))],
    "api-docs.openapi_swagger_ui": [E("GET", lambda w: "/api/docs", every(200))],
    "health.health": [E("GET", lambda w: "/api/health", every(200))],
    "auth.csrf_token": [E("GET", lambda w: "/api/csrf", every(200))],
    "pwa.manifest": [E("GET", lambda w: "/manifest.webmanifest", every(200))],
    "pwa.service_worker": [E("GET", lambda w: "/sw.js", every(200))],
    "pwa.offline": [E("GET", lambda w: "/offline", every(200))],
    "pwa.favicon": [E("GET", lambda w: "/favicon.ico", every(200))],
    "static": [E("GET", lambda w: "/static/css/app.css", every(200))],
    "pwa.login": [E("GET", lambda w: "/login", every(302, except_={"anon": 200})),
                  E("POST", lambda w: "/login", every(401), form={"username": "x", "password": "y"})],
    "pwa.set_language": [E("POST", lambda w: "/language", every(302), form={"lang": "en"})],
    # any signed-in session
    "pwa.logout": [E("POST", lambda w: "/logout", pages_need_login({p: 302 for p in SESSION}))],
    "pwa.change_password": [
        E("GET", lambda w: "/password", pages_need_login({p: 200 for p in SESSION})),
        E("POST", lambda w: "/password", pages_need_login({p: 422 for p in SESSION}), form={"current_password": "x"}),
    ],
    "auth.me": [E("GET", lambda w: "/api/me", api_need_login({p: 200 for p in SESSION}))],
    "pwa.home": [E("GET", lambda w: "/", pages_need_login({p: 200 for p in SESSION}))],
    # staff pages, scoped by county
    "pwa.retailer_search": [E("GET", lambda w: "/retailers?q=hxbl", pages_need_login({p: 200 for p in STAFF}))],
    "pwa.retailer_detail": [E("GET", lambda w: f"/retailers/{w['retailer']}",
                              pages_need_login({**{p: 200 for p in STAFF_IN}, **{p: 404 for p in STAFF_OTHER}}))],
    # admin pages
    "pwa.admin_users": [E("GET", lambda w: "/admin/users", pages_need_login({"admin": 200}))],
    "pwa.admin_user_new": [
        E("GET", lambda w: "/admin/users/new", pages_need_login({"admin": 200})),
        E("POST", lambda w: "/admin/users/new", pages_need_login({"admin": 422}), form={"username": ""}),
    ],
    "pwa.admin_user": [
        E("GET", lambda w: f"/admin/users/{w['target']}", pages_need_login({"admin": 200})),
        E("POST", lambda w: f"/admin/users/{w['target']}", pages_need_login({"admin": 302}),
          form={"display_name": "改名", "role": "inspector", "unit": COUNTY, "retailers": ""}),
    ],
    "pwa.admin_user_state": [E("POST", lambda w: f"/admin/users/{w['target']}/state",
                               pages_need_login({"admin": 302}), form={"action": "reset"})],
    "pwa.admin_token_new": [E("POST", lambda w: f"/admin/users/{w['partner']}/tokens",
                              pages_need_login({"admin": 302}), form={"name": "t"})],
    "pwa.admin_token_revoke": [E("POST", lambda w: f"/admin/tokens/{w['token']}/revoke",
                                 pages_need_login({"admin": 302}))],
    # retailers API
    "retailers.list_retailers": [E("GET", lambda w: "/api/retailers", api_need_login({p: 200 for p in STAFF}))],
    "retailers.search_retailers": [E("GET", lambda w: "/api/retailers/search?q=hxbl",
                                     api_need_login({p: 200 for p in STAFF}))],
    "retailers.get_retailer": [E("GET", lambda w: f"/api/retailers/{w['retailer']}",
                                 api_need_login({**{p: 200 for p in STAFF_IN}, **{p: 404 for p in STAFF_OTHER}}))],
    "retailers.create_retailer": [E("POST", lambda w: "/api/retailers",
                                    api_need_login({"admin": 201, "sup_city": 201, "sup_county": 201,
                                                    "sup_other": 422}), body=retailer_body)],
    "retailers.update_retailer": [E("PATCH", lambda w: f"/api/retailers/{w['retailer']}",
                                    api_need_login({"admin": 200, "sup_city": 200, "sup_county": 200,
                                                    "sup_other": 404}),
                                    body=lambda w: {"tier": 12}, headers={"If-Match": '"v1"'})],
    "retailers.my_retailers": [E("GET", lambda w: "/api/me/retailers",
                                 api_need_login({"retailer": 200, "retailer_other": 200}))],
    "retailers.my_retailer": [E("GET", lambda w: f"/api/me/retailers/{w['retailer']}",
                                api_need_login({"retailer": 200, "retailer_other": 404}))],
    # partner API: token only
    "partner.partner_retailer": [E("GET", lambda w: f"/api/partner/retailers/{w['licence_no']}",
                                   {"anon": 401, "partner_token": 200})],
    # accounts API: admin only
    "users.list_users": [E("GET", lambda w: "/api/users", api_need_login({"admin": 200}))],
    "users.create_user": [E("POST", lambda w: "/api/users", api_need_login({"admin": 201}),
                            body=lambda w: {"username": "new_user", "display_name": "新用户", "role": "inspector",
                                            "unit": COUNTY, "password": "Abcdef-123"})],
    "users.get_user": [E("GET", lambda w: f"/api/users/{w['target']}", api_need_login({"admin": 200}))],
    "users.update_user": [E("PATCH", lambda w: f"/api/users/{w['target']}", api_need_login({"admin": 200}),
                            body=lambda w: {"display_name": "新名字"})],
    "users.disable_user": [E("POST", lambda w: f"/api/users/{w['target']}/disable", api_need_login({"admin": 200}))],
    "users.enable_user": [E("POST", lambda w: f"/api/users/{w['target']}/enable", api_need_login({"admin": 200}))],
    "users.reset_password": [E("POST", lambda w: f"/api/users/{w['target']}/reset-password",
                               api_need_login({"admin": 200}))],
    "users.list_tokens": [E("GET", lambda w: f"/api/users/{w['partner']}/tokens", api_need_login({"admin": 200}))],
    "users.create_token": [E("POST", lambda w: f"/api/users/{w['partner']}/tokens", api_need_login({"admin": 201}),
                             body=lambda w: {"name": "交换"})],
    "users.revoke_token": [E("POST", lambda w: f"/api/tokens/{w['token']}/revoke", api_need_login({"admin": 200}))],
    # audit
    "audit.list_entries": [E("GET", lambda w: "/api/audit", api_need_login({"admin": 200}))],
    "audit.verify_chain": [E("GET", lambda w: "/api/audit/verify", api_need_login({"admin": 200}))],
    # retailer side (issue 6): own credit (other licence 404), notices, repair/objection inbox (county)
    "me_credit.my_credit": [E("GET", lambda w: f"/api/me/retailers/{w['retailer']}/credit",
                              api_need_login({"retailer": 200, "retailer_other": 404}))],
    "me_credit.my_notices": [E("GET", lambda w: "/api/me/notices",
                               api_need_login({p: 200 for p in NOTICE_READERS}))],
    "me_credit.repair_inbox": [E("GET", lambda w: "/api/repairs", api_need_login({p: 200 for p in SUPS}))],
    "me_credit.objection_inbox": [E("GET", lambda w: "/api/objections", api_need_login({p: 200 for p in SUPS}))],
    "pwa.my_credit_first": [E("GET", lambda w: "/me/credit", pages_need_login({"retailer": 302, "retailer_other": 302}))],
    "pwa.my_credit": [E("GET", lambda w: f"/me/credit/{w['retailer']}", pages_need_login(OWN))],
    "pwa.my_report": [E("GET", lambda w: f"/me/report/{w['retailer']}.pdf", pages_need_login(OWN))],
    "pwa.my_commitment": [
        E("GET", lambda w: f"/me/commitment/{w['retailer']}", pages_need_login(OWN)),
        E("POST", lambda w: f"/me/commitment/{w['retailer']}", pages_need_login(OWN_422), form={"agreed": ""}),
    ],
    "pwa.my_training": [
        E("GET", lambda w: "/me/training", pages_need_login({"retailer": 200, "retailer_other": 200})),
        E("POST", lambda w: "/me/training", pages_need_login({"retailer": 422, "retailer_other": 422}),
          form={"q1": "2"}),
    ],
    "pwa.my_repair": [
        E("GET", lambda w: f"/me/repair/{w['retailer']}/{w['record']}", pages_need_login(OWN)),
        E("POST", lambda w: f"/me/repair/{w['retailer']}/{w['record']}", pages_need_login(OWN_422),
          form={"statement": ""}),
    ],
    "pwa.my_objection": [
        E("GET", lambda w: f"/me/objection/{w['retailer']}", pages_need_login(OWN)),
        E("POST", lambda w: f"/me/objection/{w['retailer']}", pages_need_login(OWN_422), form={"reasons": ""}),
    ],
    "pwa.my_requests": [E("GET", lambda w: f"/me/requests/{w['retailer']}", pages_need_login(OWN))],
    "pwa.my_repair_supplement": [E("POST", lambda w: f"/me/requests/{w['retailer']}/{w['repair']}/supplement",
                                   pages_need_login({"retailer": 302, "retailer_other": 404}),
                                   form={"statement": ""})],
    "pwa.notice_centre": [E("GET", lambda w: "/notices", pages_need_login({p: 200 for p in NOTICE_READERS}))],
    "pwa.notice_read": [E("POST", lambda w: f"/notices/{w['notice']}/read",
                          pages_need_login({**{p: 404 for p in NOTICE_READERS}, "retailer": 302}))],
    "pwa.notice_read_all": [E("POST", lambda w: "/notices/read-all",
                              pages_need_login({p: 302 for p in NOTICE_READERS}))],
    "pwa.evidence_file": [E("GET", lambda w: f"/evidence/{w['evidence']}",
                            pages_need_login({"retailer": 200, "retailer_other": 404, "sup_city": 200,
                                              "sup_county": 200, "sup_other": 404}))],
    "pwa.supervise_inbox": [E("GET", lambda w: "/supervise/inbox", pages_need_login({p: 200 for p in SUPS}))],
    "pwa.supervise_repair": [
        E("GET", lambda w: f"/supervise/repairs/{w['repair']}", pages_need_login(SUP_IN)),
        E("POST", lambda w: f"/supervise/repairs/{w['repair']}",
          pages_need_login({"sup_city": 302, "sup_county": 302, "sup_other": 404}), form={"action": "accept"}),
    ],
    "pwa.supervise_objection": [
        E("GET", lambda w: f"/supervise/objections/{w['objection']}", pages_need_login(SUP_IN)),
        E("POST", lambda w: f"/supervise/objections/{w['objection']}",
          pages_need_login({"sup_city": 422, "sup_county": 422, "sup_other": 404}),
          form={"decision": "reject", "answer": ""}),
    ],
    "pwa.supervise_commitments": [E("GET", lambda w: "/supervise/commitments",
                                    pages_need_login({p: 200 for p in SUPS}))],
    "pwa.supervise_commitment_breach": [E("POST", lambda w: f"/supervise/commitments/{w['commitment']}/breach",
                                          pages_need_login({"sup_city": 302, "sup_county": 302, "sup_other": 404}),
                                          form={"note": ""})],
    "pwa.admin_commitment_text": [
        E("GET", lambda w: "/admin/commitment-text", pages_need_login({"admin": 200})),
        E("POST", lambda w: "/admin/commitment-text", pages_need_login({"admin": 422}), form={"title": ""}),
    ],
    "pwa.public_commitments": [E("GET", lambda w: "/public/commitments", every(200))],
    "pwa.verify_report": [E("GET", lambda w: f"/verify/{w['serial']}", every(200))],
}


# ---- quarterly evaluation (issue 3): runs of the last ended quarter, made on first use by the URL
EVAL_READERS = {"admin", "sup_city", "sup_county", "sup_other"}


def _last_quarter():
    from datetime import timedelta

    from app.common.time import local_today
    from app.evaluation.batch import quarter_bounds, quarter_of

    start, _end = quarter_bounds(quarter_of(local_today()))
    return quarter_of(start - timedelta(days=1))


def _eval_run(w, state="draft"):
    """The id of an evaluation run over the world's licences, in the state asked for."""
    key = f"eval_run_{state}"
    if key not in w:
        from app.evaluation import services

        admin = w["users"]["admin"]
        run = services.run(_last_quarter(), admin)
        if state in ("reviewed", "published"):
            services.review(run, admin)
        if state == "published":
            services.publish(run, admin)
        db.session.commit()
        w[key] = run.id
    return w[key]


def _eval_scoped(county_status):
    return {"admin": 200, "sup_city": 200, "sup_county": county_status, "sup_other": 404}


def _eval_managed(status):
    return {"admin": status, "sup_city": status, "sup_county": 404, "sup_other": 404}


ENDPOINTS.update({
    "evaluations.list_runs": [E("GET", lambda w: "/api/evaluations", api_need_login({p: 200 for p in EVAL_READERS}))],
    "evaluations.start_run": [E("POST", lambda w: "/api/evaluations", api_need_login({"admin": 201, "sup_city": 201}),
                                body=lambda w: {"quarter": _last_quarter()})],
    "evaluations.get_run": [E("GET", lambda w: f"/api/evaluations/{_eval_run(w)}",
                              api_need_login({p: 200 for p in EVAL_READERS}))],
    "evaluations.list_rows": [E("GET", lambda w: f"/api/evaluations/{_eval_run(w)}/rows",
                                api_need_login({p: 200 for p in EVAL_READERS}))],
    "evaluations.explain_row": [E("GET", lambda w: f"/api/evaluations/{_eval_run(w)}/rows/{w['retailer']}",
                                  api_need_login(_eval_scoped(200)))],
    "evaluations.review_run": [E("POST", lambda w: f"/api/evaluations/{_eval_run(w)}/review",
                                 api_need_login(_eval_managed(200)))],
    "evaluations.publish_run": [E("POST", lambda w: f"/api/evaluations/{_eval_run(w, 'reviewed')}/publish",
                                  api_need_login(_eval_managed(200)))],
    "evaluations.supersede_run": [E("POST", lambda w: f"/api/evaluations/{_eval_run(w, 'published')}/supersede",
                                    api_need_login(_eval_managed(201)), body=lambda w: {"reason": "案件决定已撤销"})],
    "public_grades.lookup": [E("GET", lambda w: f"/api/public/grades?q={w['licence_no']}", every(200))],
    "pwa.evaluations": [
        E("GET", lambda w: "/evaluations", pages_need_login({p: 200 for p in EVAL_READERS})),
        E("POST", lambda w: "/evaluations", pages_need_login({"admin": 302, "sup_city": 302}),
          form={"quarter": "2026Q1"}),
    ],
    "pwa.evaluation_run": [E("GET", lambda w: f"/evaluations/{_eval_run(w)}",
                             pages_need_login({p: 200 for p in EVAL_READERS}))],
    "pwa.evaluation_step": [E("POST", lambda w: f"/evaluations/{_eval_run(w)}/review",
                              pages_need_login(_eval_managed(302)), form={"confirm": "yes"})],
    "pwa.evaluation_retailer": [E("GET", lambda w: f"/evaluations/{_eval_run(w)}/retailers/{w['retailer']}",
                                  pages_need_login(_eval_scoped(200)))],
    "pwa.public_grades": [E("GET", lambda w: f"/grades?q={w['licence_no']}", every(200))],
})


# inspection scheduling (issue 5): plans and visits of the owner's county (tests/scheduling/matrix.py)
from tests.scheduling.matrix import policy_form, sched  # noqa: E402

SUPS = {"sup_city", "sup_county"}
PLAN_READ = {"admin": 200, "sup_city": 200, "sup_county": 200, "sup_other": 404}


def _sup(status, other=404):
    return {**{p: status for p in SUPS}, "sup_other": other}


ENDPOINTS.update({
    "scheduling.list_plans": [E("GET", lambda w: "/api/plans", api_need_login({**PLAN_READ, "sup_other": 200}))],
    "scheduling.create_plan": [E("POST", lambda w: "/api/plans", api_need_login(_sup(201, 422)),
                                 body=lambda w: {"unit": COUNTY, "period": "week", "start": sched(w, "week")})],
    "scheduling.get_plan": [E("GET", lambda w: f"/api/plans/{sched(w, 'plan')}", api_need_login(PLAN_READ))],
    "scheduling.approve_plan": [E("POST", lambda w: f"/api/plans/{sched(w, 'plan')}/approve",
                                  api_need_login(_sup(200)))],
    "scheduling.redraw_plan": [E("POST", lambda w: f"/api/plans/{sched(w, 'plan')}/redraw", api_need_login(_sup(200)),
                                 body=lambda w: {"reason": "名单有误重新抽取"})],
    "scheduling.move_visit": [E("PATCH", lambda w: f"/api/visits/{sched(w, 'visit')}", api_need_login(_sup(200)),
                                body=lambda w: {})],
    "scheduling.swap_visit": [E("POST", lambda w: f"/api/visits/{sched(w, 'visit')}/swap", api_need_login(_sup(200)),
                                body=lambda w: {"other": sched(w, "visit")})],
    "scheduling.my_visits": [E("GET", lambda w: "/api/me/visits",
                               api_need_login({"inspector": 200, "inspector_other": 200}))],
    "scheduling.complete_visit": [E("POST", lambda w: f"/api/visits/{sched(w, 'approved_visit')}/complete",
                                    api_need_login({"inspector": 200, "inspector_other": 404}),
                                    body=lambda w: {"outcome": "no_violation"})],
    "scheduling.public_draw": [E("GET", lambda w: f"/api/public/draws/{sched(w, 'draw')}", every(200))],
    "pwa.plans": [
        E("GET", lambda w: "/plans", pages_need_login({**PLAN_READ, "sup_other": 200})),
        E("POST", lambda w: "/plans", pages_need_login(_sup(302, 302)),
          form={"unit": COUNTY, "period": "week", "start": "2026-12-14"}),
    ],
    "pwa.plan_review": [E("GET", lambda w: f"/plans/{sched(w, 'plan')}", pages_need_login(PLAN_READ))],
    "pwa.plan_visit_edit": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/visits/{sched(w, 'visit')}",
                              pages_need_login(_sup(302)), form={})],
    "pwa.plan_swap": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/swap", pages_need_login(_sup(302)),
                        form=lambda w: {"a": str(sched(w, "visit")), "b": str(sched(w, "visit"))})],
    "pwa.plan_approve": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/approve", pages_need_login(_sup(302)))],
    "pwa.plan_redraw": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/redraw", pages_need_login(_sup(302)),
                          form={"reason": "名单有误重新抽取"})],
    "pwa.plan_discard": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/discard", pages_need_login(_sup(302)),
                           form={"reason": "改为按周制定计划"})],
    "scheduling.discard_plan": [E("POST", lambda w: f"/api/plans/{sched(w, 'plan')}/discard",
                                  api_need_login(_sup(200)), body=lambda w: {"reason": "改为按周制定计划"})],
    "pwa.inspectors": [E("GET", lambda w: "/inspectors", pages_need_login(_sup(200, 200)))],
    "pwa.inspector_edit": [
        E("GET", lambda w: f"/inspectors/{w['users']['inspector'].id}", pages_need_login(_sup(200))),
        E("POST", lambda w: f"/inspectors/{w['users']['inspector'].id}", pages_need_login(_sup(302)),
          form={"daily_capacity": "5", "days_off": "2026-12-07"}),
    ],
    "pwa.scheduling_policy": [E("GET", lambda w: "/scheduling/policy",
                                pages_need_login({**PLAN_READ, "sup_other": 200}))],
    "pwa.scheduling_policy_save": [E("POST", lambda w: "/scheduling/policy", pages_need_login({"admin": 302}),
                                     form=policy_form)],
    "pwa.my_day": [E("GET", lambda w: "/visits", pages_need_login({"inspector": 200, "inspector_other": 200}))],
    "pwa.coverage": [E("GET", lambda w: "/coverage", pages_need_login({**PLAN_READ, "sup_other": 200}))],
    "pwa.public_random_checks": [E("GET", lambda w: "/public/random-checks", every(200))],
    "scheduling.set_availability": [E("PUT", lambda w: f"/api/inspectors/{w['users']['inspector'].id}/availability",
                                      api_need_login(_sup(200)), body=lambda w: {"daily_capacity": 5})],
    "scheduling.get_policy": [E("GET", lambda w: "/api/scheduling/policy",
                                api_need_login({**PLAN_READ, "sup_other": 200}))],
    "scheduling.add_policy": [E("POST", lambda w: "/api/scheduling/policy", api_need_login({"admin": 201}),
                                body=lambda w: {"effective_from": "2027-01-01", "data": {
                                    "version": "2027.1-s1", "grades": {g: {"interval_days": 30, "draw_share": 0.1}
                                                                       for g in ("AAA", "AA", "A", "B", "C", "D")}}})],
})

# credit records, live grades, catalogue and policy versions (tests/credit/matrix.py)
from tests.credit.matrix import credit, csv_upload, new_catalogue, new_policy  # noqa: E402

CREDIT_DECIDERS = {"admin": 200, "sup_city": 200, "sup_county": 200, "sup_other": 404}
CREDIT_IN = {**{p: 200 for p in STAFF_IN}, **{p: 404 for p in STAFF_OTHER}}
CREDIT_RECORDERS = ("admin", "sup_city", "sup_county", "sup_other", "marketer")


def _day(days_ago):
    from datetime import timedelta

    from app.common.time import local_today

    return (local_today() - timedelta(days=days_ago)).isoformat()


ENDPOINTS.update({
    "credit.list_records": [E("GET", lambda w: "/api/credit-records", api_need_login({p: 200 for p in STAFF}))],
    "credit.suspected_queue": [E("GET", lambda w: "/api/credit-records/queue",
                                 api_need_login({p: 200 for p in ("admin", "sup_city", "sup_county", "sup_other")}))],
    "credit.create_record": [E("POST", lambda w: "/api/credit-records",
                               api_need_login({"admin": 201, "sup_city": 201, "sup_county": 201, "marketer": 201,
                                               "sup_other": 422}),
                               body=lambda w: {"retailer_id": w["retailer"], "indicator_code": "YX01",
                                               "occurred_on": _day(3), "description": "逾期结算"})],
    "credit.get_record": [E("GET", lambda w: f"/api/credit-records/{credit(w, 'record')}", api_need_login(CREDIT_IN))],
    "credit.confirm_record": [E("POST", lambda w: f"/api/credit-records/{credit(w, 'record')}/confirm",
                                api_need_login(CREDIT_DECIDERS),
                                body=lambda w: {"case_number": "淮烟专罚〔2026〕1号", "decided_on": _day(1)})],
    "credit.dismiss_record": [E("POST", lambda w: f"/api/credit-records/{credit(w, 'record')}/dismiss",
                                api_need_login(CREDIT_DECIDERS), body=lambda w: {"reason": "证据不足"})],
    "credit.import_records": [E("POST", lambda w: "/api/credit-records/import?dry_run=true",
                                api_need_login({p: 200 for p in ("admin", "sup_city", "sup_county", "sup_other",
                                                                 "marketer")}), form=csv_upload)],
    "credit.retailer_grade": [E("GET", lambda w: f"/api/retailers/{w['retailer']}/grade", api_need_login(CREDIT_IN))],
    "credit.my_retailer_grade": [E("GET", lambda w: f"/api/me/retailers/{w['retailer']}/grade",
                                   api_need_login({"retailer": 200, "retailer_other": 404}))],
    "credit.list_catalogue_versions": [E("GET", lambda w: "/api/catalogue-versions",
                                         api_need_login({p: 200 for p in STAFF}))],
    "credit.add_catalogue_version": [E("POST", lambda w: "/api/catalogue-versions", api_need_login({"admin": 201}),
                                       body=new_catalogue)],
    "credit.get_catalogue_version": [E("GET", lambda w: f"/api/catalogue-versions/{credit(w, 'catalogue')}",
                                       api_need_login({p: 200 for p in STAFF}))],
    "credit.list_policy_versions": [E("GET", lambda w: "/api/policy-versions",
                                      api_need_login({p: 200 for p in STAFF}))],
    "credit.add_policy_version": [E("POST", lambda w: "/api/policy-versions", api_need_login({"admin": 201}),
                                    body=new_policy)],
    "credit.get_policy_version": [E("GET", lambda w: f"/api/policy-versions/{credit(w, 'policy')}",
                                    api_need_login({p: 200 for p in STAFF}))],
    "pwa.credit_queue": [E("GET", lambda w: "/credit/queue",
                           pages_need_login({p: 200 for p in ("admin", "sup_city", "sup_county", "sup_other")}))],
    "pwa.credit_record": [E("GET", lambda w: f"/credit/records/{credit(w, 'record')}", pages_need_login(CREDIT_IN))],
    "pwa.credit_confirm": [E("POST", lambda w: f"/credit/records/{credit(w, 'record')}/confirm",
                             pages_need_login({"admin": 302, "sup_city": 302, "sup_county": 302, "sup_other": 404}),
                             form=lambda w: {"case_number": "淮烟专罚〔2026〕2号", "decided_on": _day(1)})],
    "pwa.credit_dismiss": [E("POST", lambda w: f"/credit/records/{credit(w, 'record')}/dismiss",
                             pages_need_login({"admin": 302, "sup_city": 302, "sup_county": 302, "sup_other": 404}),
                             form={"reason": "证据不足"})],
    # entry pages: one record by form, many by CSV (credit.record: admin, supervisors, marketers)
    "pwa.credit_record_new": [
        E("GET", lambda w: "/credit/records/new", pages_need_login({p: 200 for p in CREDIT_RECORDERS})),
        E("GET", lambda w: f"/credit/records/new?retailer={w['retailer']}",
          pages_need_login({**{p: 200 for p in CREDIT_RECORDERS}, "sup_other": 404})),
        E("POST", lambda w: "/credit/records/new",
          pages_need_login({**{p: 302 for p in CREDIT_RECORDERS}, "sup_other": 422}),
          form=lambda w: {"licence_no": w["licence_no"], "indicator_code": "YX01", "occurred_on": _day(3),
                          "status": "confirmed", "decided_on": _day(1), "description": "逾期结算"}),
    ],
    "pwa.credit_import": [
        E("GET", lambda w: "/credit/import", pages_need_login({p: 200 for p in CREDIT_RECORDERS})),
        E("POST", lambda w: "/credit/import", pages_need_login({**{p: 200 for p in CREDIT_RECORDERS},
                                                                "sup_other": 422}),
          form=lambda w: {**csv_upload(w), "action": "check"}),
    ],
})


# field inspections (issue 4): an inspection of the owner's county (tests/inspections/matrix.py)
from tests.inspections.matrix import insp, submit_body, upload_form  # noqa: E402

INSP_READ = {"admin": 200, "sup_city": 200, "sup_county": 200, "inspector": 200,
             "sup_other": 404, "inspector_other": 404}
INSP_WRITERS = {"inspector", "inspector_other"}

ENDPOINTS.update({
    "pwa.inspect": [E("GET", lambda w: "/inspect", pages_need_login({p: 200 for p in INSP_WRITERS}))],
    "pwa.inspection_list": [E("GET", lambda w: "/inspections",
                              pages_need_login({**INSP_READ, "sup_other": 200, "inspector_other": 200}))],
    "pwa.inspection_detail": [E("GET", lambda w: f"/inspections/{insp(w, 'id')}", pages_need_login(INSP_READ))],
    "pwa.inspection_pdf": [E("GET", lambda w: f"/inspections/{insp(w, 'id')}/record.pdf",
                             pages_need_login(INSP_READ))],
    "inspections.pack": [E("GET", lambda w: "/api/inspections/pack",
                           api_need_login({p: 200 for p in INSP_WRITERS}))],
    "inspections.upload_file": [E("POST", lambda w: "/api/inspections/uploads",
                                  api_need_login({p: 201 for p in INSP_WRITERS}), form=upload_form)],
    "inspections.submit_inspection": [E("POST", lambda w: "/api/inspections",
                                        api_need_login({"inspector": 201, "inspector_other": 422}),
                                        body=submit_body)],
    "inspections.list_inspections": [E("GET", lambda w: "/api/inspections",
                                       api_need_login({**INSP_READ, "sup_other": 200, "inspector_other": 200}))],
    "inspections.get_inspection": [E("GET", lambda w: f"/api/inspections/{insp(w, 'id')}",
                                     api_need_login(INSP_READ))],
    "inspections.inspection_file": [E("GET", lambda w: f"/api/inspections/{insp(w, 'id')}/files/{insp(w, 'file')}",
                                      api_need_login(INSP_READ))],
})


def test_every_endpoint_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ENDPOINTS)
    assert not missing, f"endpoints missing from the access matrix: {sorted(missing)}"
    stale = set(ENDPOINTS) - endpoints
    assert not stale, f"matrix lists endpoints that no longer exist: {sorted(stale)}"
    # every method of every rule is exercised
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        tested = {case["method"] for case in ENDPOINTS[rule.endpoint]}
        assert methods <= tested, f"{rule.endpoint}: methods {sorted(methods - tested)} not in the matrix"


def test_every_endpoint_declares_a_policy_action(app):
    from app.auth.policy import endpoint_action

    for rule in app.url_map.iter_rules():
        assert endpoint_action(app, rule.endpoint), rule.endpoint


def _world(make_user, make_retailer):
    owner_shop = make_retailer(county=COUNTY)
    other_shop = make_retailer(county=OTHER_COUNTY, shop_name="别家超市")
    w = {"retailer": owner_shop.id, "licence_no": owner_shop.licence_no}
    users = {
        "admin": make_user("admin"),
        "sup_city": make_user("supervisor", city=True),
        "sup_county": make_user("supervisor", COUNTY),
        "sup_other": make_user("supervisor", OTHER_COUNTY),
        "inspector": make_user("inspector", COUNTY),
        "inspector_other": make_user("inspector", OTHER_COUNTY),
        "marketer": make_user("marketer", COUNTY),
        "retailer": make_user("retailer", retailers=[owner_shop]),
        "retailer_other": make_user("retailer", retailers=[other_shop]),
        "partner_session": make_user("partner"),
    }
    target = make_user("inspector", COUNTY, username="target_user")
    partner = users["partner_session"]
    raw = "crd_" + secrets.token_urlsafe(16)
    token = ApiToken(user_id=partner.id, name="matrix", prefix=raw[:12], token_hash=_sha256(raw))
    db.session.add(token)
    db.session.commit()
    w.update(target=target.id, partner=partner.id, token=token.id, raw_token=raw, users=users)
    from tests.retailer_side.matrix_world import retailer_side_world

    w.update(retailer_side_world(owner_shop, users))
    return w


def _client_for(app, principal, w):
    client = app.test_client()
    headers = {}
    if principal == "anon":
        return client, headers
    if principal == "partner_token":
        headers["Authorization"] = f"Bearer {w['raw_token']}"
        return client, headers
    user = w["users"][principal]
    raw = secrets.token_urlsafe(16)
    db.session.add(UserSession(token_hash=_sha256(raw), user_id=user.id))
    db.session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = raw
        sess["_fresh"] = True
    return client, headers


CASES = [(endpoint, i) for endpoint, cases in sorted(ENDPOINTS.items()) for i in range(len(cases))]


def _changes_state(case, status):
    return case["method"] not in ("GET", "HEAD") and status < 400


@pytest.mark.parametrize("endpoint,index", CASES)
def test_access(app, make_user, make_retailer, endpoint, index):
    """Every principal against one endpoint case. A principal runs on a fresh world whenever the
    previous one was allowed to change state (refusals change nothing, as the assertions check)."""
    case = ENDPOINTS[endpoint][index]
    failures = []
    w = None
    for principal in PRINCIPALS:
        if w is None:
            w = _world(make_user, make_retailer)
        expected = case["expect"].get(principal, case["default"])
        limiter.reset()  # failed sign-ins of earlier principals must not throttle this one
        client, headers = _client_for(app, principal, w)
        if case["method"] not in ("GET", "HEAD") and principal != "partner_token":
            headers["X-CSRFToken"] = client.get("/api/csrf").get_json()["csrf_token"]
        headers.update(case["headers"] or {})
        kwargs = {"headers": headers}
        if case["body"] is not None:
            kwargs["json"] = case["body"](w)
        if case["form"] is not None:
            form = dict(case["form"](w) if callable(case["form"]) else case["form"])
            if "X-CSRFToken" in headers:
                form["csrf_token"] = headers["X-CSRFToken"]
            kwargs["data"] = form
        url = case["url"](w)
        response = client.open(url, method=case["method"], **kwargs)
        if response.status_code != expected:
            failures.append(f"{case['method']} {url} as {principal}: {response.status_code}, expected {expected}: "
                            f"{response.get_data(as_text=True)[:200]}")
        if _changes_state(case, response.status_code):
            wipe_database(keep=("org_units",))
            w = None
    assert not failures, "\n".join(failures)


def test_app_refuses_to_start_with_an_undeclared_endpoint():
    from app import create_app

    def build():
        app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
        return app

    app = build()
    from app.auth import policy

    @app.route("/undeclared")
    def undeclared():
        return "x"

    with pytest.raises(RuntimeError, match="undeclared"):
        policy.register_endpoints(app)
    _ = (current_app, date, User)

