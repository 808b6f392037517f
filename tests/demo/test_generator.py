"""The demo-city generator: deterministic, well-formed and shaped like Huai'an."""
import ast
import hashlib
import itertools
import os
import random
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from app.demo import geo, generator
from app.demo.generator import (
    BUSINESS_FORMATS, MARKET_TYPES, RETAILER_KEYS, STATUSES, USER_KEYS, City, add_years, age_on, generate_city,
    id_birth_date, id_checksum_ok, make_id_number,
)

TODAY = date(2026, 11, 29)
ROOT = Path(__file__).resolve().parents[2]
COUNTY_CODES = [c["code"] for c in geo.COUNTIES]
SUFFIXES = {"320812": "qjp", "320803": "ha", "320804": "hy", "320813": "hz", "320826": "ls", "320830": "xy",
            "320831": "jh", "320871": "kfq"}


@pytest.fixture(scope="module")
def big():
    return generate_city(2026, 20000, TODAY)


@pytest.fixture(scope="module")
def small():
    return generate_city(7, 1500, TODAY)


def _share(rows, key, value):
    return sum(1 for r in rows if r[key] == value) / len(rows)


def _digest(city: City) -> str:
    return hashlib.sha256(repr((city.retailers, city.users, city.operators)).encode()).hexdigest()


# --------------------------------------------------------------------------- geography

def test_polygons_have_8_to_20_vertices_and_do_not_cross_themselves():
    def crosses(a, b, c, d):
        def orient(p, q, r):
            return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return orient(a, b, c) * orient(a, b, d) < 0 and orient(c, d, a) * orient(c, d, b) < 0

    assert sorted(COUNTY_CODES) == sorted(SUFFIXES)
    for county in geo.COUNTIES:
        poly = county["polygon"]
        assert 8 <= len(poly) <= 20, county["name"]
        for lng, lat in poly:
            assert 118.1 < lng < 119.8 and 32.6 < lat < 34.2, (county["name"], lng, lat)
        edges = [(poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly))]
        for i, j in itertools.combinations(range(len(edges)), 2):
            if j - i > 1 and not (i == 0 and j == len(edges) - 1):
                assert not crosses(*edges[i], *edges[j]), (county["name"], i, j)


def test_polygons_do_not_overlap_and_areas_are_plausible():
    # Real areas (km², lakes included): Huai'an ~10,030 in all, 盱眙 the largest, the zone small.
    areas = {c["code"]: geo.polygon_area_km2(c["polygon"]) for c in geo.COUNTIES}
    assert 9000 < sum(areas.values()) < 11000
    assert max(areas, key=areas.get) == "320830"
    assert min(areas, key=areas.get) == "320871"
    overlaps = cells = 0
    for i in range(150):
        for j in range(150):
            lat, lng = 32.70 + i * 0.0093, 118.20 + j * 0.0099
            hits = sum(geo.point_in_polygon(lat, lng, c["polygon"]) for c in geo.COUNTIES)
            cells += hits > 0
            overlaps += hits > 1
    assert cells > 5000
    assert overlaps == 0


def test_seats_and_towns_lie_in_their_own_unit_on_land():
    for county in geo.COUNTIES:
        assert 3 <= len(county["towns"]) <= 8
        places = [("seat", *county["seat"])] + list(county["towns"])
        for name, lat, lng in places:
            assert geo.county_at(lat, lng) == county["code"], (county["name"], name)
            assert not geo.in_lake(lat, lng), (county["name"], name)


def test_point_in_polygon_basics():
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    assert geo.point_in_polygon(0.5, 0.5, square)
    assert not geo.point_in_polygon(1.5, 0.5, square)
    assert not geo.point_in_polygon(0.5, -0.1, square)
    # The city centre is in 清江浦区, the middle of 洪泽湖 is water, Nanjing is outside.
    assert geo.county_at(33.60, 119.02) == "320812"
    assert geo.in_lake(33.30, 118.60)
    assert geo.county_at(32.06, 118.80) is None


def test_shares_sum_to_one():
    assert abs(sum(c["share"] for c in geo.COUNTIES) - 1.0) < 1e-9


# --------------------------------------------------------------------------- determinism

def test_same_seed_same_city_other_seed_other_city(small):
    again = generate_city(7, 1500, TODAY)
    assert again == small
    other = generate_city(8, 1500, TODAY)
    assert other.retailers != small.retailers
    assert [r["shop_name"] for r in other.retailers] != [r["shop_name"] for r in small.retailers]
    assert [r["operator_id_number"] for r in other.retailers] != [r["operator_id_number"] for r in small.retailers]


def test_does_not_touch_the_global_random_state():
    random.seed(12345)
    expected = random.Random(12345).random()
    generate_city(3, 300, TODAY)
    assert random.random() == expected


def test_independent_of_hash_randomisation(small):
    code = ("import hashlib,sys; from datetime import date; from app.demo.generator import generate_city as g; "
            "c=g(7,1500,date(2026,11,29)); "
            "print(hashlib.sha256(repr((c.retailers,c.users,c.operators)).encode()).hexdigest())")
    digests = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                             check=True)
        digests.add(out.stdout.strip())
    assert digests == {_digest(small)}


def test_today_changes_dates_not_randomness():
    a = generate_city(5, 200, date(2026, 1, 1))
    b = generate_city(5, 200, date(2026, 1, 1))
    assert a == b
    assert all(r["licence_issued_on"] <= date(2026, 1, 1) for r in a.retailers)


# --------------------------------------------------------------------------- retailers

@pytest.mark.parametrize("n", [0, 1, 2, 5, 137, 999])
def test_n_is_respected(n):
    city = generate_city(11, n, TODAY)
    assert len(city.retailers) == n
    assert len({r["licence_no"] for r in city.retailers}) == n


def test_retailer_dicts_have_exactly_the_agreed_keys(small):
    for r in small.retailers:
        assert tuple(r) == RETAILER_KEYS


def test_licence_numbers_unique_and_well_formed(big):
    nos = [r["licence_no"] for r in big.retailers]
    assert len(set(nos)) == len(nos)
    assert nos == sorted(nos)
    for r in big.retailers:
        assert re.fullmatch(r"\d{12}", r["licence_no"])
        assert r["licence_no"][:6] == r["county_code"]
        assert r["county_code"] in COUNTY_CODES


def test_every_shop_stands_on_land_in_its_own_county(big):
    for r in big.retailers:
        assert isinstance(r["lat"], float) and isinstance(r["lng"], float)
        assert round(r["lat"], 6) == r["lat"] and round(r["lng"], 6) == r["lng"]
        poly = geo.county_by_code(r["county_code"])["polygon"]
        assert geo.point_in_polygon(r["lat"], r["lng"], poly), r
        assert not geo.in_lake(r["lat"], r["lng"]), r


def test_city_shops_cluster_at_the_seat_and_town_shops_at_a_town(big):
    for r in big.retailers:
        county = geo.county_by_code(r["county_code"])
        if r["market_type"] == "city":
            assert geo.distance_km(r["lat"], r["lng"], *county["seat"]) < 3.1, r
        elif r["market_type"] == "town":
            nearest = min(geo.distance_km(r["lat"], r["lng"], lat, lng) for _, lat, lng in county["towns"])
            assert nearest < 1.6, r
    # Village shops really are scattered: most are far from the seat.
    far = [r for r in big.retailers if r["market_type"] == "village"
           and geo.distance_km(r["lat"], r["lng"], *geo.county_by_code(r["county_code"])["seat"]) > 5]
    assert len(far) > 0.8 * sum(1 for r in big.retailers if r["market_type"] == "village")


def test_proportions_match_the_domain(big):
    rows = big.retailers
    targets = {
        "market_type": {"city": 0.61, "town": 0.28, "village": 0.11},
        "business_format": {"grocery": 0.60, "convenience": 0.17, "supermarket": 0.03, "tobacco_liquor": 0.02,
                            "entertainment": 0.06, "other": 0.12},
        "status": {"active": 0.97, "suspended": 0.01, "cancelled": 0.02},
        "county_code": {c["code"]: c["share"] for c in geo.COUNTIES},
    }
    for key, expected in targets.items():
        assert {r[key] for r in rows} == set(expected), key
        for value, share in expected.items():
            assert abs(_share(rows, key, value) - share) < 0.02, (key, value, _share(rows, key, value))
    assert set(MARKET_TYPES) == set(targets["market_type"])
    assert set(BUSINESS_FORMATS) == set(targets["business_format"])
    assert set(STATUSES) == set(targets["status"])
    # The urban core is mostly city proper; the rural counties are not.
    qjp = [r for r in rows if r["county_code"] == "320812"]
    xy = [r for r in rows if r["county_code"] == "320830"]
    assert _share(qjp, "market_type", "city") > 0.75 > _share(xy, "market_type", "city")


def test_licence_dates(big):
    rows = big.retailers
    new = sum(1 for r in rows if (TODAY - r["licence_issued_on"]).days <= 183) / len(rows)
    expired = sum(1 for r in rows if r["licence_expires_on"] <= TODAY) / len(rows)
    assert 0.02 < new < 0.045
    assert 0.005 < expired < 0.02
    oldest = min(r["licence_issued_on"] for r in rows)
    assert add_years(TODAY, -16) <= oldest < add_years(TODAY, -13)
    for r in rows:
        issued, expires = r["licence_issued_on"], r["licence_expires_on"]
        assert issued <= TODAY
        years = expires.year - issued.year
        assert years % 5 == 0 and years >= 5, r
        assert add_years(issued, years) == expires, r
        if expires <= TODAY:
            assert (TODAY - expires).days <= 366, r  # lapsed recently, not years ago
        else:
            assert add_years(expires, -5) <= TODAY, r  # the current term has started


def test_tiers_are_bell_shaped_and_bigger_shops_rank_higher(big):
    tiers = [r["tier"] for r in big.retailers]
    assert min(tiers) >= 1 and max(tiers) <= 30
    assert all(isinstance(t, int) for t in tiers)
    mean = sum(tiers) / len(tiers)
    assert 12 <= mean <= 18
    middle = sum(1 for t in tiers if 10 <= t <= 20) / len(tiers)
    assert middle > 0.7

    def avg(fmt):
        xs = [r["tier"] for r in big.retailers if r["business_format"] == fmt]
        return sum(xs) / len(xs)

    assert avg("supermarket") > avg("grocery") + 3
    assert avg("tobacco_liquor") > avg("grocery") + 3


def test_id_numbers_are_valid_and_ages_in_range(big):
    for r in big.retailers:
        idn = r["operator_id_number"]
        assert re.fullmatch(r"\d{17}[\dX]", idn)
        assert id_checksum_ok(idn), idn
        assert idn[:6] in generator.HUAIAN_ID_REGION_CODES and idn.startswith("3208")
        birth = id_birth_date(idn)
        assert 22 <= age_on(birth, TODAY) <= 70, idn
        assert add_years(birth, 18) <= r["licence_issued_on"], r  # an adult when licensed
    ages = [age_on(id_birth_date(o["id_number"]), TODAY) for o in big.operators]
    assert 40 <= sum(ages) / len(ages) <= 55
    men = sum(1 for o in big.operators if int(o["id_number"][16]) % 2 == 1)
    assert 0.5 < men / len(big.operators) < 0.75
    assert all(o["male"] == (int(o["id_number"][16]) % 2 == 1) for o in big.operators)


def test_id_checksum_ok_rejects_bad_numbers():
    assert id_checksum_ok("11010519491231002X")  # the textbook example
    assert id_checksum_ok("11010519491231002x")
    assert not id_checksum_ok("110105194912310021")
    assert not id_checksum_ok("11010519491231002")
    assert not id_checksum_ok("1101051949123100２X")
    assert not id_checksum_ok(None)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(generator.HUAIAN_ID_REGION_CODES), st.dates(date(1950, 1, 1), date(2004, 12, 31)),
       st.integers(0, 999), st.integers(0, 16), st.integers(1, 9))
def test_made_ids_check_and_any_single_digit_change_is_caught(region, birth, seq, pos, delta):
    idn = make_id_number(region, birth, seq)
    assert id_checksum_ok(idn)
    assert id_birth_date(idn) == birth
    broken = idn[:pos] + str((int(idn[pos]) + delta) % 10) + idn[pos + 1:]
    assert not id_checksum_ok(broken)


def test_phones_are_mainland_mobiles(big):
    for r in big.retailers:
        assert re.fullmatch(r"1(3\d|5[0-35-9]|8\d|9[1356789])\d{8}", r["phone"]), r["phone"]


def test_names_and_addresses_look_chinese(big):
    for r in big.retailers:
        assert 2 <= len(r["operator_name"]) <= 4
        assert all("\u4e00" <= ch <= "\u9fff" for ch in r["operator_name"])
        assert 2 <= len(r["shop_name"]) <= 40
        county = geo.county_by_code(r["county_code"])
        assert r["address"].startswith("江苏省淮安市" + county["name"]), r["address"]
        assert r["address"].endswith("号") or r["address"].endswith("摊位"), r["address"]
        if r["market_type"] == "village":
            assert "村" in r["address"] and "组" in r["address"], r["address"]
        if r["market_type"] == "town":
            assert any(r["address"].startswith("江苏省淮安市" + county["name"] + t) for t, _, _ in county["towns"])
    surnames = Counter(r["operator_name"][0] for r in big.retailers)
    assert surnames.most_common(1)[0][0] in "王李张"
    assert {s for s, _ in surnames.most_common(3)} <= set("王李张刘陈")
    assert len(surnames) > 60
    # Patterns are mixed: brands with a format, 老王-style, chains with a branch, entertainment venues.
    shop_names = [r["shop_name"] for r in big.retailers]
    assert any(n.startswith("老") for n in shop_names)
    assert any(re.search(r"^[\u4e00-\u9fff]{2,6}\([\u4e00-\u9fff]+店\)$", n) for n in shop_names)
    venues = [r["shop_name"] for r in big.retailers if r["business_format"] == "entertainment"]
    assert all(re.search("饭店|酒店|酒家|菜馆|KTV|茶楼|棋牌|洗浴|宾馆|网咖", n) for n in venues)
    assert len(set(shop_names)) > 0.3 * len(shop_names)


def test_search_by_pinyin_initials_finds_huaxing(big):
    def initials(s):
        return "".join(p[0] for p in lazy_pinyin(s, style=Style.FIRST_LETTER) if p).lower()

    exact = [r for r in big.retailers if r["shop_name"] == "华兴便利"]
    assert len(exact) >= 3
    assert {r["county_code"] for r in exact} >= {"320812"}
    assert sum(1 for r in big.retailers if "hxbl" in initials(r["shop_name"])) >= 3


def test_some_operators_hold_several_licences(big):
    by_id = defaultdict(list)
    for r in big.retailers:
        by_id[r["operator_id_number"]].append(r)
    sizes = Counter(len(v) for v in by_id.values())
    assert set(sizes) <= {1, 2, 3}
    multi = sizes[2] + sizes[3]
    assert 0.01 < multi / len(by_id) < 0.03
    same_county = 0
    for rows in by_id.values():
        assert len({r["operator_name"] for r in rows}) == 1
        assert len({r["phone"] for r in rows}) == 1
        if len(rows) > 1:
            same_county += len({r["county_code"] for r in rows}) == 1
    assert same_county > 0.7 * multi
    # The operators list agrees with the retailers.
    assert len(big.operators) == len(by_id)
    for op in big.operators:
        assert sorted(r["licence_no"] for r in by_id[op["id_number"]]) == op["licence_nos"]
    phones = [op["phone"] for op in big.operators]
    assert len(set(phones)) == len(phones)


def test_even_a_small_city_has_one_multi_licence_operator():
    city = generate_city(1, 3, TODAY)
    assert max(len(op["licence_nos"]) for op in city.operators) >= 2


# --------------------------------------------------------------------------- users

def test_user_list_as_specified(big):
    users = big.users
    for u in users:
        assert tuple(u) == USER_KEYS
        assert u["role"] in generator.ROLES
        assert u["display_name"]
        assert u["county_code"] is None or u["county_code"] in COUNTY_CODES
        assert isinstance(u["retailer_licence_nos"], list)
        assert (u["role"] == "retailer") == bool(u["retailer_licence_nos"])
        # enforcement officers carry a certificate number (执法证号): region code and a serial
        if u["role"] in ("inspector", "supervisor"):
            assert len(u["enforcement_cert_no"]) == 11 and u["enforcement_cert_no"].isdigit()
            assert u["enforcement_cert_no"].startswith(u["county_code"] or "320800")
        else:
            assert u["enforcement_cert_no"] is None
    certs = [u["enforcement_cert_no"] for u in users if u["enforcement_cert_no"]]
    assert len(set(certs)) == len(certs)
    usernames = [u["username"] for u in users]
    assert len(set(usernames)) == len(usernames)
    by_name = {u["username"]: u for u in users}
    assert by_name["admin"]["role"] == "admin" and by_name["admin"]["county_code"] is None
    assert by_name["city_sup"]["role"] == "supervisor" and by_name["city_sup"]["county_code"] is None
    for username in ("partner_credit", "partner_market", "partner_consumer", "partner_pboc"):
        assert by_name[username]["role"] == "partner" and by_name[username]["county_code"] is None
    assert by_name["partner_credit"]["display_name"].endswith("信用办")
    assert by_name["mkt_city"]["role"] == "mkt_supervisor" and by_name["mkt_city"]["county_code"] is None
    assert by_name["ordering"]["role"] == "ordering"

    inspectors = [u for u in users if u["role"] == "inspector"]
    assert len(inspectors) == 150
    per_county = Counter(u["county_code"] for u in inspectors)
    assert set(per_county) == set(COUNTY_CODES)
    for code, suffix in SUFFIXES.items():
        assert by_name[f"sup_{suffix}"]["role"] == "supervisor"
        assert by_name[f"sup_{suffix}"]["county_code"] == code
        for k in (1, 2, 3):
            assert by_name[f"mkt_{suffix}_{k}"]["role"] == "marketer"
            assert by_name[f"mkt_{suffix}_{k}"]["county_code"] == code
        assert f"mkt_{suffix}_4" not in by_name
        assert per_county[code] >= 4 and per_county[code] % 2 == 0
        names = sorted(u["username"] for u in inspectors if u["county_code"] == code)
        assert names == sorted(f"insp_{suffix}_{k}" for k in range(1, per_county[code] + 1))
    # Spread by retailer share: the urban core has the most, the zone the fewest.
    assert per_county["320812"] == max(per_county.values())
    assert per_county["320871"] == min(per_county.values())


def test_retailer_users(big):
    by_no = {r["licence_no"]: r for r in big.retailers}
    by_name = {u["username"]: u for u in big.users}
    demo = by_name["retailer_demo"]
    assert demo["role"] == "retailer" and len(demo["retailer_licence_nos"]) == 1
    shop = by_no[demo["retailer_licence_nos"][0]]
    assert shop["county_code"] == "320812" and shop["status"] == "active"
    assert shop["licence_expires_on"] > TODAY
    assert demo["display_name"] == shop["operator_name"]

    multi = by_name["retailer_multi"]
    shops = [by_no[n] for n in multi["retailer_licence_nos"]]
    assert len(shops) >= 2
    assert len({s["operator_id_number"] for s in shops}) == 1
    assert multi["display_name"] == shops[0]["operator_name"]
    owned = [r["licence_no"] for r in big.retailers if r["operator_id_number"] == shops[0]["operator_id_number"]]
    assert sorted(owned) == multi["retailer_licence_nos"]

    extra = [u for u in big.users if u["username"].startswith("r_")]
    assert 45 <= len(extra) <= 55
    for u in extra:
        assert u["role"] == "retailer"
        assert u["username"] == "r_" + u["retailer_licence_nos"][0]
        ids = {by_no[n]["operator_id_number"] for n in u["retailer_licence_nos"]}
        assert len(ids) == 1
    assert {by_no[u["retailer_licence_nos"][0]]["county_code"] for u in extra} == set(COUNTY_CODES)
    linked = [n for u in big.users for n in u["retailer_licence_nos"]]
    assert len(linked) == len(set(linked))  # no licence belongs to two accounts


def test_staff_accounts_do_not_depend_on_the_number_of_retailers():
    a = [u for u in generate_city(9, 100, TODAY).users if u["role"] != "retailer"]
    b = [u for u in generate_city(9, 300, TODAY).users if u["role"] != "retailer"]
    assert a == b


@pytest.mark.parametrize("seed", range(6))
def test_tiny_cities_still_have_the_named_accounts(seed):
    city = generate_city(seed, 3, TODAY)
    names_ = {u["username"] for u in city.users}
    assert {"admin", "city_sup", "retailer_demo", "retailer_multi"} <= names_
    assert sum(1 for u in city.users if u["role"] == "inspector") == 150


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 60))
def test_invariants_hold_for_any_seed(seed, n):
    city = generate_city(seed, n, TODAY)
    assert len(city.retailers) == n
    nos = [r["licence_no"] for r in city.retailers]
    assert len(set(nos)) == n
    for r in city.retailers:
        assert geo.on_land_in(r["county_code"], r["lat"], r["lng"])
        assert id_checksum_ok(r["operator_id_number"])
        assert 1 <= r["tier"] <= 30
    links = {n for u in city.users for n in u["retailer_licence_nos"]}
    assert links <= set(nos)


# --------------------------------------------------------------------------- purity

@pytest.mark.parametrize("module", ["generator.py", "geo.py", "names.py"])
def test_modules_are_pure_python(module):
    tree = ast.parse((ROOT / "app" / "demo" / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    allowed = set(sys.stdlib_module_names) | {"app", "pypinyin", "__future__"}
    assert imported <= allowed, imported - allowed
    assert "flask" not in imported and "sqlalchemy" not in imported
