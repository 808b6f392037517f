"""The inspection record as PDF (现场检查记录), rendered with WeasyPrint.

Always in Chinese (the record has legal weight and is filed with the case), whatever the language
of the person downloading it. Photos and the signature are embedded from storage as data: URIs and
the renderer may fetch nothing else (no file:, no http:), so a record can never pull in an outside
resource."""
import base64

from flask import render_template
from flask_babel import force_locale

from app.inspections.labels import label
from app.storage import services as storage


def _data_uri(inspection_file) -> str | None:
    stored = inspection_file.file
    try:
        data = storage.read_bytes(stored)
    except OSError:
        return None
    return f"data:{stored.content_type};base64," + base64.b64encode(data).decode()


def render(inspection) -> bytes:
    from weasyprint import HTML, URLFetcher

    images = {f.file_id: _data_uri(f) for f in inspection.files}
    with force_locale("zh_Hans_CN"):
        html = render_template("inspections/record_pdf.html", i=inspection, images=images, L=label)
    return HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
