"""Open data benchmark: gunicorn with 2 workers on PostgreSQL, the demo city loaded into a fresh database
(created here and dropped at the end; the demo load makes the published quarter's open data set, as the
hourly job would), driven by concurrent anonymous clients. In one run:

- the bare JSON endpoint /api/health (the floor: the same app, one SELECT 1);
- GET /api/open/grades?page=N: a page of 100 shops of the published quarter, each client walking its own
  pages, no cache on the client (every answer a full 200);
- the same with If-None-Match (a client that cached the page: 304, no body);
- GET /public?q=<pinyin initials>: the landing page's search.

Printed: requests per second, p50 and p95 of each, the target (a page of 100 at p95 <= 100 ms with 20
clients) met or missed, and the machine load (the machine is shared). The rate limit is off for the run
(all clients come from one address).

    .venv/bin/python bench/open_data_bench.py [--retailers 20000] [--clients 20] [--seconds 15]
"""
import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from http_bench import BIN, PG_ADMIN_URL, Client, _free_port, load  # noqa: E402

TARGET_P95_MS = 100


def _in_process(env, pages, etags, n=300):
    """Each endpoint through the app in this process, sequentially: mean CPU time per request."""
    for key in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY", "RATELIMIT_ENABLED"):
        os.environ[key] = env[key]
    from app import create_app

    app = create_app("development")
    client = app.test_client()
    rng = random.Random(1)
    cases = [("bare GET /api/health", lambda: client.get("/api/health")),
             ("GET /api/open/grades (100 shops)", lambda: client.get(f"/api/open/grades?page={rng.randint(1, pages)}")),
             ("  same, first time in this process", None),
             ("  same, If-None-Match (304)", lambda: _cached(client, rng, pages, etags)),
             ("GET /public?q=<initials>", lambda: client.get(f"/public?q={rng.choice(['hxbl', 'bld', 'cs', 'yj'])}"))]
    out = []
    # cold pages first: every page once, before the cache holds it
    t0 = time.process_time()
    for page in range(1, pages + 1):
        assert client.get(f"/api/open/grades?page={page}").status_code == 200
    cold = (time.process_time() - t0) / pages * 1000
    for label, fn in cases:
        if fn is None:
            out.append((label, cold))
            continue
        fn()
        t0 = time.process_time()
        for _i in range(n):
            fn()
        out.append((label, (time.process_time() - t0) / n * 1000))
    return out


def _cached(client, rng, pages, etags):
    page = rng.randint(1, pages)
    r = client.get(f"/api/open/grades?page={page}", headers={"If-None-Match": etags[page]})
    assert r.status_code == 304
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--retailers", type=int, default=20000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--keep", action="store_true", help="keep the database (prints its URL)")
    args = ap.parse_args()

    from sqlalchemy import create_engine, text

    name = "credit_obench_" + secrets.token_hex(5)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    instance = tempfile.mkdtemp(prefix="open-bench-")
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_PATH": instance, "APP_ENV": "development",
           "SECRET_KEY": secrets.token_hex(16), "RATELIMIT_ENABLED": "false", "FLASK_APP": "wsgi"}
    env.pop("REDIS_URL", None)
    gunicorn = None
    try:
        t0 = time.monotonic()
        subprocess.run([f"{BIN}/flask", "--app", "wsgi", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        subprocess.run([f"{BIN}/flask", "--app", "wsgi", "demo", "load", "--seed", "2026", "--retailers",
                        str(args.retailers)], env=env, cwd=ROOT, check=True, capture_output=True)
        print(f"database {name}: demo city of {args.retailers} licences loaded in {time.monotonic() - t0:.0f} s")

        port = _free_port()
        gunicorn = subprocess.Popen([f"{BIN}/gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                     "--log-level", "warning", "wsgi:app"], env=env, cwd=ROOT)
        for _i in range(100):
            try:
                if Client(port).request("GET", "/api/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)

        probe = Client(port)
        status, body = probe.request("GET", "/api/open/datasets")
        datasets = json.loads(body)
        assert status == 200 and datasets, f"no open data set: {status} {body[:200]}"
        rows = datasets[0]["rows"]
        pages = max(1, (rows + 99) // 100)
        status, body = probe.request("GET", "/api/open/grades")
        assert status == 200 and len(json.loads(body)) == min(100, rows), "a page is not 100 shops"
        print(f"open data set {datasets[0]['quarter']}: {rows} shops, {pages} pages of 100")

        clients = [Client(port) for _k in range(args.clients)]
        rngs = [random.Random(k) for k in range(args.clients)]
        etags = {}

        def bare(k):
            return clients[k].request("GET", "/api/health")[0]

        def grades(k):
            page = rngs[k].randint(1, pages)
            status, data = clients[k].request("GET", f"/api/open/grades?page={page}")
            if status == 200 and len(json.loads(data)) != min(100, rows - (page - 1) * 100):
                return 599
            return status

        # one ETag per page, for the cached client
        import http.client

        for page in range(1, pages + 1):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", f"/api/open/grades?page={page}")
            r = conn.getresponse()
            r.read()
            etags[page] = r.getheader("ETag")
            conn.close()

        def cached(k):
            page = rngs[k].randint(1, pages)
            status, _d = clients[k].request("GET", f"/api/open/grades?page={page}",
                                            headers={"If-None-Match": etags[page]})
            return 200 if status == 304 else 599

        words = ["hxbl", "bld", "cs", "yj", "hx", "jy", "xm"]

        def landing(k):
            return clients[k].request("GET", f"/public?q={rngs[k].choice(words)}")[0]

        in_process = _in_process(env, pages, etags)
        load_before = os.getloadavg()
        results = [("bare GET /api/health", load(port, args.clients, args.seconds, bare)),
                   ("GET /api/open/grades (100 shops)", load(port, args.clients, args.seconds, grades)),
                   ("  same, If-None-Match (304)", load(port, args.clients, args.seconds, cached)),
                   ("GET /public?q=<initials>", load(port, args.clients, args.seconds, landing))]
        load_after = os.getloadavg()
        print(f"\ngunicorn 2 workers, PostgreSQL, {args.clients} concurrent clients, {args.seconds:.0f} s each; "
              f"load average {load_before[0]:.1f} -> {load_after[0]:.1f} (2 cores, shared)")
        print(f"{'endpoint':<38}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
        for label, (rps, p95, p50, errors, _cpu) in results:
            print(f"{label:<38}{rps:>9.1f}{p50:>9.1f}{p95:>9.1f}{len(errors):>8}")
            if errors:
                print(f"    first errors: {errors[:5]}")
        print("\nin process, one request at a time (CPU time, no queueing; the machine's load still counts):")
        for label, ms in in_process:
            print(f"    {label:<36}{ms:>7.2f} ms per request")
        bare_rps = results[0][1][0]
        page_rps, page_p95 = results[1][1][0], results[1][1][1]
        print(f"\nopen data page of 100: p95 = {page_p95:.0f} ms at {args.clients} clients "
              f"(target <= {TARGET_P95_MS} ms: {'MET' if page_p95 <= TARGET_P95_MS else 'MISSED'}); "
              f"{page_rps / bare_rps:.0%} of the bare endpoint's rate")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        if args.keep:
            print(f"kept {url}")
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
