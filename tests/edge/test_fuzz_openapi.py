"""Fuzz the JSON API against its own OpenAPI document (schemathesis), as every kind of user:
anonymous, admin, city and county supervisor, inspector, account manager, retailer and a partner
token. Zero server errors, and every answer conforms to the document: documented status code,
content type, body schema, headers (X-Pagination is a JSON object, checked here against its schema).

Bounded: FUZZ_EXAMPLES generated cases per operation and principal (default 10 on PostgreSQL, 4 on
SQLite). The tests run grouped by principal; each principal works in a world of its own
(tests/auth/test_access_matrix.py::_world), built when its first test starts, built again if a case
locked the principal out (an admin case may disable the admin), and wiped when its tests end."""
import json
import os
import time
from collections import Counter

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance, response_schema_conformance,
                                               status_code_conformance)

from app import create_app
from tests.auth.test_access_matrix import _client_for, _world
from tests.conftest import TEST_DB, wipe_database

pytestmark = pytest.mark.fuzz

PRINCIPALS = ["anon", "admin", "sup_city", "sup_county", "inspector", "marketer", "retailer", "partner_token",
              "ordering_token"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10" if TEST_DB == "postgresql" else "4"))

# The document is read from an app of its own (it needs no database); cases run against the test app.
_doc_app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
DOCUMENT = _doc_app.test_client().get("/api/openapi.json").get_json()
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _doc_app, config=CONFIG)


@schemathesis.check
def pagination_header_conformance(ctx, response, case):
    """X-Pagination, where the document promises it, is JSON matching PaginationMetadata."""
    values = response.headers.get("x-pagination")
    if not values:
        return None
    metadata = json.loads(values[0])
    jsonschema_rs.validate(DOCUMENT["components"]["schemas"]["PaginationMetadata"], metadata)
    assert {"total", "total_pages"} <= set(metadata), metadata
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection, pagination_header_conformance]


_WORLD = {}
_STATUSES = Counter()
_OPERATIONS = set()


@pytest.fixture(scope="module", autouse=True)
def report_figures(request):
    """Print what the run did (requests, operations, statuses, 5xx) in the test log."""
    started = time.monotonic()
    yield
    if not _STATUSES:
        return
    server_errors = sum(n for status, n in _STATUSES.items() if status >= 500)
    line = (f"OpenAPI fuzz ({TEST_DB}): {sum(_STATUSES.values())} requests, {len(_OPERATIONS)} operations x "
            f"{len(PRINCIPALS)} principals, up to {EXAMPLES} generated cases each, {time.monotonic() - started:.0f} s; "
            f"5xx: {server_errors}; statuses: {dict(sorted(_STATUSES.items()))}")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(line)


@pytest.fixture(autouse=True)
def clean_db():
    """Replaces the suite's wipe after every test: the world of a principal lives across its tests."""
    yield


@pytest.fixture(scope="module", params=PRINCIPALS)
def principal_name(request, app):
    yield request.param
    _WORLD.clear()
    wipe_database()


def _locked_out(name, client, headers):
    if name == "anon":
        return False
    probe = {"partner_token": "/api/partner/retailers/0",
             "ordering_token": "/api/ordering/service-runs"}.get(name, "/api/me")
    return client.get(probe, headers=headers).status_code in (401, 403)


@pytest.fixture
def principal(principal_name, app, make_user, make_retailer):
    cached = _WORLD.get(principal_name)
    if cached is None or _locked_out(principal_name, *cached):
        _WORLD.clear()
        wipe_database(keep=("org_units",))
        w = _world(make_user, make_retailer)
        client, headers = _client_for(app, principal_name, w)
        if principal_name not in ("anon", "partner_token", "ordering_token"):
            headers["X-CSRFToken"] = client.get("/api/csrf").get_json()["csrf_token"]
        _WORLD[principal_name] = cached = (client, headers)
    return cached


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api(case, principal, app):
    client, headers = principal
    response = case.call_and_validate(session=client, headers=headers, checks=CHECKS, app=app)
    _STATUSES[response.status_code] += 1
    _OPERATIONS.add(case.operation.label)
