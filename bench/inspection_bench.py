"""Benchmark: field inspections on the server side. Prints figures (median of several runs, each beside
a floor measured in the same run):

- a submission with three photos (three uploads, then the inspection), through the WSGI app: target < 1 s;
- the phone's data pack of a 3,000-shop county: build time, JSON and gzip size;
- the app shell's first load, gzip sizes of the inspector's home page, the field app and the assets
  the service worker precaches: budget 150 KB;
- the inspection record as PDF (three photos and the signature).

The in-browser figures (shop-list filter time, tap-to-acknowledgement) are printed by
tests/browser/test_inspection_perf.py (run it with -s).

    .venv/bin/python bench/inspection_bench.py [--runs 5] [--shops 3000]
"""
import argparse
import gzip
import io
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="inspection-bench-"))

from PIL import Image  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

COUNTY = "320812"
PASSWORD = "Bench-pass-1"


def _ms(seconds):
    return f"{seconds * 1000:7.1f} ms"


def _jpeg(color, size=(1600, 1200)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _png_signature():
    img = Image.new("RGB", (700, 260), "white")
    for x in range(40, 660):
        img.putpixel((x, 130 + (x % 40) - 20), (0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def setup(app, shops):
    from flask_migrate import upgrade

    from app.auth.models import User
    from app.auth.services import hash_password
    from app.org.services import ensure_units
    from tests.inspections.bulk import make_county_shops

    upgrade()
    units = ensure_units()
    db.session.commit()
    make_county_shops(shops, COUNTY, start=1)
    h = hash_password(PASSWORD)
    users = [User(username=f"bench_{k}", display_name=f"检查员{k}", role="inspector", unit=units[COUNTY],
                  password_hash=h, is_enabled=True) for k in range(2)]
    db.session.add_all(users)
    db.session.commit()
    return users[0].username, users[1].id


class _Ref:
    def __init__(self, id_):
        self.id = id_


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shops", type=int, default=3000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="inspection-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=os.path.join(tmp, "uploads"))
    from tests.conftest import Session
    from tests.inspections.conftest import capture, new_id

    with app.app_context():
        username, second_id = setup(app, args.shops)
        from app.retailers.models import Retailer

        shop_id = db.session.scalar(db.select(Retailer.id).order_by(Retailer.id).limit(1))
        db.session.execute(db.update(Retailer).where(Retailer.id == shop_id).values(lat=33.59, lng=119.02))
        db.session.commit()

    client = app.test_client()
    s = Session(client)
    s.login(username, PASSWORD)
    s.csrf()
    photos = [_jpeg(c) for c in ((200, 0, 0), (0, 200, 0), (0, 0, 200))]
    signature = _png_signature()
    print(f"database: {url.split('://')[0]}; shops in the county: {args.shops}; runs: {args.runs}")

    # 1. submission with three photos and a signature
    totals, uploads, submits, floors = [], [], [], []
    last_id = None
    for _ in range(args.runs):
        t = time.perf_counter()
        s.get("/api/health")
        floors.append(time.perf_counter() - t)
        cap = new_id()
        ids = []
        t0 = time.perf_counter()
        for k, data in enumerate(photos + [signature]):
            fid = new_id()
            kind = "signature" if k == 3 else "photo"
            t1 = time.perf_counter()
            r = s.post("/api/inspections/uploads", data={"uuid": fid, "inspection_uuid": cap, "kind": kind,
                                                         "file": (io.BytesIO(data), "f", "image/jpeg")},
                       content_type="multipart/form-data")
            assert r.status_code == 201, r.get_json()
            uploads.append(time.perf_counter() - t1)
            ids.append(fid)
        body = capture(_Ref(shop_id), _Ref(second_id), uuid=cap, photos=ids[:3], signature=ids[3])
        t1 = time.perf_counter()
        r = s.post("/api/inspections", json=body)
        assert r.status_code == 201, r.get_json()
        submits.append(time.perf_counter() - t1)
        totals.append(time.perf_counter() - t0)
        last_id = r.get_json()["id"]
        assert s.post("/api/inspections", json=body).status_code == 200  # a replay, not timed
    print("\n== submission: 3 photos (1600x1200 JPEG) + signature, then the inspection ==")
    print(f"  floor GET /api/health      {_ms(statistics.median(floors))}")
    print(f"  one upload (median)        {_ms(statistics.median(uploads))}")
    print(f"  the inspection (median)    {_ms(statistics.median(submits))}")
    print(f"  total, acknowledged        {_ms(statistics.median(totals))}   target < 1000 ms "
          f"({statistics.median(totals) / statistics.median(floors):.0f}x the floor)")

    # 2. the data pack
    times = []
    body = b""
    for _ in range(args.runs):
        t = time.perf_counter()
        r = s.get("/api/inspections/pack")
        times.append(time.perf_counter() - t)
        body = r.data
    print(f"\n== data pack, {args.shops} shops ==")
    print(f"  build and serialise        {_ms(statistics.median(times))}")
    packed = len(gzip.compress(body, 6))
    print(f"  size                       {len(body) / 1024:7.0f} KB JSON, {packed / 1024:.0f} KB gzip")

    # 3. the app shell's first load (what the inspector's first pages and the service worker fetch)
    with app.test_request_context():
        from app.pwa.views import _shell_files

        shell_urls = _shell_files()
    urls = ["/", "/inspect", "/sw.js"] + shell_urls
    sizes = {}
    for u in dict.fromkeys(urls):
        r = s.get(u)
        assert r.status_code == 200, u
        sizes[u] = len(gzip.compress(r.data, 6))
    print("\n== app shell, first load, gzip ==")
    for u, n in sizes.items():
        print(f"  {n:7d} B  {u}")
    total = sum(sizes.values())
    print(f"  {total:7d} B  TOTAL ({total / 1024:.1f} KB; budget 150 KB) {'OK' if total <= 150 * 1024 else 'OVER'}")

    # 4. the record as PDF
    times = []
    size = 0
    for _ in range(max(2, args.runs // 2)):
        t = time.perf_counter()
        r = s.get(f"/inspections/{last_id}/record.pdf")
        times.append(time.perf_counter() - t)
        size = len(r.data)
        assert r.status_code == 200
    print(f"\n== record PDF (3 photos, signature) ==\n  render                     {_ms(statistics.median(times))}"
          f"   {size / 1024:.0f} KB")
    return 0 if total <= 150 * 1024 and statistics.median(totals) < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
