from flask import Blueprint

bp = Blueprint("pwa", __name__, template_folder="templates")

from app.pwa import views, admin_views, retailer_views  # noqa: E402,F401
from app.pwa import scheduling_views  # noqa: E402,F401
from app.pwa import evaluation_views  # noqa: E402,F401
from app.pwa import credit_views  # noqa: E402,F401
from app.pwa import inspection_views  # noqa: E402,F401
