"""The public page of the audit chain's anchors (/public/audit-anchor): anyone may note the latest head."""
from datetime import datetime

from flask import render_template

from app.auth.policy import requires
from app.pwa import bp


@bp.route("/public/audit-anchor")
@requires("public")
def public_audit_anchor():
    """The latest anchor of the audit chain (from the anchor file, never the database) and the ones before."""
    from app.audit.anchor import public_view

    def when(at: str):  # the anchor's UTC time, for the localtime filter (the bureau's time)
        try:
            return datetime.fromisoformat(at.rstrip("Z"))
        except (AttributeError, ValueError):
            return None

    return render_template("public_audit_anchor.html", view=public_view(), when=when)
