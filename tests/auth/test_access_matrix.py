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

STAFF_IN = {"admin", "sup_city", "sup_county", "inspector", "marketer", "mkt_sup"}
STAFF_OTHER = {"sup_other", "inspector_other"}
STAFF = STAFF_IN | STAFF_OTHER
SESSION = STAFF | {"retailer", "retailer_other", "partner_session"}
TOKENS = {"partner_token", "ordering_token"}
PRINCIPALS = sorted(SESSION | {"anon"} | TOKENS)

ALL = set(PRINCIPALS)
# retailer side
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
    "partner.partner_retailer": [E("GET", lambda w: (L("notice")(w), f"/api/partner/retailers/{w['licence_no']}")[1],
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
    "public_audit.public_anchor": [E("GET", lambda w: "/api/public/audit-anchor", every(200))],
    "pwa.public_audit_anchor": [E("GET", lambda w: "/public/audit-anchor", every(200))],
    # retailer side: own credit (other licence 404), notices, repair/objection inbox (county)
    "me_credit.my_credit": [E("GET", lambda w: f"/api/me/retailers/{w['retailer']}/credit",
                              api_need_login({"retailer": 200, "retailer_other": 404}))],
    "me_credit.my_notices": [E("GET", lambda w: "/api/me/notices",
                               api_need_login({p: 200 for p in NOTICE_READERS}))],
    "me_credit.repair_inbox": [E("GET", lambda w: "/api/repairs", api_need_login({p: 200 for p in SUPS}))],
    "me_credit.objection_inbox": [E("GET", lambda w: "/api/objections", api_need_login({p: 200 for p in SUPS}))],
    "pwa.my_credit_first": [E("GET", lambda w: "/me/credit", pages_need_login({"retailer": 302, "retailer_other": 302}))],
    "pwa.my_credit": [E("GET", lambda w: f"/me/credit/{w['retailer']}", pages_need_login(OWN))],
    "pwa.my_report": [E("POST", lambda w: f"/me/report/{w['retailer']}.pdf", pages_need_login(OWN))],
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
                                   pages_need_login({"retailer": 409, "retailer_other": 404}),
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
    "pwa.my_licence_requests": [
        E("GET", lambda w: f"/me/licence-requests/{w['retailer']}", pages_need_login(OWN)),
        E("POST", lambda w: f"/me/licence-requests/{w['retailer']}", pages_need_login(OWN_422),
          form={"kind": "change", "changes": ""}),
    ],
    "pwa.supervise_licence_requests": [E("GET", lambda w: "/supervise/licence-requests",
                                         pages_need_login({p: 200 for p in SUPS}))],
    "pwa.supervise_licence_request": [
        E("GET", lambda w: f"/supervise/licence-requests/{w['licence_request']}", pages_need_login(SUP_IN)),
        E("POST", lambda w: f"/supervise/licence-requests/{w['licence_request']}",
          pages_need_login({"sup_city": 422, "sup_county": 422, "sup_other": 404}),
          form={"action": "reject", "reason": ""}),
    ],
    "pwa.supervise_commitments": [E("GET", lambda w: "/supervise/commitments",
                                    pages_need_login({p: 200 for p in SUPS}))],
    "pwa.supervise_commitment_breach": [E("POST", lambda w: f"/supervise/commitments/{w['commitment']}/breach",
                                          pages_need_login({"sup_city": 422, "sup_county": 422, "sup_other": 404}),
                                          form={"note": ""})],
    "pwa.admin_commitment_text": [
        E("GET", lambda w: "/admin/commitment-text", pages_need_login({"admin": 200})),
        E("POST", lambda w: "/admin/commitment-text", pages_need_login({"admin": 422}), form={"title": ""}),
    ],
    "pwa.public_commitments": [E("GET", lambda w: "/public/commitments", every(200))],
    "pwa.verify_report": [E("GET", lambda w: f"/verify/{w['serial']}", every(200))],
}


# ---- quarterly evaluation: runs of the last ended quarter, made on first use by the URL
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
    "pwa.evaluations": [E("GET", lambda w: "/evaluations", pages_need_login({p: 200 for p in EVAL_READERS}))],
    # starting a run is its own endpoint and action (a job on the worker); county supervisors may not
    "pwa.evaluation_start": [E("POST", lambda w: "/evaluations/run", pages_need_login({"admin": 302, "sup_city": 302}),
                               form={"quarter": "2026Q1"})],
    "pwa.evaluation_run": [E("GET", lambda w: f"/evaluations/{_eval_run(w)}",
                             pages_need_login({p: 200 for p in EVAL_READERS}))],
    "pwa.evaluation_step": [E("POST", lambda w: f"/evaluations/{_eval_run(w)}/review",
                              pages_need_login(_eval_managed(302)), form={"confirm": "yes"})],
    "pwa.evaluation_retailer": [E("GET", lambda w: f"/evaluations/{_eval_run(w)}/retailers/{w['retailer']}",
                                  pages_need_login(_eval_scoped(200)))],
    "pwa.public_grades": [E("GET", lambda w: f"/grades?q={w['licence_no']}", every(200))],
})


# inspection scheduling: plans and visits of the owner's county (tests/scheduling/matrix.py)
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
                                  api_need_login(_sup(200)), body=lambda w: {"acknowledge_unofficial_calendar": True})],
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
    "pwa.plans": [E("GET", lambda w: "/plans", pages_need_login({**PLAN_READ, "sup_other": 200}))],
    # drafting a plan is its own endpoint and action (a job on the worker)
    "pwa.plan_create": [E("POST", lambda w: "/plans/new", pages_need_login(_sup(302, 422)),
                          form=lambda w: {"unit": COUNTY, "period": "week", "start": sched(w, "week")})],
    "pwa.plan_review": [E("GET", lambda w: f"/plans/{sched(w, 'plan')}", pages_need_login(PLAN_READ))],
    "pwa.plan_visit_edit": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/visits/{sched(w, 'visit')}",
                              pages_need_login(_sup(302)), form={})],
    "pwa.plan_swap": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/swap", pages_need_login(_sup(302)),
                        form=lambda w: {"a": "1-1", "b": "1-1"})],
    "pwa.plan_move": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/move", pages_need_login(_sup(302)),
                        form=lambda w: {"position": "1-1", "planned_on": sched(w, "visit_day")})],
    "pwa.plan_verify": [E("GET", lambda w: f"/plans/{sched(w, 'plan')}/verify", pages_need_login(PLAN_READ))],
    "pwa.plan_approve": [E("POST", lambda w: f"/plans/{sched(w, 'plan')}/approve", pages_need_login(_sup(302)),
                           form={"confirm": "1", "acknowledge_unofficial_calendar": "1"})],
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


# field inspections: an inspection of the owner's county (tests/inspections/matrix.py)
from tests.inspections.matrix import discard_body, insp, submit_body, upload_form  # noqa: E402

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
    "inspections.discard_capture": [E("POST", lambda w: "/api/inspections/discarded",
                                      api_need_login({"inspector": 201, "inspector_other": 422}),
                                      body=discard_body)],
    "inspections.list_inspections": [E("GET", lambda w: "/api/inspections",
                                       api_need_login({**INSP_READ, "sup_other": 200, "inspector_other": 200}))],
    "inspections.get_inspection": [E("GET", lambda w: f"/api/inspections/{insp(w, 'id')}",
                                     api_need_login(INSP_READ))],
    "inspections.inspection_file": [E("GET", lambda w: f"/api/inspections/{insp(w, 'id')}/files/{insp(w, 'file')}",
                                      api_need_login(INSP_READ))],
})


# the job runner: a long job's page and status (its starter, admins), the jobs' status, the SMS outbox
from tests.jobs_matrix import export_job_id, job_id, sms_id  # noqa: E402

JOB_SEEN = {"admin": 200, "sup_city": 200, "sup_county": 404, "sup_other": 404, "mkt_sup": 404}
ENDPOINTS.update({
    "pwa.job_page": [E("GET", lambda w: f"/jobs/{job_id(w)}", pages_need_login(JOB_SEEN))],
    "jobs.get_job": [E("GET", lambda w: f"/api/jobs/{job_id(w)}", api_need_login(JOB_SEEN))],
    "pwa.jobs_status": [E("GET", lambda w: "/admin/jobs",
                          pages_need_login({p: 200 for p in ("admin", "sup_city", "sup_county", "sup_other")}))],
    "pwa.sms_outbox": [E("GET", lambda w: "/admin/sms", pages_need_login({"admin": 200}))],
    "pwa.sms_action": [E("POST", lambda w: f"/admin/sms/{sms_id(w)}/retry", pages_need_login({"admin": 302}))],
    # Excel exports: those who watch long jobs and read the list start one (303 to the job); the file is the
    # starter's (and admins')
    "pwa.export_start": [E("POST", lambda w: "/exports/retailers?grade=A",
                           pages_need_login({p: 303 for p in ("admin", "sup_city", "sup_county", "sup_other",
                                                               "mkt_sup")}))],
    "pwa.export_download": [E("GET", lambda w: f"/jobs/{export_job_id(w)}/download", pages_need_login(JOB_SEEN))],
})

# the official holiday calendar: admins only (a refused entry re-renders with 422)
ENDPOINTS.update({
    "pwa.admin_calendar": [E("GET", lambda w: "/admin/calendar", pages_need_login({"admin": 200}))],
    "pwa.admin_calendar_year": [
        E("GET", lambda w: "/admin/calendar/2031", pages_need_login({"admin": 200})),
        E("POST", lambda w: "/admin/calendar/2031", pages_need_login({"admin": 422}), form={"source": ""}),
    ],
    "pwa.admin_calendar_import": [E("POST", lambda w: "/admin/calendar/import", pages_need_login({"admin": 422}),
                                    form={"year": "2031"})],
})

# licence-verification tasks (虚假户 check): supervisors of the county decide, admins read
from tests.licences.matrix import lcheck, lcheck_proposed  # noqa: E402

LCHECK_READ = {"admin": 200, "sup_city": 200, "sup_county": 200, "sup_other": 404}
LCHECK_CLOSE = {"sup_city": 200, "sup_county": 200, "sup_other": 404}

ENDPOINTS.update({
    "pwa.licence_checks": [E("GET", lambda w: "/licence-checks?status=open",
                             pages_need_login({**LCHECK_READ, "sup_other": 200}))],
    "pwa.licence_check": [
        E("GET", lambda w: f"/licence-checks/{lcheck(w)}", pages_need_login(LCHECK_READ)),
        E("POST", lambda w: f"/licence-checks/{lcheck(w)}",
          pages_need_login({"admin": 403, "sup_city": 302, "sup_county": 302, "sup_other": 404}),
          form={"outcome": "trading", "note": "店铺仍在经营，门头已更换"}),
    ],
    "pwa.licence_cancellation": [E("POST", lambda w: f"/licence-checks/{lcheck_proposed(w)}/cancellation",
                                   pages_need_login({"admin": 403, "sup_city": 302, "sup_county": 302,
                                                     "sup_other": 404}),
                                   form={"decision": "keep", "cancellation_note": "经核实店铺仍在经营"})],
    "licences.decide_cancellation": [E("POST", lambda w: f"/api/licence-checks/{lcheck_proposed(w)}/cancellation",
                                       api_need_login(LCHECK_CLOSE),
                                       body=lambda w: {"decision": "keep", "note": "经核实店铺仍在经营"})],
    "licences.list_checks": [E("GET", lambda w: "/api/licence-checks",
                               api_need_login({**LCHECK_READ, "sup_other": 200}))],
    "licences.get_check": [E("GET", lambda w: f"/api/licence-checks/{lcheck(w)}", api_need_login(LCHECK_READ))],
    "licences.close_check": [E("POST", lambda w: f"/api/licence-checks/{lcheck(w)}/close",
                               api_need_login(LCHECK_CLOSE),
                               body=lambda w: {"outcome": "trading", "note": "店铺仍在经营"})],
})

# partners (token), red and black lists, partner agreements and reads, the local credit platform
from tests.lists.matrix import L  # noqa: E402

LIST_READ = {"admin": 200, "sup_city": 200, "sup_county": 200, "sup_other": 404}
PARTNER_ONLY = {"anon": 401, "partner_token": 200}
ENDPOINTS.update({
    "partner.partner_lists": [E("GET", lambda w: (L("finding")(w), "/api/partner/lists")[1], PARTNER_ONLY)],
    "partner.push_finding": [E("POST", lambda w: "/api/partner/findings", {"anon": 401, "partner_token": 422},
                               body=lambda w: {"finding_type": "admin_penalty"})],
    "partner.list_findings": [E("GET", lambda w: (L("finding")(w), "/api/partner/findings")[1], PARTNER_ONLY)],
    "partner.get_finding": [E("GET", lambda w: f"/api/partner/findings/{L('finding')(w)}", PARTNER_ONLY)],
    "lists.list_entries": [E("GET", lambda w: (L("notice")(w), "/api/lists/entries")[1],
                             api_need_login({**LIST_READ, "sup_other": 200}))],
    "lists.get_entry": [E("GET", lambda w: f"/api/lists/entries/{L('notice')(w)}", api_need_login(LIST_READ))],
    "lists.review_entry": [E("POST", lambda w: f"/api/lists/entries/{L('proposed')(w)}/review",
                             api_need_login({**LIST_READ, "admin": 403}), body=lambda w: {"approve": True})],
    "lists.exit_entry": [E("POST", lambda w: f"/api/lists/entries/{L('notice')(w)}/exit",
                           api_need_login({"sup_city": 409, "sup_county": 409, "sup_other": 404}),
                           body=lambda w: {"note": "不再符合"})],
    "lists.answer_objection": [E("POST", lambda w: f"/api/lists/objections/{L('objection')(w)}/answer",
                                 api_need_login({"sup_city": 200, "sup_county": 200, "sup_other": 404}),
                                 body=lambda w: {"uphold": False, "answer": "维持"})],
    "lists.my_entries": [E("GET", lambda w: (L("notice")(w), "/api/me/lists")[1],
                           api_need_login({"retailer": 200, "retailer_other": 200}))],
    "lists.object_to_entry": [E("POST", lambda w: f"/api/me/lists/{L('notice')(w)}/objection",
                                api_need_login({"retailer": 409, "retailer_other": 404}),
                                body=lambda w: {"reasons": "有误"})],
    "public_lists.public_lists": [E("GET", lambda w: (L("notice")(w), "/api/public/lists")[1], every(200))],
    "lists.get_agreement": [E("GET", lambda w: (L("notice")(w), f"/api/partners/{w['partner']}/agreement")[1],
                              api_need_login({"admin": 200}))],
    "lists.put_agreement": [E("PUT", lambda w: f"/api/partners/{w['partner']}/agreement",
                              api_need_login({"admin": 200}), body=lambda w: {"organisation": "淮安市消费者协会"})],
    "lists.partner_reads": [E("GET", lambda w: "/api/partner-reads", api_need_login({"admin": 200}))],
    "lists.exchange_batches": [E("GET", lambda w: "/api/exchange/batches", api_need_login({"admin": 200}))],
    "pwa.public_lists": [E("GET", lambda w: (L("notice")(w), "/public/lists?kind=red")[1], every(200))],
    "pwa.list_entries": [E("GET", lambda w: (L("notice")(w), "/lists")[1],
                           pages_need_login({**LIST_READ, "sup_other": 200}))],
    "pwa.list_entry": [E("GET", lambda w: f"/lists/entries/{L('notice')(w)}", pages_need_login(LIST_READ))],
    "pwa.list_policy_page": [E("GET", lambda w: "/lists/policy",
                               pages_need_login({**LIST_READ, "sup_other": 200}))],
    "pwa.list_policy_save": [E("POST", lambda w: "/lists/policy", pages_need_login({"admin": 302}), form={
        "version": "2099.1", "effective_from": "2099-01-01", "notice_days": "7", "objection_answer_working_days": "10",
        "red_grade": "AAA", "red_consecutive_quarters": "2", "red_valid_months": "12", "black_veto": "1",
        "black_serious_min_points": "20", "black_refused_codes": "ZM06", "black_valid_months": "36",
        "measures_red": "货源投放优先", "measures_black": "提高检查频次"})],
    "pwa.list_entry_review": [E("POST", lambda w: f"/lists/entries/{L('proposed')(w)}/review",
                                pages_need_login({"sup_city": 302, "sup_county": 302, "sup_other": 404}),
                                form={"decision": "approve"})],
    "pwa.list_entry_exit": [E("POST", lambda w: f"/lists/entries/{L('notice')(w)}/exit",
                              pages_need_login({"sup_city": 409, "sup_county": 409, "sup_other": 404}),
                              form={"note": "不再符合"})],
    "pwa.list_objection_answer": [E("POST", lambda w: f"/lists/objections/{L('objection')(w)}/answer",
                                    pages_need_login({"sup_city": 302, "sup_county": 302, "sup_other": 404}),
                                    form={"decision": "reject", "answer": "维持"})],
    "pwa.my_lists": [E("GET", lambda w: (L("notice")(w), "/me/lists")[1],
                       pages_need_login({"retailer": 200, "retailer_other": 200}))],
    "pwa.my_list_entry": [
        E("GET", lambda w: f"/me/lists/{L('notice')(w)}", pages_need_login(OWN)),
        E("POST", lambda w: f"/me/lists/{L('notice')(w)}", pages_need_login({"retailer": 409, "retailer_other": 404}),
          form={"reasons": "有误"})],
    "pwa.admin_exchange": [E("GET", lambda w: (L("batch")(w), "/admin/exchange")[1],
                             pages_need_login({"admin": 200}))],
    "pwa.admin_exchange_retry": [E("POST", lambda w: f"/admin/exchange/{L('batch')(w)}/retry",
                                   pages_need_login({"admin": 302}))],
    "pwa.admin_partner": [
        E("GET", lambda w: f"/admin/partners/{w['partner']}", pages_need_login({"admin": 200})),
        E("POST", lambda w: f"/admin/partners/{w['partner']}", pages_need_login({"admin": 302}),
          form={"organisation": "淮安市市场监督管理局", "field": "licence_no", "list_kind": "black", "active": "y"})],
    "pwa.admin_partner_notification_retry": [
        E("POST", lambda w: f"/admin/partners/notifications/{L('dead')(w)}/retry", pages_need_login({"admin": 302}))],
    "pwa.admin_partners": [E("GET", lambda w: (L("notice")(w), "/admin/partners")[1],
                             pages_need_login({"admin": 200}))],
    "lists.list_policies": [E("GET", lambda w: "/api/lists/policies", api_need_login({"admin": 200}))],
    "lists.add_list_policy": [E("POST", lambda w: "/api/lists/policies", api_need_login({"admin": 422}),
                                body=lambda w: {"version": "2027.1", "effective_from": "2027-01-01", "body": {}})],
    "lists.exchange_reconciliation": [E("GET", lambda w: (L("notice")(w), "/api/exchange/reconciliation")[1],
                                        api_need_login({"admin": 200}))],
})

# early warnings 失信预警: supervisors of the county (city level: all) read, act and close
from tests.early_warnings.matrix import acted_warning, warning  # noqa: E402

WARN_SEEN = {"sup_city": 200, "sup_county": 200, "sup_other": 404}

ENDPOINTS.update({
    "pwa.warnings_list": [E("GET", lambda w: "/warnings?status=open&kind=suspected",
                            pages_need_login({**WARN_SEEN, "sup_other": 200}))],
    "pwa.warning_page": [E("GET", lambda w: f"/warnings/{warning(w)}", pages_need_login(WARN_SEEN))],
    "pwa.warning_act": [E("POST", lambda w: f"/warnings/{warning(w)}/act",
                          pages_need_login({"sup_city": 302, "sup_county": 302, "sup_other": 404}),
                          form=lambda w: {"owner_id": str(w["users"]["sup_county"].id), "action": "interview"})],
    "pwa.warning_close": [E("POST", lambda w: f"/warnings/{acted_warning(w)}/close",
                            pages_need_login({"sup_city": 302, "sup_county": 302, "sup_other": 404}),
                            form=lambda w: {"outcome": "resolved", "close_note": "已整改"})],
    "warnings.list_warnings": [E("GET", lambda w: "/api/warnings", api_need_login({**WARN_SEEN, "sup_other": 200}))],
    "warnings.get_warning": [E("GET", lambda w: f"/api/warnings/{warning(w)}", api_need_login(WARN_SEEN))],
    "warnings.act_warning": [E("POST", lambda w: f"/api/warnings/{warning(w)}/act", api_need_login(WARN_SEEN),
                               body=lambda w: {"owner_id": w["users"]["sup_county"].id, "action": "interview"})],
    "warnings.close_warning": [E("POST", lambda w: f"/api/warnings/{acted_warning(w)}/close",
                                 api_need_login(WARN_SEEN), body=lambda w: {"outcome": "resolved", "note": "已整改"})],
})

# the supervisors' map 监管地图: county and city supervisors; another county's shop is not found
MAP_ALL = {"sup_city": 200, "sup_county": 200, "sup_other": 200}
ENDPOINTS.update({
    "pwa.supervision_map": [E("GET", lambda w: "/map?grade=D", pages_need_login(MAP_ALL))],
    "maps.map_shops": [E("GET", lambda w: "/api/map/shops?grade=A", api_need_login(MAP_ALL))],
    "maps.map_shop": [E("GET", lambda w: f"/api/map/shops/{w['retailer']}", api_need_login(SUP_IN))],
})

# the assessment of the bureau's work and its reports: supervisors (county: their county's reports)
from tests.assessment.matrix import county_report, request_form  # noqa: E402

SUP_ALL = {"sup_city": 200, "sup_county": 200, "sup_other": 200}

ENDPOINTS.update({
    "pwa.assessment": [E("GET", lambda w: "/assessment?period=2026-11", pages_need_login(SUP_ALL))],
    "pwa.reports_list": [E("GET", lambda w: "/reports", pages_need_login(SUP_ALL))],
    "pwa.report_file": [E("GET", lambda w: f"/reports/{county_report(w)}/file", pages_need_login(SUP_IN))],
    "pwa.report_request": [E("POST", lambda w: "/reports",
                             pages_need_login({"sup_city": 302, "sup_county": 302, "sup_other": 403}),
                             form=request_form)],
})

# the supervisors' dashboard: county and city supervisors (each sees its own scope) and admins (city-wide)
# read, page and API; "refresh now": supervisors
DASH_READ = {"admin": 200, "sup_city": 200, "sup_county": 200, "sup_other": 200}
ENDPOINTS.update({
    "pwa.dashboard": [E("GET", lambda w: "/dashboard", pages_need_login(DASH_READ))],
    "dashboard.get_dashboard": [E("GET", lambda w: "/api/dashboard", api_need_login(DASH_READ))],
    "pwa.dashboard_refresh": [E("POST", lambda w: "/dashboard/refresh",
                                pages_need_login({"sup_city": 302, "sup_county": 302, "sup_other": 302}),
                                form={"unit": ""})],
})

# customer tiers and supply: marketers read (their county), the city marketing supervisor runs, publishes,
# exports, imports, decides; the hardship flag only for marketing supervisors; the ordering system by token
from tests.service.matrix import svc  # noqa: E402

SVC_READ = {"admin": 200, "marketer": 200, "mkt_sup": 200}
ORDERING = {"anon": 401, "ordering_token": 200}


def figures_form(w):
    import io

    return {"file": (io.BytesIO(f"licence_no,month,base_tier\r\n{w['licence_no']},2026-10,12\r\n".encode()),
                     "tiers.csv")}


ENDPOINTS.update({
    "pwa.service_runs": [E("GET", lambda w: "/service", pages_need_login(SVC_READ))],
    "pwa.service_run_start": [E("POST", lambda w: "/service/runs", pages_need_login({"mkt_sup": 302}),
                                form=lambda w: {"cycle": svc(w, "next")})],
    "pwa.service_run": [E("GET", lambda w: f"/service/runs/{svc(w, 'draft')}", pages_need_login(SVC_READ))],
    "pwa.service_run_publish": [E("POST", lambda w: f"/service/runs/{svc(w, 'draft')}/publish",
                                  pages_need_login({"mkt_sup": 302}), form={"confirm": "y"})],
    "pwa.service_run_export": [E("POST", lambda w: f"/service/runs/{svc(w, 'published')}/export.csv",
                                 pages_need_login({"mkt_sup": 200}))],
    "pwa.service_figures": [
        E("GET", lambda w: "/service/figures", pages_need_login({"mkt_sup": 200})),
        E("POST", lambda w: "/service/figures", pages_need_login({"mkt_sup": 422}), form={"action": "check"}),
    ],
    "pwa.service_policy_page": [
        E("GET", lambda w: "/service/policy", pages_need_login(SVC_READ)),
        E("POST", lambda w: "/service/policy", pages_need_login({"admin": 422, "mkt_sup": 422, "marketer": 403}),
          form={"text": "version: [broken"}),
    ],
    "pwa.service_suspensions": [E("GET", lambda w: "/service/suspensions", pages_need_login(SVC_READ))],
    "pwa.service_suspension": [E("GET", lambda w: f"/service/suspensions/{svc(w, 'susp')}",
                                 pages_need_login(SVC_READ))],
    "pwa.service_suspension_answer": [E("POST", lambda w: f"/service/suspensions/{svc(w, 'susp_ob')}/answer",
                                        pages_need_login({"mkt_sup": 302}),
                                        form={"outcome": "rejected", "answer": "经复核维持原决定。"})],
    "pwa.service_suspension_lift": [E("POST", lambda w: f"/service/suspensions/{svc(w, 'susp')}/lift",
                                      pages_need_login({"mkt_sup": 302}), form={"note": "经复核，案件已重新认定，恢复货源。"})],
    "pwa.service_hardship": [
        E("GET", lambda w: "/service/hardship", pages_need_login({"mkt_sup": 200})),
        E("POST", lambda w: "/service/hardship", pages_need_login({"mkt_sup": 422}), form={"licence_no": ""}),
    ],
    "pwa.service_hardship_revoke": [E("POST", lambda w: f"/service/hardship/{svc(w, 'flag')}/revoke",
                                      pages_need_login({"mkt_sup": 302}), form={"reason": "困难情况已消除"})],
    "pwa.my_service": [E("GET", lambda w: f"/me/service/{w['retailer']}", pages_need_login(OWN))],
    "pwa.my_service_object": [E("POST", lambda w: f"/me/service/{w['retailer']}/suspensions/{svc(w, 'susp')}/object",
                                pages_need_login({"retailer": 302, "retailer_other": 404}),
                                form={"reasons": "该决定依据的记录有误，请复核。"})],
    "ordering.import_figures": [E("POST", lambda w: "/api/ordering/figures?dry_run=true", ORDERING,
                                  form=figures_form)],
    "ordering.list_runs": [E("GET", lambda w: "/api/ordering/service-runs", ORDERING)],
    "ordering.export_run": [E("GET", lambda w: f"/api/ordering/service-runs/{svc(w, 'published')}/export", ORDERING)],
    "ordering.confirm_receipt": [E("POST", lambda w: f"/api/ordering/service-runs/{svc(w, 'published')}/receipt",
                                   ORDERING, body=lambda w: {"sha256": "0" * 64})],
})


# open data (anonymous, cached) and banks (信易贷): the partner principal is a bank the owner consented to
from tests.opendata.matrix import bank, bank_id, consent, new_bank_body, quarter  # noqa: E402

BANK_TOKEN = {"anon": 401, "partner_token": 200}
ENDPOINTS.update({
    "open_data.index": [E("GET", lambda w: "/api/open", every(200))],
    "open_data.grades": [E("GET", lambda w: f"/api/open/grades?quarter={quarter(w)}", every(200))],
    "open_data.datasets": [E("GET", lambda w: "/api/open/datasets", every(200))],
    "open_data.dataset_csv": [E("GET", lambda w: f"/api/open/datasets/{quarter(w)}.csv", every(200))],
    "open_data.open_commitments": [E("GET", lambda w: "/api/open/commitments", every(200))],
    "open_data.random_checks": [E("GET", lambda w: "/api/open/random-checks", every(200))],
    "open_data.open_lists": [E("GET", lambda w: (L("notice")(w), "/api/open/lists")[1], every(200))],
    "open_data.open_lists_csv": [E("GET", lambda w: "/api/open/lists.csv", every(200))],
    "open_data.draws": [E("GET", lambda w: "/api/open/draws", every(200))],
    "pwa.public_home": [E("GET", lambda w: f"/public?q=hxbl&quarter={quarter(w)}", every(200))],
    "pwa.open_data_licence": [E("GET", lambda w: "/public/open-data/licence", every(200))],
    "banks.bank_consents": [E("GET", lambda w: f"/api/bank/consents?l={bank(w)}", BANK_TOKEN)],
    "banks.bank_grade": [E("POST", lambda w: f"/api/bank/retailers/{bank(w)}/grade", BANK_TOKEN)],
    "banks.bank_report": [E("POST", lambda w: f"/api/bank/retailers/{bank(w)}/report", BANK_TOKEN)],
    "banks.bank_report_pdf": [E("POST", lambda w: f"/api/bank/retailers/{bank(w)}/report.pdf", BANK_TOKEN)],
    "banks.my_consents": [E("GET", lambda w: f"/api/me/retailers/{w['retailer']}/bank-consents?b={bank(w)}",
                            api_need_login(OWN))],
    "banks.grant_consent": [E("POST", lambda w: f"/api/me/retailers/{w['retailer']}/bank-consents",
                              api_need_login({"retailer": 201, "retailer_other": 404}),
                              body=lambda w: {"bank_id": bank_id(w), "scope": "grade", "months": 3})],
    "banks.revoke_consent": [E("POST", lambda w: f"/api/me/bank-consents/{consent(w)}/revoke",
                               api_need_login({"retailer": 200, "retailer_other": 404}))],
    "banks.my_credit_queries": [E("GET", lambda w: f"/api/me/retailers/{w['retailer']}/credit-queries?b={bank(w)}",
                                  api_need_login(OWN))],
    "banks.list_banks": [E("GET", lambda w: f"/api/banks?b={bank(w)}",
                           api_need_login({"admin": 200, "retailer": 200, "retailer_other": 200}))],
    "banks.register_bank": [E("POST", lambda w: "/api/banks", api_need_login({"admin": 201}), body=new_bank_body)],
    "pwa.my_banks": [E("GET", lambda w: f"/me/banks/{w['retailer']}?b={bank(w)}", pages_need_login(OWN))],
    "pwa.my_bank_grant": [E("POST", lambda w: f"/me/banks/{w['retailer']}/grant",
                            pages_need_login({"retailer": 302, "retailer_other": 404}),
                            form=lambda w: {"bank_id": bank_id(w), "scope": "grade", "months": "3"})],
    "pwa.admin_bank_register": [E("POST", lambda w: f"/admin/users/{w['partner']}/bank",
                                  pages_need_login({"admin": 302}), form={"name": "淮安测试银行"})],
    "pwa.my_bank_revoke": [E("POST", lambda w: f"/me/banks/consents/{consent(w)}/revoke",
                             pages_need_login({"retailer": 302, "retailer_other": 404}))],
})

# ---- integrity mutual-aid groups, model awards, remote self-checks (objects in COUNTY)
from tests.groups.matrix_world import G  # noqa: E402

GROUP_READ = {"admin": 200, "sup_city": 200, "sup_county": 200, "sup_other": 404, "marketer": 200}
GROUP_LIST = {"admin": 200, "sup_city": 200, "sup_county": 200, "sup_other": 200, "marketer": 200}


def _managed(status):
    return {"sup_city": status, "sup_county": status, "sup_other": 404, "marketer": status}


def _decided(status):
    return {"sup_city": status, "sup_county": status, "sup_other": 404}


CHECK_READ = {"sup_city": 200, "sup_county": 200, "sup_other": 404, "inspector": 200, "inspector_other": 404}

ENDPOINTS.update({
    "pwa.groups": [E("GET", lambda w: "/groups", pages_need_login(GROUP_LIST))],
    "pwa.group_new": [E("POST", lambda w: "/groups/new",
                        pages_need_login({"sup_city": 422, "sup_county": 422, "sup_other": 422, "marketer": 422}),
                        form={"name": ""})],
    "pwa.group": [E("GET", lambda w: f"/groups/{G(w, 'group')}", pages_need_login(GROUP_READ))],
    "pwa.group_member_add": [E("POST", lambda w: f"/groups/{G(w, 'group')}/members", pages_need_login(_managed(422)),
                               form={"licence_no": ""})],
    "pwa.group_dissolve": [E("POST", lambda w: f"/groups/{G(w, 'group')}/dissolve", pages_need_login(_managed(422)),
                             form={"reason": ""})],
    "pwa.group_member_leave": [E("POST", lambda w: f"/groups/{G(w, 'group')}/members/{G(w, 'member')}/leave",
                                 pages_need_login(_managed(422)), form={"reason": ""})],
    "pwa.group_rounds": [
        E("GET", lambda w: "/group-rounds", pages_need_login({"sup_city": 200, "sup_county": 200, "sup_other": 200})),
        E("POST", lambda w: "/group-rounds", pages_need_login({"sup_city": 422, "sup_county": 403, "sup_other": 403}),
          form={"label": ""}),
    ],
    "pwa.group_rate": [
        E("GET", lambda w: f"/groups/{G(w, 'group')}/rate", pages_need_login(_decided(200))),
        E("POST", lambda w: f"/groups/{G(w, 'group')}/rate", pages_need_login(_decided(422)),
          form=lambda w: {"round_id": G(w, "round"), "evidence": ""}),
    ],
    "pwa.group_rating": [E("GET", lambda w: f"/group-ratings/{G(w, 'rating')}", pages_need_login(GROUP_READ))],
    "pwa.group_rating_objection": [E("POST", lambda w: f"/group-ratings/{G(w, 'rating')}/objections",
                                     pages_need_login(_decided(422)), form={"raised_by": ""})],
    "pwa.group_objection_answer": [
        E("POST", lambda w: f"/group-ratings/{G(w, 'rating')}/objections/{G(w, 'objection')}/answer",
          pages_need_login(_decided(422)), form={"decision": "rejected", "answer": ""})],
    "pwa.group_rating_publish": [E("POST", lambda w: f"/group-ratings/{G(w, 'rating')}/publish",
                                   pages_need_login(_decided(409)), form={})],
    "pwa.group_rating_withdraw": [E("POST", lambda w: f"/group-ratings/{G(w, 'rating')}/withdraw",
                                    pages_need_login(_decided(422)), form={"reason": ""})],
    "pwa.models": [E("GET", lambda w: "/models", pages_need_login(GROUP_LIST))],
    "pwa.model_nominate": [E("POST", lambda w: "/models/nominate",
                             pages_need_login({"sup_city": 422, "sup_county": 422, "sup_other": 422, "marketer": 422}),
                             form={"kind": "shop", "licence_no": ""})],
    "pwa.model_award": [E("GET", lambda w: f"/models/{G(w, 'award')}", pages_need_login(GROUP_READ))],
    "pwa.model_review": [E("POST", lambda w: f"/models/{G(w, 'award')}/review", pages_need_login(_decided(422)),
                           form={"decision": "approve", "note": ""})],
    "pwa.model_publish": [E("POST", lambda w: f"/models/{G(w, 'award')}/publish", pages_need_login(_decided(409)),
                            form={})],
    "pwa.model_withdraw": [E("POST", lambda w: f"/models/{G(w, 'award')}/withdraw", pages_need_login(_decided(409)),
                             form={"reason": ""})],
    "pwa.public_groups": [E("GET", lambda w: "/public/groups", every(200))],
    "public_groups.list_rated_groups": [E("GET", lambda w: "/api/public/groups", every(200))],
    "public_groups.list_models": [E("GET", lambda w: "/api/public/models", every(200))],
    "pwa.public_models": [E("GET", lambda w: "/public/models", every(200))],
    "pwa.my_self_check": [
        E("GET", lambda w: f"/me/self-check/{w['retailer']}", pages_need_login(OWN)),
        E("POST", lambda w: f"/me/self-check/{w['retailer']}",
          pages_need_login({"retailer": 403, "retailer_other": 404}), form={}),
    ],
    "pwa.self_checks": [E("GET", lambda w: "/self-checks", pages_need_login(
        {"sup_city": 200, "sup_county": 200, "sup_other": 200, "inspector": 200, "inspector_other": 200}))],
    "pwa.self_check": [
        E("GET", lambda w: f"/self-checks/{G(w, 'check')}", pages_need_login(CHECK_READ)),
        E("POST", lambda w: f"/self-checks/{G(w, 'check')}",
          pages_need_login({k: (422 if v == 200 else v) for k, v in CHECK_READ.items()}),
          form={"decision": "fail", "note": ""}),
    ],
    "pwa.self_check_photo": [E("GET", lambda w: f"/self-checks/{G(w, 'check')}/photos/{G(w, 'photo')}",
                               pages_need_login(CHECK_READ))],
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
        "mkt_sup": make_user("mkt_supervisor", city=True),
    }
    ordering = make_user("ordering")
    raw_ordering = "crd_" + secrets.token_urlsafe(16)
    db.session.add(ApiToken(user_id=ordering.id, name="订货系统", prefix=raw_ordering[:12],
                            token_hash=_sha256(raw_ordering)))
    target = make_user("inspector", COUNTY, username="target_user")
    partner = users["partner_session"]
    raw = "crd_" + secrets.token_urlsafe(16)
    token = ApiToken(user_id=partner.id, name="matrix", prefix=raw[:12], token_hash=_sha256(raw))
    db.session.add(token)
    from tests.lists.matrix import partner_agreement

    partner_agreement(partner.id)
    db.session.commit()
    w.update(target=target.id, partner=partner.id, token=token.id, raw_token=raw, users=users,
             raw_ordering=raw_ordering)
    from tests.retailer_side.matrix_world import retailer_side_world

    w.update(retailer_side_world(owner_shop, users))
    return w


def _client_for(app, principal, w):
    client = app.test_client()
    headers = {}
    if principal == "anon":
        return client, headers
    if principal in TOKENS:
        headers["Authorization"] = f"Bearer {w['raw_token'] if principal == 'partner_token' else w['raw_ordering']}"
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
        if case["method"] not in ("GET", "HEAD") and principal not in TOKENS:
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

