from flask import Blueprint

bp = Blueprint("pwa", __name__, template_folder="templates")

from app.pwa import views, admin_views  # noqa: E402,F401
