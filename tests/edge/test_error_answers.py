"""Error answers: the right status name, the headers the status needs (Allow on a 405), and the
message in the user's language (Chinese by default, English on request), for the API and pages."""
import pytest


from app.common.errors import ServiceError
from app.errors import handle_service_error


def test_405_keeps_the_allow_header_on_the_api_and_pages(client):
    api = client.post("/api/health")
    assert api.status_code == 405
    assert set(api.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    body = api.get_json()
    assert (body["code"], body["status"], body["message"]) == (405, "Method Not Allowed", "不支持此操作方式。")
    page = client.put("/offline")
    assert page.status_code == 405 and "GET" in page.headers["Allow"]
    assert page.mimetype == "text/html"


@pytest.mark.parametrize("status,name", [(404, "Not Found"), (413, "Request Entity Too Large"), (403, "Forbidden"),
                                         (409, "Conflict"), (422, "Unprocessable Entity")])
def test_a_refused_service_call_names_its_own_status(app, status, name):
    with app.test_request_context("/api/anything"):
        response = handle_service_error(ServiceError({"file": ["x"]}, status=status))
    body = response.get_json()
    assert (response.status_code, body["code"], body["status"]) == (status, status, name)


def test_413_from_the_server_names_its_status(app, client):
    app.config["MAX_CONTENT_LENGTH"], old = 1000, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = client.post("/api/inspections/uploads", data={"uuid": "x" * 2000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert response.status_code == 413
    assert response.get_json()["status"] == "Request Entity Too Large"


def test_error_messages_follow_the_users_language(client):
    zh = client.get("/api/retailers/1")
    assert zh.status_code == 401 and zh.get_json()["message"] == "请先登录。"
    en = client.get("/api/retailers/1?lang=en")
    assert en.get_json()["message"] == "Please sign in."
    page_en = client.get("/verify/x%00y?lang=en")
    assert page_en.status_code == 400 and "not allowed" in page_en.get_data(as_text=True)
    assert client.get("/api/no-such-thing").get_json()["message"] == "未找到。"
    client.set_cookie("lang", "en")
    missing = client.get("/api/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["message"] == "Not found."
    assert "Not found." in client.get("/no-such-page").get_data(as_text=True)

