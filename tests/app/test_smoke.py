def test_health_reports_database(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_openapi_document_and_local_docs(client):
    spec = client.get("/api/openapi.json")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    assert "/api/retailers" in paths and "/api/retailers/search" in paths
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_the_offline_page_never_takes_the_messages_of_another_page(app, make_user, signed_in):
    """The service worker fetches /offline in the background while the user works: it must not take
    away (nor keep in its cache) the message meant for the next page."""
    s = signed_in(make_user("supervisor"))
    with s.client.session_transaction() as session:
        session["_flashes"] = [("ok", "已保存测试消息")]
    assert "已保存测试消息" not in s.get("/offline").get_data(as_text=True)
    assert "已保存测试消息" in s.get("/").get_data(as_text=True)
