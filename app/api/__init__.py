"""The JSON API (flask-smorest). Views stay thin: parse, call a service, serialise."""
from functools import wraps

from app.auth.policy import requires


def register_api(app):
    from app.api import audit, auth, health, partner, retailers, users
    from app.api import scheduling
    from app.api import me_credit
    from app.extensions import api

    for module in (health, auth, retailers, users, partner, audit, scheduling, me_credit):
        api.register_blueprint(module.blp)
    from app.api import evaluations

    api.register_blueprint(evaluations.blp)
    api.register_blueprint(evaluations.public_blp)
    from app.api import inspections

    api.register_blueprint(inspections.blp)
    from app.api import credit

    api.register_blueprint(credit.blp)
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
