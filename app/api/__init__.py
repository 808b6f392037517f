"""The JSON API (flask-smorest). Views stay thin: parse, call a service, serialise."""
from functools import wraps

import app.api.common  # noqa: F401  (bounds page numbers before any paginated view is declared)
from app.auth.policy import requires


def register_api(app):
    from app.api import audit, auth, health, partner, retailers, users
    from app.api import scheduling
    from app.api import me_credit
    from app.common.edge import IdConverter, id_param_schema
    from app.extensions import api

    api.register_converter(IdConverter, id_param_schema)
    for module in (health, auth, retailers, users, partner, audit, scheduling, me_credit):
        api.register_blueprint(module.blp)
    api.register_blueprint(audit.public_blp)
    from app.api import evaluations

    api.register_blueprint(evaluations.blp)
    api.register_blueprint(evaluations.public_blp)
    from app.api import inspections

    api.register_blueprint(inspections.blp)
    from app.api import credit

    api.register_blueprint(credit.blp)
    from app.api import jobs

    api.register_blueprint(jobs.blp)

    from app.api import licences, warnings

    api.register_blueprint(licences.blp)
    api.register_blueprint(warnings.blp)
    from app.api import maps

    api.register_blueprint(maps.blp)
    from app.api import dashboard

    api.register_blueprint(dashboard.blp)
    from app.api import lists

    api.register_blueprint(lists.blp)
    api.register_blueprint(lists.public_blp)
    from app.api import banks, open_data

    api.register_blueprint(open_data.blp)
    api.register_blueprint(banks.blp)

    from app.api import groups

    api.register_blueprint(groups.public_blp)
    from app.api import service

    api.register_blueprint(service.blp)
    _tag_doc_views(app)


def _tag_doc_views(app):
    """The OpenAPI document and its interactive page are public (assets served locally)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api-docs."):
            @requires("public")
            @wraps(view)
            def wrapped(*args, _view=view, **kwargs):
                return _view(*args, **kwargs)

            app.view_functions[endpoint] = wrapped
