"""A small fake of the local credit platform (and of a partner's callback receiver): a real HTTP server
on localhost in a thread (werkzeug's make_server), keeping what it was sent."""
import json
import threading

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class FakePlatform:
    def __init__(self, token="platform-token"):
        self.token = token
        self.items: dict[str, str] = {}  # key -> published | withdrawn
        self.batches: list[dict] = []
        self.seen_keys: set[str] = set()
        self.callbacks: list[tuple[dict, dict]] = []
        self.fail_next = 0
        self.server = make_server("127.0.0.1", 0, self.wsgi)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)

    def wsgi(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request):
        if request.path == "/callback" and request.method == "POST":
            self.callbacks.append((dict(request.headers), json.loads(request.get_data())))
            return Response("ok")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Response("unauthorised", status=401)
        if request.path == "/batches" and request.method == "POST":
            if self.fail_next:
                self.fail_next -= 1
                return Response("busy", status=503)
            key = request.headers.get("Idempotency-Key")
            body = json.loads(request.get_data())
            if key not in self.seen_keys:
                self.seen_keys.add(key)
                self.batches.append(body)
                for row in body.get("penalties", []) + body.get("lists", []):
                    self.items[row["编号"]] = "published"
                for row in body.get("withdrawals", []):
                    self.items[row["编号"]] = "withdrawn"
            return Response(json.dumps({"accepted": True}), content_type="application/json")
        if request.path == "/inventory" and request.method == "GET":
            return Response(json.dumps({"items": [{"key": k, "state": s} for k, s in sorted(self.items.items())]}),
                            content_type="application/json")
        return Response("not found", status=404)
