from flask import Blueprint

bp = Blueprint("pwa", __name__, template_folder="templates")

from app.pwa import views, admin_views, retailer_views  # noqa: E402,F401
from app.pwa import scheduling_views  # noqa: E402,F401
from app.pwa import evaluation_views  # noqa: E402,F401
from app.pwa import credit_views  # noqa: E402,F401
from app.pwa import inspection_views  # noqa: E402,F401
from app.pwa import audit_views  # noqa: E402,F401
from app.pwa import jobs_views  # noqa: E402,F401
from app.pwa import licence_views  # noqa: E402,F401
from app.pwa import lists_views  # noqa: E402,F401
from app.pwa import open_views  # noqa: E402,F401
from app.pwa import calendar_views  # noqa: E402,F401
from app.pwa import group_views  # noqa: E402,F401
from app.pwa import warning_views  # noqa: E402,F401
from app.pwa import service_views  # noqa: E402,F401
from app.pwa import map_views  # noqa: E402,F401
from app.pwa import export_views  # noqa: E402,F401
from app.pwa import report_views  # noqa: E402,F401
from app.pwa import dashboard_views  # noqa: E402,F401
from app.pwa import licence_request_views  # noqa: E402,F401
