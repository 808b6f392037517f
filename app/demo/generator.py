"""A deterministic generator of a realistic Huai'an city: retailers, their operators and demo users.

``generate_city(seed, n_retailers, today)`` is a pure function of its arguments: it draws from a
private ``random.Random`` and never iterates over anything whose order could vary, so the same
arguments always give the same city. The output is plain dicts (no ORM); ``app.demo.loader`` writes
it to the database.

Shape of the city (see docs/domain.md): about 4 licences per 1,000 inhabitants, so ~20,000 in
Huai'an; 61 % of shops in the city proper (城区), 28 % in market towns (集镇), 11 % in villages (农村);
食杂店 ~60 %, 便利店 ~17 %, 超市 ~3 %, 烟酒商店 ~2 %, 娱乐服务类 ~6 %, the rest other.

Pure Python: standard library only.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.common.time import local_today
from app.common import uscc
from app.demo import geo, names

RETAILER_KEYS = (
    "licence_no", "shop_name", "operator_name", "operator_id_number", "phone", "address", "lat", "lng",
    "county_code", "market_type", "business_format", "licence_issued_on", "licence_expires_on", "status", "tier",
    "credit_code",
)
USER_KEYS = ("username", "display_name", "role", "county_code", "retailer_licence_nos", "enforcement_cert_no")
ROLES = ("admin", "supervisor", "inspector", "marketer", "retailer", "partner", "mkt_supervisor", "ordering")

MARKET_TYPES = ("city", "town", "village")
BUSINESS_FORMATS = ("grocery", "convenience", "supermarket", "tobacco_liquor", "entertainment", "other")
STATUSES = ("active", "suspended", "cancelled")

# City / town / village mix per unit: the urban core is nearly all city, the rural counties less.
# Weighted by the county shares this gives the city-wide 61 / 28 / 11.
MARKET_MIX = {
    "320812": (0.85, 0.12, 0.03),
    "320803": (0.55, 0.33, 0.12),
    "320804": (0.55, 0.32, 0.13),
    "320813": (0.55, 0.32, 0.13),
    "320826": (0.50, 0.35, 0.15),
    "320830": (0.52, 0.33, 0.15),
    "320831": (0.55, 0.32, 0.13),
    "320871": (0.75, 0.20, 0.05),
}
# Business format by market type; weighted by 61 / 28 / 11 this gives grocery 60 %, convenience 17 %,
# supermarket 3 %, tobacco and liquor 2 %, entertainment 6 %, other 12 %.
FORMAT_MIX = {
    "city": (("grocery", 0.50), ("convenience", 0.22), ("supermarket", 0.035), ("tobacco_liquor", 0.028),
             ("entertainment", 0.08), ("other", 0.137)),
    "town": (("grocery", 0.70), ("convenience", 0.12), ("supermarket", 0.028), ("tobacco_liquor", 0.010),
             ("entertainment", 0.04), ("other", 0.102)),
    "village": (("grocery", 0.86), ("convenience", 0.05), ("supermarket", 0.010), ("tobacco_liquor", 0.0),
                ("entertainment", 0.01), ("other", 0.07)),
}
STATUS_MIX = (("active", 0.97), ("suspended", 0.01), ("cancelled", 0.02))

P_NEW_LICENCE = 0.03  # issued within the last six months
P_EXPIRED = 0.01  # expired and not (yet) renewed
LICENCE_TERM_YEARS = 5
MAX_LICENCE_AGE_YEARS = 15
# Operators holding 2 or 3 licences (about 2 % of operators), and how often a second licence lies
# in another county.
P_TWO_LICENCES = 0.015
P_THREE_LICENCES = 0.005
P_OTHER_COUNTY = 0.1
MIN_AGE, MAX_AGE = 22, 70
P_MALE_OPERATOR = 0.62

# Where shops cluster: city shops around the seat, market-town shops around a town centre.
CITY_SIGMA_KM, CITY_MAX_KM = 1.3, 3.0
TOWN_SIGMA_KM, TOWN_MAX_KM = 0.6, 1.5

# Birth-registration codes an operator's ID may carry: the unit's own code and the codes of the
# units it was formed from (IDs keep the code of the time they were first issued).
ID_REGION_CODES = {
    "320812": (("320812", 0.6), ("320802", 0.25), ("320811", 0.15)),  # 清河区, 清浦区 before 2016
    "320803": (("320803", 0.75), ("320882", 0.25)),  # county-level 淮安市 before 2001
    "320804": (("320804", 0.7), ("320821", 0.3)),  # 淮阴县 before 2001
    "320813": (("320813", 0.6), ("320829", 0.4)),  # 洪泽县 before 2016
    "320826": (("320826", 1.0),),
    "320830": (("320830", 1.0),),
    "320831": (("320831", 1.0),),
    "320871": (("320812", 0.4), ("320803", 0.3), ("320802", 0.3)),  # the zone registers no births
}
HUAIAN_ID_REGION_CODES = tuple(sorted({code for mix in ID_REGION_CODES.values() for code, _ in mix}))

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Mainland mobile number prefixes (China Mobile, Unicom, Telecom, Broadnet).
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "193", "195", "196", "197", "198", "199",
)

N_INSPECTORS = 150
MIN_INSPECTORS_PER_COUNTY = 4
MARKETERS_PER_COUNTY = 3
N_EXTRA_RETAILER_USERS = 50
PARTNERS = (
    ("partner_credit", "淮安市信用办"),
    ("partner_market", "淮安市市场监督管理局"),
    ("partner_consumer", "淮安市消费者协会"),
    ("partner_pboc", "中国人民银行淮安市分行"),
)
HXBL_NAME = "华兴便利"  # a few shops carry exactly this name, so a search for "hxbl" finds them


@dataclass
class City:
    """The generated city. Lists of plain dicts, each list in a fixed order:

    - ``counties``: the units of ``geo.COUNTIES`` (code, name, name_en, suffix, share, seat, towns, polygon);
    - ``retailers``: one dict per licence with exactly ``RETAILER_KEYS``, ordered by licence number;
    - ``operators``: one dict per person (id_number, name, male, birth_date, phone, county_code,
      licence_nos), ordered by first licence number; the same data as in the retailers, grouped;
    - ``users``: dicts with exactly ``USER_KEYS``; staff first, then partners, then retailers.
    """

    seed: int
    today: date
    counties: list = field(default_factory=list)
    retailers: list = field(default_factory=list)
    operators: list = field(default_factory=list)
    users: list = field(default_factory=list)


# --------------------------------------------------------------------------- small helpers

def add_years(d: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def id_checksum_ok(s: str) -> bool:
    """True for an 18-character PRC resident ID whose ISO 7064 MOD 11-2 check character is right."""
    if not isinstance(s, str) or len(s) != 18 or not s[:17].isdigit() or not s[:17].isascii():
        return False
    return id_check_char(s[:17]) == s[17].upper()


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """Region code (6) + birth date (8) + sequence (3, odd for men) + check character."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def id_birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def _allocate(total: int, weights) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (largest remainder, ties by order)."""
    s = float(sum(weights))
    raw = [total * w / s for w in weights]
    parts = [math.floor(x) for x in raw]
    left = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def _pick(rng, pairs):
    x = rng.random()
    for value, p in pairs:
        x -= p
        if x < 0:
            return value
    return pairs[-1][0]


def _sub_rng(seed: int, name: str) -> random.Random:
    # A str seed is hashed with SHA-512 by random.seed: stable across runs and PYTHONHASHSEED.
    return random.Random(f"huaian-demo:{seed}:{name}")


# --------------------------------------------------------------------------- places

def _near(rng, code, lat0, lng0, sigma_km, max_km):
    """A point on land in unit `code`, normally scattered around (lat0, lng0) within max_km."""
    for _ in range(500):
        dx, dy = rng.gauss(0.0, sigma_km), rng.gauss(0.0, sigma_km)
        if dx * dx + dy * dy > max_km * max_km:
            continue
        lat = round(lat0 + dy / geo.KM_PER_DEG_LAT, 6)
        lng = round(lng0 + dx / geo.KM_PER_DEG_LNG, 6)
        if geo.on_land_in(code, lat, lng):
            return lat, lng
    return round(lat0, 6), round(lng0, 6)  # the centres themselves are on land (tested)


def _anywhere(rng, county):
    """A point anywhere on land in the county (village shops)."""
    min_lat, min_lng, max_lat, max_lng = county["_bbox"]
    for _ in range(5000):
        lat = round(rng.uniform(min_lat, max_lat), 6)
        lng = round(rng.uniform(min_lng, max_lng), 6)
        if geo.on_land_in(county["code"], lat, lng):
            return lat, lng
    lat, lng = county["seat"]
    return round(lat, 6), round(lng, 6)


def _nearest_town(county, lat, lng):
    best, best_d = None, None
    for name, tlat, tlng in county["towns"]:
        d = (tlat - lat) ** 2 + ((tlng - lng) * 0.84) ** 2
        if best_d is None or d < best_d:
            best, best_d = name, d
    return best


def _place(rng, county, market_type):
    """(lat, lng, town or None): where a shop of this market type stands."""
    if market_type == "city":
        lat0, lng0 = county["seat"]
        lat, lng = _near(rng, county["code"], lat0, lng0, CITY_SIGMA_KM, CITY_MAX_KM)
        return lat, lng, None
    if market_type == "town":
        town, lat0, lng0 = rng.choice(county["towns"])
        lat, lng = _near(rng, county["code"], lat0, lng0, TOWN_SIGMA_KM, TOWN_MAX_KM)
        return lat, lng, town
    lat, lng = _anywhere(rng, county)
    return lat, lng, _nearest_town(county, lat, lng)


# --------------------------------------------------------------------------- licences

def _licence_dates(rng, today):
    """(issued_on, expires_on). Licences run five years and are renewed in five-year steps."""
    if rng.random() < P_EXPIRED:
        expires = today - timedelta(days=rng.randint(1, 180))
        issued = add_years(expires, -LICENCE_TERM_YEARS * rng.randint(1, 2))
        return issued, expires
    if rng.random() < P_NEW_LICENCE:
        issued = today - timedelta(days=rng.randint(0, 181))
    else:
        issued = today - timedelta(days=rng.randint(183, MAX_LICENCE_AGE_YEARS * 365))
    terms = 1
    while add_years(issued, LICENCE_TERM_YEARS * terms) <= today:
        terms += 1
    return issued, add_years(issued, LICENCE_TERM_YEARS * terms)


def _tier(rng, business_format, market_type):
    """客户档位 1-30: bell-shaped around 15; bigger formats and city shops order more."""
    x = rng.gauss(15.0, 3.5)
    x += {"supermarket": 6.0, "tobacco_liquor": 5.0, "convenience": 1.5, "grocery": 0.0,
          "entertainment": 0.5, "other": -1.0}[business_format]
    x += {"city": 1.0, "town": 0.0, "village": -2.0}[market_type]
    return max(1, min(30, int(round(x))))


def _address(rng, county, market_type, town, village_info):
    prefix = geo.PROVINCE_NAME + geo.CITY_NAME + county["name"]
    if market_type == "city":
        road = rng.choice(names.ROADS[county["code"]])
        return prefix + f"{road}{rng.randint(1, 399)}号", road
    if market_type == "town":
        street = rng.choice(names.TOWN_STREETS)
        if street == "农贸市场":
            return prefix + f"{town}农贸市场{rng.randint(1, 120)}号摊位", None
        return prefix + f"{town}{street}{rng.randint(1, 199)}号", street
    village, group = village_info
    return prefix + f"{town}{village}村{names.group_number(group)}{rng.randint(1, 60)}号", None


# --------------------------------------------------------------------------- operators

def _group_operators(rng, drafts, order_by_county):
    """Lists of draft indices, one list per operator: most hold one licence, ~2 % two or three."""
    pools = {code: list(idx) for code, idx in order_by_county}
    for code, _ in order_by_county:
        rng.shuffle(pools[code])
    groups = []
    for code, _ in order_by_county:
        pool = pools[code]
        while pool:
            group = [pool.pop()]
            r = rng.random()
            size = 3 if r < P_THREE_LICENCES else 2 if r < P_THREE_LICENCES + P_TWO_LICENCES else 1
            for _ in range(size - 1):
                if rng.random() < P_OTHER_COUNTY:
                    others = [c for c, _ in order_by_county if c != code and pools[c]]
                    if others:
                        group.append(pools[rng.choice(others)].pop())
                        continue
                if pool:
                    group.append(pool.pop())
            groups.append(group)
    # Even a tiny city gets one operator with two licences (from 2 shops) and one with a single
    # licence (from 3 shops), so the demo accounts can show both.
    if len(drafts) >= 2 and all(len(g) == 1 for g in groups):
        groups[0].extend(groups.pop(1))
    if len(drafts) >= 3 and all(len(g) > 1 for g in groups):
        largest = max(range(len(groups)), key=lambda k: (len(groups[k]), -k))
        groups.append([groups[largest].pop()])
    return groups


def _make_operator(rng, county_code, earliest_issue, today, used_ids, used_phones):
    male = rng.random() < P_MALE_OPERATOR
    full, surname, given = names.person_name(rng, male)
    # Old enough to have been 18 when the first licence was issued.
    low = MIN_AGE
    while add_years(today, -low) > add_years(earliest_issue, -18) and low < MAX_AGE:
        low += 1
    mode = max(low, 47)
    age = int(rng.triangular(low, MAX_AGE + 0.999, mode))
    age = max(low, min(MAX_AGE, age))
    # Born between (today - (age+1) years, today - age years]: exactly `age` years old today.
    latest = add_years(today, -age)
    earliest = add_years(today, -(age + 1)) + timedelta(days=1)
    region = _pick(rng, ID_REGION_CODES[county_code])
    while True:
        birth = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        sequence = rng.randint(0, 499) * 2 + (1 if male else 0)
        id_number = make_id_number(region, birth, sequence)
        if id_number not in used_ids:
            break
    used_ids.add(id_number)
    while True:
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        if phone not in used_phones:
            break
    used_phones.add(phone)
    return {"name": full, "surname": surname, "given": given, "male": male, "birth_date": birth,
            "id_number": id_number, "phone": phone}


# --------------------------------------------------------------------------- the city

def generate_city(seed: int, n_retailers: int = 20000, today: date | None = None) -> City:
    """Generate the whole demo city. Same (seed, n_retailers, today), same city."""
    if today is None:
        today = local_today()
    if n_retailers < 0:
        raise ValueError("n_retailers must be >= 0")
    rng = random.Random(seed)
    counties = []
    for c in geo.COUNTIES:
        county = dict(c)
        county["_bbox"] = geo.bounding_box(c["polygon"])
        counties.append(county)

    # 1. Shops: where, what kind, licence dates and status.
    counts = _allocate(n_retailers, [c["share"] for c in counties])
    drafts, order_by_county = [], []
    for county, count in zip(counties, counts):
        mix = _allocate(count, MARKET_MIX[county["code"]])
        markets = [m for m, k in zip(MARKET_TYPES, mix) for _ in range(k)]
        rng.shuffle(markets)
        start = len(drafts)
        for market_type in markets:
            business_format = _pick(rng, FORMAT_MIX[market_type])
            lat, lng, town = _place(rng, county, market_type)
            issued, expires = _licence_dates(rng, today)
            drafts.append({
                "county": county, "market_type": market_type, "business_format": business_format,
                "lat": lat, "lng": lng, "town": town, "issued": issued, "expires": expires,
                "status": _pick(rng, STATUS_MIX), "tier": _tier(rng, business_format, market_type),
            })
        order_by_county.append((county["code"], range(start, len(drafts))))

    # 2. Operators: one person per group of licences.
    groups = _group_operators(rng, drafts, order_by_county)
    used_ids, used_phones = set(), set()
    operators = []
    for group in groups:
        first = drafts[group[0]]
        earliest = min(drafts[i]["issued"] for i in group)
        op = _make_operator(rng, first["county"]["code"], earliest, today, used_ids, used_phones)
        op["draft_indices"] = group
        operators.append(op)
        for i in group:
            drafts[i]["operator"] = op

    # 3. Names and addresses.
    for d in drafts:
        county, op = d["county"], d["operator"]
        village_info = None
        if d["market_type"] == "village":
            village_info = (names.village_name(rng), rng.randint(1, 12))
        address, road = _address(rng, county, d["market_type"], d["town"], village_info)
        d["address"] = address
        d["shop_name"] = names.shop_name(
            rng, d["business_format"], d["market_type"], surname_=op["surname"], given=op["given"],
            road=road if d["market_type"] == "city" else None, town=d["town"],
            village=village_info[0] if village_info else None)

    # 4. Licence numbers: county code + a sequence in order of issue (gaps for lapsed numbers).
    for code, idx in order_by_county:
        ordered = sorted(idx, key=lambda i: (drafts[i]["issued"], i))
        if len(ordered) > 999_999:
            raise ValueError(f"too many licences for county {code}")
        room = 999_999 - len(ordered)
        seq = 100_000 if room >= 2 * len(ordered) + 100_000 else 0
        max_gap = 2 if room >= 2 * len(ordered) + 100_000 else 1
        for i in ordered:
            seq += rng.randint(1, max_gap)
            drafts[i]["licence_no"] = f"{code}{seq:06d}"

    # 5. A few shops named exactly 华兴便利, in three counties.
    for code in ("320812", "320804", "320803"):
        candidates = sorted((d["licence_no"], i) for i, d in enumerate(drafts)
                            if d["county"]["code"] == code and d["business_format"] == "convenience")
        if candidates:
            drafts[candidates[0][1]]["shop_name"] = HXBL_NAME

    retailers = []
    for d in sorted(drafts, key=lambda d: d["licence_no"]):
        op = d["operator"]
        retailers.append({
            "licence_no": d["licence_no"],
            "shop_name": d["shop_name"],
            "operator_name": op["name"],
            "operator_id_number": op["id_number"],
            "phone": op["phone"],
            "address": d["address"],
            "lat": d["lat"],
            "lng": d["lng"],
            "county_code": d["county"]["code"],
            "market_type": d["market_type"],
            "business_format": d["business_format"],
            "licence_issued_on": d["issued"],
            "licence_expires_on": d["expires"],
            "status": d["status"],
            "tier": d["tier"],
        })

    # 6. Unified social credit codes (统一社会信用代码): supermarkets and most city convenience stores are
    #    run by an enterprise (91...), most other shops by an individual business (个体工商户, 92...); the
    #    rest by a natural person with no code. Their own generator: nothing above changes.
    code_rng = _sub_rng(seed, "credit-codes")
    for r in retailers:
        if r["business_format"] == "supermarket" or (r["business_format"] == "convenience"
                                                     and r["market_type"] == "city"):
            kind = "1" if code_rng.random() < 0.8 else "2"
        else:
            kind = "2" if code_rng.random() < 0.75 else None
        r["credit_code"] = uscc.make(code_rng, r["county_code"], kind) if kind else None

    operator_rows = []
    for op in operators:
        nos = sorted(drafts[i]["licence_no"] for i in op["draft_indices"])
        operator_rows.append({
            "id_number": op["id_number"], "name": op["name"], "male": op["male"], "birth_date": op["birth_date"],
            "phone": op["phone"], "county_code": drafts[op["draft_indices"][0]]["county"]["code"],
            "licence_nos": nos,
        })
    operator_rows.sort(key=lambda o: o["licence_nos"][0])

    public_counties = [{k: v for k, v in c.items() if not k.startswith("_")} for c in counties]
    users = _make_users(seed, today, counties, retailers, operator_rows)
    return City(seed=seed, today=today, counties=public_counties, retailers=retailers,
                operators=operator_rows, users=users)


# --------------------------------------------------------------------------- users

def inspector_counts(counties=None, total: int = N_INSPECTORS) -> dict:
    """Inspectors per unit: even numbers (they work in pairs), at least four, by retailer share."""
    counties = counties or geo.COUNTIES
    pairs_total = total // 2
    min_pairs = MIN_INSPECTORS_PER_COUNTY // 2
    shares = [c["share"] for c in counties]
    ideal = [pairs_total * s / sum(shares) for s in shares]
    pairs = [max(min_pairs, p) for p in _allocate(pairs_total, shares)]
    while sum(pairs) > pairs_total:  # the minimum lifted a small unit: take back from the most over
        i = max((k for k in range(len(pairs)) if pairs[k] > min_pairs), key=lambda k: (pairs[k] - ideal[k], -k))
        pairs[i] -= 1
    return {c["code"]: 2 * p for c, p in zip(counties, pairs)}


def _make_users(seed, today, counties, retailers, operators):
    rng = _sub_rng(seed, "users")
    used_names = set()

    def staff_name():
        for _ in range(50):
            name = names.person_name(rng)[0]
            if name not in used_names:
                break
        used_names.add(name)
        return name

    def user(username, display_name, role, county_code=None, licences=None, cert=None):
        return {"username": username, "display_name": display_name, "role": role,
                "county_code": county_code, "retailer_licence_nos": list(licences or []),
                "enforcement_cert_no": cert}

    serials = {}
    cert_rng = _sub_rng(seed, "certs")  # its own stream: names and accounts stay as they were

    def cert_no(region_code):
        """执法证号 as issued in Jiangsu: the holder's region code and a five-digit serial (sample format)."""
        serials[region_code] = serials.get(region_code, cert_rng.randrange(10, 60)) + cert_rng.randrange(1, 4)
        return f"{region_code}{serials[region_code]:05d}"

    users = [user("admin", staff_name(), "admin"),
             user("city_sup", staff_name(), "supervisor", cert=cert_no("320800"))]
    inspectors = inspector_counts(counties)
    for c in counties:
        sfx, code = c["suffix"], c["code"]
        users.append(user(f"sup_{sfx}", staff_name(), "supervisor", code, cert=cert_no(code)))
        for k in range(1, MARKETERS_PER_COUNTY + 1):
            users.append(user(f"mkt_{sfx}_{k}", staff_name(), "marketer", code))
        for k in range(1, inspectors[code] + 1):
            users.append(user(f"insp_{sfx}_{k}", staff_name(), "inspector", code, cert=cert_no(code)))
    for username, org in PARTNERS:
        users.append(user(username, org, "partner"))

    # Retailer accounts: one per operator, linked to all that operator's licences.
    by_no = {r["licence_no"]: r for r in retailers}
    taken = set()

    def licences_ok(op, *, active=True, unexpired=True):
        rows = [by_no[n] for n in op["licence_nos"]]
        return all((not active or r["status"] == "active") and (not unexpired or r["licence_expires_on"] > today)
                   for r in rows)

    single = [op for op in operators if len(op["licence_nos"]) == 1]
    year_ago = add_years(today, -1)
    demo_rules = [
        lambda op, r: (r["county_code"] == "320812" and r["market_type"] == "city"
                       and r["business_format"] in ("convenience", "grocery")
                       and r["licence_issued_on"] <= year_ago and licences_ok(op)),
        lambda op, r: r["county_code"] == "320812" and licences_ok(op),
        lambda op, r: r["county_code"] == "320812" and r["status"] == "active",
        lambda op, r: r["status"] == "active",
        lambda op, r: True,
    ]
    demo_op = None
    for rule in demo_rules:
        demo_op = next((op for op in single if rule(op, by_no[op["licence_nos"][0]])), None)
        if demo_op:
            break
    if demo_op:
        users.append(user("retailer_demo", demo_op["name"], "retailer", None, demo_op["licence_nos"]))
        taken.add(demo_op["id_number"])

    multi = [op for op in operators if len(op["licence_nos"]) >= 2]
    same_county = [op for op in multi if len({by_no[n]["county_code"] for n in op["licence_nos"]}) == 1]
    multi_op = (next((op for op in same_county if licences_ok(op)), None)
                or next((op for op in multi if licences_ok(op, unexpired=False)), None)
                or (multi[0] if multi else None))
    if multi_op:
        users.append(user("retailer_multi", multi_op["name"], "retailer", None, multi_op["licence_nos"]))
        taken.add(multi_op["id_number"])

    # About fifty more: first one per unit, then at random, active licences preferred.
    pool = [op for op in operators if op["id_number"] not in taken and licences_ok(op, unexpired=False)]
    if len(pool) < N_EXTRA_RETAILER_USERS:
        pool = [op for op in operators if op["id_number"] not in taken]
    chosen = []
    for c in counties:
        first = next((op for op in pool if op["county_code"] == c["code"]), None)
        if first and len(chosen) < N_EXTRA_RETAILER_USERS:
            chosen.append(first)
    chosen_ids = {op["id_number"] for op in chosen}
    rest = [op for op in pool if op["id_number"] not in chosen_ids]
    chosen.extend(rng.sample(rest, min(len(rest), N_EXTRA_RETAILER_USERS - len(chosen))))
    chosen.sort(key=lambda op: op["licence_nos"][0])
    for op in chosen:
        users.append(user(f"r_{op['licence_nos'][0]}", op["name"], "retailer", None, op["licence_nos"]))
    # The tobacco company's marketing supervisor (city level) and the ordering system's account, from a
    # stream of their own so the accounts above stay as they were.
    mkt_rng = _sub_rng(seed, "marketing")
    users.append(user("mkt_city", names.person_name(mkt_rng)[0], "mkt_supervisor"))
    users.append(user("ordering", "卷烟订货系统", "ordering"))
    return users
