"""Rough but honest geography of Huai'an (淮安市), Jiangsu, for the demo city.

Coordinates are WGS84 degrees. Polygons are lists of ``(lng, lat)`` pairs (GeoJSON order, ring not
closed); every other place in this module is ``(lat, lng)``, as a map pin is usually written.

The boundaries are simplified by hand from the public administrative outlines of Huai'an's
county-level units, to 8-20 vertices each, so they are off by up to a kilometre or two. Each border
between two units is written once in ``_BORDERS`` and used by both sides, so neighbouring polygons
share their edges exactly and never overlap. The economic and technological development zone
(经济技术开发区, not a county in the civil divisions) is carved out of the east of the urban core
along a straight line.

The county polygons include their share of the lakes (洪泽湖 above all, also 白马湖 and the north of
高邮湖); ``LAKES`` holds rough outlines of the water so that no shop is put in a lake.

Pure Python: standard library only.
"""
from __future__ import annotations

import math

CITY_CODE = "320800"
CITY_NAME = "淮安市"
PROVINCE_NAME = "江苏省"

# Kilometres per degree near Huai'an (latitude ~33.4 N).
KM_PER_DEG_LAT = 111.32
KM_PER_DEG_LNG = 111.32 * math.cos(math.radians(33.4))

# Junctions where three units (or two units and the city limit) meet, (lng, lat).
_J = {
    "HY_KFQ_LS": (119.1504, 33.6273),
    "KFQ_LS_HA": (119.2138, 33.6911),
    "HY_LS_N": (118.9973, 33.8973),
    "LS_HA_E": (119.4766, 33.6973),
    "QJP_HA_HZ": (119.0031, 33.3994),
    "HY_QJP_HZ": (118.9053, 33.3864),
    "HY_HZ_W": (118.7802, 33.3458),
    "HA_HZ_S": (119.1534, 33.2853),
    "HZ_JH_E": (119.1507, 33.2128),
    "HZ_JH_XY": (118.9045, 33.0482),
    "JH_XY_S": (118.8937, 32.9590),
    "HZ_XY_W": (118.4885, 33.2439),
    "HY_QJP_KFQ": (119.0536, 33.6049),
    "QJP_KFQ_HA": (119.0840, 33.5608),
}

# Each border once, from its first junction to its last, with the bends in between.
_BORDERS = {
    "HY|QJP": ["HY_QJP_HZ", (118.9785, 33.5017), (118.9349, 33.5768), (119.0056, 33.6205), "HY_QJP_KFQ"],
    "HY|KFQ": ["HY_QJP_KFQ", (119.1049, 33.6269), "HY_KFQ_LS"],
    "HY|LS": ["HY_KFQ_LS", (119.1829, 33.7216), (119.0966, 33.7434), (119.0969, 33.8112), (119.0357, 33.8649),
              "HY_LS_N"],
    "HY|out": ["HY_LS_N", (118.9672, 33.9190), (118.8530, 33.8767), (118.8001, 33.8171), (118.8144, 33.7081),
               (118.7580, 33.6357), (118.8065, 33.5724), (118.7828, 33.4440), "HY_HZ_W"],
    "HY|HZ": ["HY_HZ_W", "HY_QJP_HZ"],
    "QJP|KFQ": ["HY_QJP_KFQ", "QJP_KFQ_HA"],
    "QJP|HA": ["QJP_HA_HZ", (119.1448, 33.4718), (119.0911, 33.5521), "QJP_KFQ_HA"],
    "QJP|HZ": ["HY_QJP_HZ", (118.8907, 33.3380), (118.9520, 33.3761), "QJP_HA_HZ"],
    "KFQ|LS": ["HY_KFQ_LS", (119.1786, 33.6517), "KFQ_LS_HA"],
    "KFQ|HA": ["QJP_KFQ_HA", (119.1444, 33.5463), (119.1761, 33.5693), (119.2299, 33.6425), "KFQ_LS_HA"],
    "LS|HA": ["KFQ_LS_HA", (119.2173, 33.7355), (119.2822, 33.7602), (119.3565, 33.6874), "LS_HA_E"],
    "LS|out": ["LS_HA_E", (119.5460, 33.8120), (119.5939, 33.8701), (119.6440, 33.9470), (119.5385, 34.0275),
               (119.4392, 33.9796), (119.3050, 34.0400), (119.1749, 34.0935), (119.0402, 33.9606), "HY_LS_N"],
    "HA|out": ["LS_HA_E", (119.4640, 33.6420), (119.4933, 33.5359), (119.6200, 33.4374), (119.4168, 33.3762),
               (119.2364, 33.3490), "HA_HZ_S"],
    "HZ|HA": ["QJP_HA_HZ", (118.9983, 33.3592), (119.0652, 33.3112), "HA_HZ_S"],
    "HZ|out_E": ["HA_HZ_S", (119.1426, 33.2377), "HZ_JH_E"],
    "HZ|JH": ["HZ_JH_XY", (118.9389, 33.0806), (118.9687, 33.1858), (119.0754, 33.2083), "HZ_JH_E"],
    "HZ|XY": ["HZ_JH_XY", (118.8824, 33.0845), (118.7113, 33.0904), (118.7108, 33.1878), (118.5713, 33.1549),
              (118.5350, 33.1163), "HZ_XY_W"],
    "HZ|out_W": ["HZ_XY_W", "HY_HZ_W"],
    "JH|XY": ["JH_XY_S", (118.9066, 32.9920), (118.8283, 32.9933), (118.8485, 33.0279), (118.9174, 33.0418),
              "HZ_JH_XY"],
    "JH|out": ["HZ_JH_E", (119.2190, 33.2060), (119.3054, 33.1346), (119.3637, 33.0535), (119.3251, 32.9984),
               (119.3496, 32.8684), (119.2786, 32.7989), (119.1043, 32.8267), (119.0450, 32.9114),
               (119.0086, 32.9569), (118.9338, 32.9386), "JH_XY_S"],
    "XY|out": ["JH_XY_S", (118.8110, 32.8755), (118.7458, 32.8156), (118.7563, 32.7371), (118.5000, 32.7220),
               (118.3000, 32.7900), (118.2330, 32.9162), (118.2215, 33.1801), (118.4243, 33.1871), "HZ_XY_W"],
}

# Each ring as a walk along borders; a leading "-" walks a border backwards.
_RINGS = {
    "320804": ["HY|QJP", "HY|KFQ", "HY|LS", "HY|out", "HY|HZ"],
    "320812": ["HY|QJP", "QJP|KFQ", "-QJP|HA", "-QJP|HZ"],
    "320871": ["HY|KFQ", "KFQ|LS", "-KFQ|HA", "-QJP|KFQ"],
    "320826": ["-HY|LS", "KFQ|LS", "LS|HA", "LS|out"],
    "320803": ["QJP|HA", "KFQ|HA", "LS|HA", "HA|out", "-HZ|HA"],
    "320813": ["HY|HZ", "QJP|HZ", "HZ|HA", "HZ|out_E", "-HZ|JH", "HZ|XY", "HZ|out_W"],
    "320831": ["JH|XY", "HZ|JH", "JH|out"],
    "320830": ["-HZ|XY", "-JH|XY", "XY|out"],
}


def _point(p):
    return _J[p] if isinstance(p, str) else p


def _ring(walk):
    """Stitch borders into one ring; checks that consecutive borders meet and the ring closes."""
    ring = []
    for name in walk:
        chain = [_point(p) for p in _BORDERS[name.lstrip("-")]]
        if name.startswith("-"):
            chain.reverse()
        if ring:
            if ring[-1] != chain[0]:
                raise ValueError(f"border {name} does not start where the ring stands")
            chain = chain[1:]
        ring.extend(chain)
    if ring[0] != ring[-1]:
        raise ValueError(f"ring {walk} does not close")
    return ring[:-1]


# Rough outlines of the water inside the polygons, (lng, lat). 洪泽湖's east shore is the
# Hongze dike (高良涧 to 蒋坝); its far west lies outside Huai'an and is only roughly drawn.
LAKES = [
    {"name": "洪泽湖", "polygon": [
        (118.20, 33.60), (118.60, 33.62), (118.78, 33.46), (118.86, 33.40), (118.878, 33.345),
        (118.852, 33.300), (118.856, 33.250), (118.885, 33.195), (118.905, 33.145), (118.875, 33.110),
        (118.780, 33.115), (118.700, 33.150), (118.620, 33.165), (118.550, 33.120), (118.450, 33.150),
        (118.330, 33.150), (118.200, 33.200)]},
    {"name": "白马湖", "polygon": [
        (119.080, 33.270), (119.150, 33.275), (119.160, 33.220), (119.130, 33.190), (119.080, 33.190),
        (119.060, 33.230)]},
    {"name": "高邮湖", "polygon": [
        (119.270, 32.980), (119.360, 33.030), (119.400, 32.950), (119.400, 32.750), (119.300, 32.780),
        (119.260, 32.880)]},
]

# County-level units. `share` is the part of the city's retailers (roughly by population; the
# urban core is denser). `seat` is the government seat, `towns` real towns (镇) or, in the zone,
# subdistricts (街道), with approximate centres. `suffix` names the unit in demo usernames.
COUNTIES = [
    {"code": "320812", "name": "清江浦区", "name_en": "Qingjiangpu District", "suffix": "qjp", "share": 0.22,
     "seat": (33.6032, 119.0195),
     "towns": [("和平镇", 33.4800, 119.0200), ("武墩镇", 33.4200, 119.0000), ("盐河镇", 33.5500, 119.0500),
               ("黄码镇", 33.5200, 119.0800)]},
    {"code": "320803", "name": "淮安区", "name_en": "Huai'an District", "suffix": "ha", "share": 0.20,
     "seat": (33.5075, 119.1463),
     "towns": [("平桥镇", 33.3950, 119.1000), ("车桥镇", 33.4050, 119.3300), ("博里镇", 33.5600, 119.3800),
               ("钦工镇", 33.6300, 119.3000), ("施河镇", 33.5850, 119.2150), ("苏嘴镇", 33.4800, 119.3000)]},
    {"code": "320804", "name": "淮阴区", "name_en": "Huaiyin District", "suffix": "hy", "share": 0.15,
     "seat": (33.6225, 119.0208),
     "towns": [("渔沟镇", 33.7350, 118.9050), ("徐溜镇", 33.7900, 118.9600), ("南陈集镇", 33.6500, 118.8700),
               ("码头镇", 33.5450, 118.9150), ("丁集镇", 33.8400, 118.9300)]},
    {"code": "320813", "name": "洪泽区", "name_en": "Hongze District", "suffix": "hz", "share": 0.06,
     "seat": (33.2950, 118.8679),
     "towns": [("朱坝镇", 33.2700, 118.9300), ("黄集镇", 33.3300, 119.0000), ("岔河镇", 33.2500, 119.0400),
               ("东双沟镇", 33.2000, 119.0000), ("蒋坝镇", 33.1150, 118.9250)]},
    {"code": "320826", "name": "涟水县", "name_en": "Lianshui County", "suffix": "ls", "share": 0.16,
     "seat": (33.7713, 119.2661),
     "towns": [("高沟镇", 33.8700, 119.2750), ("保滩镇", 33.8300, 119.1600), ("唐集镇", 33.9250, 119.3900),
               ("陈师镇", 33.7750, 119.3600), ("石湖镇", 33.8900, 119.1100), ("岔庙镇", 33.9600, 119.2200)]},
    {"code": "320830", "name": "盱眙县", "name_en": "Xuyi County", "suffix": "xy", "share": 0.11,
     "seat": (33.0044, 118.4938),
     "towns": [("马坝镇", 33.0250, 118.7650), ("官滩镇", 33.0500, 118.6000), ("管镇镇", 32.8800, 118.6500),
               ("河桥镇", 32.9000, 118.4600), ("桂五镇", 32.9850, 118.6800), ("天泉湖镇", 32.8000, 118.5600),
               ("黄花塘镇", 32.9300, 118.7400)]},
    {"code": "320831", "name": "金湖县", "name_en": "Jinhu County", "suffix": "jh", "share": 0.06,
     "seat": (33.0182, 119.0169),
     "towns": [("塔集镇", 33.1600, 119.0700), ("银涂镇", 33.0900, 119.1700), ("前锋镇", 32.9400, 119.1200),
               ("吕良镇", 32.9900, 118.9350), ("金南镇", 32.8700, 119.1500), ("陈桥镇", 33.0600, 119.2700)]},
    {"code": "320871", "name": "经济技术开发区", "name_en": "Huai'an Economic and Technological Development Zone",
     "suffix": "kfq", "share": 0.04,
     "seat": (33.5920, 119.1000),
     "towns": [("枚乘街道", 33.5750, 119.0850), ("徐杨街道", 33.6150, 119.1300), ("南马厂街道", 33.6500, 119.1850)]},
]

for _county in COUNTIES:
    _county["polygon"] = _ring(_RINGS[_county["code"]])
del _county

COUNTY_CODES = [c["code"] for c in COUNTIES]
_BY_CODE = {c["code"]: c for c in COUNTIES}


def county_by_code(code: str) -> dict:
    return _BY_CODE[code]


def point_in_polygon(lat: float, lng: float, polygon) -> bool:
    """Ray casting; `polygon` is a list of (lng, lat) pairs. Points on an edge may go either way."""
    inside = False
    n = len(polygon)
    j = n - 1
    for i in range(n):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lng < x_cross:
                inside = not inside
        j = i
    return inside


def in_lake(lat: float, lng: float) -> bool:
    return any(point_in_polygon(lat, lng, lake["polygon"]) for lake in LAKES)


def county_at(lat: float, lng: float) -> str | None:
    """The code of the unit whose polygon holds the point, or None (outside the city)."""
    for county in COUNTIES:
        if point_in_polygon(lat, lng, county["polygon"]):
            return county["code"]
    return None


def on_land_in(code: str, lat: float, lng: float) -> bool:
    """True when the point lies in the unit's polygon and not in a lake."""
    return point_in_polygon(lat, lng, _BY_CODE[code]["polygon"]) and not in_lake(lat, lng)


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine), good enough at city scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def polygon_area_km2(polygon) -> float:
    """Planar (shoelace) area on a local equirectangular projection."""
    total = 0.0
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        total += (x1 * KM_PER_DEG_LNG) * (y2 * KM_PER_DEG_LAT) - (x2 * KM_PER_DEG_LNG) * (y1 * KM_PER_DEG_LAT)
    return abs(total) / 2.0


def bounding_box(polygon):
    """(min_lat, min_lng, max_lat, max_lng)."""
    lngs = [p[0] for p in polygon]
    lats = [p[1] for p in polygon]
    return min(lats), min(lngs), max(lats), max(lngs)
