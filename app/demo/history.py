"""Two years of credit history for the demo city, and the live grades it gives.

``generate_history(seed, retailers, today)`` is pure (standard library and the pure ``scoring``
package): the same arguments give the same records. ``load_history`` writes them in bulk and
computes every live grade with the engine, so the city looks like a real one (docs/domain.md: about
90 % A, 5-10 % AA, under 1 % AAA, a few B-D; Liuzhou 2024: 6,664 retailers, AAA 28, AA 463,
A 6,167, B 3, C 3).

What a retailer's history is made of:

- bonuses: the credit commitment kept a full year (ZM51, most retailers, unless a general or
  worse violation was decided in that year), training and industry activities (YX51), the yearly
  star rating of integrity mutual-aid groups (YX52-54, about one retailer in five is a member),
  model retailers chosen among the best groups (YX55), red lists and honours from partners
  (SH51, SH52);
- violations spread over the two years: mostly minor (signs, licence display, late payments
  imported monthly, price marking, consumer complaints), some general (cartons coded for another
  area, trading beyond the licence, rectification late), a few serious ones and a handful of
  假私非 vetoes. Inspection findings are confirmed against a case decision (some are dismissed),
  older general and serious records are sometimes repaired, and the latest findings still wait in
  the supervisors' queue;
- who commits them is not random (``_Offenders``): as in real inspection data, violations
  concentrate on a minority of shops and recur (past violations are the strongest single
  predictor in inspection forecasting, e.g. Chicago's food inspections). Every licence has a
  latent, persistent propensity drawn once per seed from a lognormal mixture (PROPENSITY: 75 %
  compliant, 20 % occasional, 5 % chronic offenders, median weights 0.1 / 1 / 8), scaled by its
  business format and market type (FORMAT_FACTOR, MARKET_FACTOR: illegal-channel findings - other
  areas' cartons, non-local supply, altered codes, fakes, resale - are three times as frequent in
  tobacco-and-liquor shops and twice in entertainment venues, and more frequent in market towns,
  the urban-rural fringe; supermarkets and convenience chains offend least; late payments follow
  cash flow: small groceries, villages, with only part of the conduct propensity). Each proven or
  pending violation adds RECUR_BOOST times an average shop's weight to that shop's rate, fading
  over RECUR_DAYS (late payments excite late payments, conduct conduct). The dates and kinds are
  drawn first, then the shops in date order. For 20,000 licences (seed 2026-2028): about 12 % of
  the shops have a violation in two years, 2 % have three or more; the top 10 % of shops hold
  about 90 % of the violations (the top 2 % about 40 %); after a violation about half of the shops
  have another within twelve months, against 8 % of all shops in a year; half of the last year's
  on-site findings are at shops with a violation in the twelve months before. (Before: ~19 % of
  the shops, top 10 % ~58 %, repeats 11 %, i.e. at random.);
- steering: violations that still count today fall mostly on retailers whose bonuses cover them
  (a retailer with a recent late payment is, in a real city, usually an otherwise good one): the
  draws by propensity are retried until one is covered (then any covered retailer); a few
  (P_UNCOVERED) are not, which gives the few B and C grades - mostly repeat offenders;
- every record is graded under the catalogue version in force on the day it happened: when the
  history starts before the first shipped version, the demo city's pilot version (``pilot_catalogue``,
  the same indicators) covers the months before it;
- every bonus comes from its source object, written by ``app.demo.bonus_sources``: the group stars
  (YX52-YX54) from integrity mutual-aid groups rated by yearly rounds (a member's serious violation in
  the year before a rating means no stars), model retailers (YX55) from published model decisions,
  the commitment bonus (ZM51) from a signed commitment kept a full year.
"""
from __future__ import annotations

import bisect
import itertools
import math
import random
from decimal import Decimal
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import scoring

HISTORY_DAYS = 730
SHIPPED_CATALOGUE = "2026.1"

# Violations per retailer and month (minor, general) and in all over the two years (serious, veto).
MONTHLY = {
    "ZM08": 0.0010, "ZM09": 0.0012, "ZM10": 0.0008, "YX01": 0.0030, "YX03": 0.0008, "SH02": 0.0003,
    "ZM11": 0.0009, "ZM04": 0.0002, "ZM12": 0.0002, "ZM13": 0.0001, "YX04": 0.0002, "SH01": 0.0001,
    "SH04": 0.0002,
}
SERIOUS_SHARE = 0.0009
SERIOUS_MIX = (("ZM03", 0.35), ("ZM02", 0.2), ("YX02", 0.15), ("ZM07", 0.15), ("ZM05", 0.05), ("ZM06", 0.05),
               ("SH03", 0.05))
VETO_SHARE = 0.0003
QUEUE_SHARE = 0.002  # suspected findings still waiting for a decision
QUEUE_MIX = (("ZM11", 0.3), ("ZM09", 0.2), ("ZM08", 0.15), ("ZM10", 0.1), ("ZM04", 0.1), ("ZM12", 0.1),
             ("ZM03", 0.03), ("ZM01", 0.02))
P_DISMISSED = 0.08  # inspection findings not proven
P_REPAIRED = {"general": 0.15, "serious": 0.4}
# A violation that still counts today lands on a retailer whose bonuses do not cover it only this often.
P_UNCOVERED = {"minor": 0.04, "general": 0.07}
STEER_TRIES = (200, 60)  # draws by propensity, then uniform draws, to find a retailer whose bonuses cover it

# Who commits the violations (see the module docstring). Every retailer has a latent, persistent
# propensity, a mixture of lognormals: most shops are compliant, some offend now and then, a few
# are chronic offenders (class share, median weight, spread); business format and market type scale
# it. Each violation raises the shop's own rate for months after it (recurrence).
PROPENSITY = (("chronic", 0.05, 8.0, 0.5), ("occasional", 0.20, 1.0, 0.6), ("compliant", 0.75, 0.1, 0.6))
# Illegal-channel findings (非本户/跨区域 cartons, 非本地进货, altered codes, fakes, resale) concentrate in
# tobacco-and-liquor shops, entertainment venues and market-town (urban-rural fringe) groceries.
CHANNEL = {"ZM01", "ZM02", "ZM03", "ZM11", "YX02"}
FORMAT_FACTOR = {
    "conduct": {"grocery": 1.0, "convenience": 0.7, "supermarket": 0.35, "tobacco_liquor": 1.3,
                "entertainment": 1.6, "other": 1.0},
    "channel": {"grocery": 1.0, "convenience": 0.6, "supermarket": 0.3, "tobacco_liquor": 3.0,
                "entertainment": 2.2, "other": 0.9},
    # late payments (YX01): small shops short of cash, in villages and towns more than in the city
    "payment": {"grocery": 1.2, "convenience": 0.8, "supermarket": 0.3, "tobacco_liquor": 0.7,
                "entertainment": 1.0, "other": 1.0},
}
MARKET_FACTOR = {
    "conduct": {"city": 0.85, "town": 1.35, "village": 1.1},
    "channel": {"city": 0.8, "town": 1.6, "village": 1.0},
    "payment": {"city": 0.8, "town": 1.2, "village": 1.5},
}
# Late payments follow cash flow more than conduct: the conduct propensity counts only in part.
PAYMENT_OWN_SIGMA, PAYMENT_CONDUCT_EXP = 0.9, 0.5
# Recurrence: each violation (not dismissed) adds RECUR_BOOST times an average shop's weight to the
# shop's own rate, decaying with a time constant of RECUR_DAYS (late payments excite late payments,
# conduct conduct).
RECUR_BOOST = 12.0
RECUR_DAYS = 150.0

P_COMMITMENT = 0.85
P_KEEPS_SIGNING = 0.95
P_TRAINING_PER_YEAR = 0.22
P_GROUP_MEMBER = 0.17
GROUP_SIZE = (10, 20)
STARS = ((3, 0.55), (4, 0.33), (5, 0.12))
P_MODEL = 0.07  # of 4- and 5-star members with a kept commitment
MODEL_AFTER_DAYS = 30  # model retailers are published about a month after their group's rating
P_RED_LIST = 0.0012
P_HONOUR = 0.005

SOURCE_OF = {"ZM": "inspection", "YX": "marketer", "SH": "partner"}
SH_REFS = {"SH01": "SCJG", "SH02": "XFXH", "SH03": "XYB", "SH04": "SCJG", "SH51": "XYB", "SH52": "XYB"}
DESCRIPTIONS = {
    "ZM01": "现场查获假冒卷烟，已立案查处", "ZM02": "查获条码被涂改的卷烟", "ZM03": "查获非本地烟草批发企业进货的卷烟",
    "ZM04": "在许可证登记地址以外经营卷烟", "ZM05": "许可证出借他人使用", "ZM06": "拒绝执法人员检查",
    "ZM07": "向未成年人销售卷烟，经查属实", "ZM08": "未张贴不向未成年人售烟标志", "ZM09": "许可证未悬挂在明显位置",
    "ZM10": "经营者变更后未办理许可证变更", "ZM11": "查获非本户、跨区域卷烟", "ZM12": "责令整改事项逾期未整改",
    "ZM13": "无正当理由未参加警示约谈", "YX01": "卷烟货款逾期结算", "YX02": "将所订卷烟转售他人",
    "YX03": "卷烟未按规定明码标价", "YX04": "拒不配合零售终端信息采集", "SH01": "市场监管部门行政处罚",
    "SH02": "消费者投诉经核查属实", "SH03": "列入严重失信主体名单", "SH04": "列入经营异常名录",
    "ZM51": "信用承诺履行满一年", "YX51": "参加信用培训", "YX52": "所在诚信互助小组评为三星",
    "YX53": "所在诚信互助小组评为四星", "YX54": "所在诚信互助小组评为五星", "YX55": "评为诚信示范户",
    "SH51": "列入联合激励红名单", "SH52": "获诚信经营表彰",
}
DISMISS_REASONS = ("证据不足，不予认定", "经复核系他人寄存物品，已退还", "卷烟来源合法，票据齐全",
                   "现场记录有误，已更正", "当事人提供了进货凭证")
COUNTY_ABBR = {"320812": "清", "320803": "淮", "320804": "阴", "320813": "洪", "320826": "涟", "320830": "盱",
               "320831": "金", "320871": "开"}


@dataclass
class DemoRecord:
    licence_no: str
    county_code: str
    indicator_code: str
    occurred_on: date
    status: str  # suspected, confirmed, dismissed, repaired
    source: str
    decided_on: date | None = None
    quantity: int | None = None
    case_number: str | None = None
    dismissed_reason: str | None = None
    repaired_on: date | None = None
    description: str = ""
    partner_ref: str | None = None
    recorder: str | None = None  # role of the person who entered it: inspector, marketer, partner, None
    decider: str | None = None  # supervisor who confirmed or dismissed it
    key: int = 0  # stable order
    extra: dict = field(default_factory=dict)


def _penalty(seed: int, rec: DemoRecord, ind) -> dict:
    """The administrative penalty behind a decided monopoly record (双公示 details): by severity, from
    the record's own generator (the rest of the history is unchanged). Other records carry none."""
    none = {"penalty_kinds": None, "penalty_content": None, "penalty_amount": None}
    if not (ind.admin_penalty and ind.dimension == "monopoly" and rec.decided_on
            and rec.status in ("confirmed", "repaired")):
        return none
    rng = _rng(seed, f"penalty:{rec.key}")
    cartons = rec.quantity or rng.randint(2, 30)
    if ind.severity == "minor":
        if rng.random() < 0.6:
            return {"penalty_kinds": ["warning"], "penalty_content": "警告，责令限期改正", "penalty_amount": None}
        amount = rng.choice((200, 300, 500, 800, 1000))
        return {"penalty_kinds": ["warning", "fine"], "penalty_content": f"警告，并处罚款{amount}元",
                "penalty_amount": Decimal(amount)}
    if ind.severity == "general":
        amount = rng.randint(10, 50) * 100
        return {"penalty_kinds": ["fine"], "penalty_content": f"罚款{amount}元，责令改正", "penalty_amount": Decimal(amount)}
    value = cartons * rng.choice((180, 220, 260, 300))  # the cigarettes' value: the fine is a share of it
    fine = round(value * rng.choice((0.2, 0.3, 0.5)))
    kinds = ["fine", "confiscation"]
    content = f"没收违法经营的卷烟{cartons}条，并处罚款{fine}元"
    if ind.severity == "veto":
        kinds.append("licence_revoked")
        content += "，吊销烟草专卖零售许可证"
    return {"penalty_kinds": kinds, "penalty_content": content, "penalty_amount": Decimal(fine + value)}


def _rng(seed: int, name: str) -> random.Random:
    return random.Random(f"huaian-demo:{seed}:credit-history:{name}")


def _pick(rng, pairs):
    x = rng.random()
    for value, p in pairs:
        x -= p
        if x < 0:
            return value
    return pairs[-1][0]


def _add_years(day: date, years: int) -> date:
    return scoring.add_months(day, 12 * years)


def _rating_days(start: date, today: date) -> list[date]:
    """The yearly group rating (20 March) within the window."""
    return [date(y, 3, 20) for y in range(start.year, today.year + 1) if start <= date(y, 3, 20) <= today]


class _Offenders:
    """Who commits the next violation: a weighted draw over the active licences. A licence's weight
    is its latent propensity (PROPENSITY, drawn once per seed) times the factors of its business
    format and market type for the violation's family (conduct, illegal channel, late payment), plus
    the recurrence left by its own past violations (RECUR_BOOST, decaying over RECUR_DAYS). The
    violations must be drawn in date order."""

    def __init__(self, seed, shops, start):
        rng = _rng(seed, "propensity")
        self.start = start
        latent, own = [], []
        for _r in shops:
            x = rng.random()
            for _name, share, median, sigma in PROPENSITY:
                x -= share
                if x < 0:
                    break
            latent.append(median * math.exp(rng.gauss(0.0, sigma)))
            own.append(math.exp(rng.gauss(0.0, PAYMENT_OWN_SIGMA)))
        self.latent = latent
        self.cum = {}
        for family in ("conduct", "channel", "payment"):
            fmt, mkt = FORMAT_FACTOR[family], MARKET_FACTOR[family]
            weights = [(b ** PAYMENT_CONDUCT_EXP * o if family == "payment" else b)
                       * fmt.get(r.get("business_format"), 1.0) * mkt.get(r.get("market_type"), 1.0)
                       for r, b, o in zip(shops, latent, own)]
            mean = sum(weights) / len(weights) if weights else 1.0
            self.cum[family] = list(itertools.accumulate(w / mean for w in weights))
        # per excitation group: cumulative weights (scaled by exp(t / RECUR_DAYS)) and the licence index
        self.excite = {"conduct": ([], []), "payment": ([], [])}

    @staticmethod
    def family(code):
        return "payment" if code == "YX01" else "channel" if code in CHANNEL else "conduct"

    def draw(self, rng, code, day) -> int:
        family = self.family(code)
        cum = self.cum[family]
        ecum, eshop = self.excite["payment" if family == "payment" else "conduct"]
        t = (day - self.start).days / RECUR_DAYS
        static = cum[-1]
        u = rng.random() * (static + (ecum[-1] * math.exp(-t) if ecum else 0.0))
        if u < static:
            return min(bisect.bisect_right(cum, u), len(cum) - 1)
        return eshop[min(bisect.bisect_right(ecum, (u - static) * math.exp(t)), len(ecum) - 1)]

    def record(self, index, code, day):
        ecum, eshop = self.excite["payment" if code == "YX01" else "conduct"]
        w = RECUR_BOOST * math.exp((day - self.start).days / RECUR_DAYS)
        ecum.append((ecum[-1] if ecum else 0.0) + w)
        eshop.append(index)


class _Book:
    """Points each retailer has counting today, to steer the violations that still count."""

    def __init__(self, catalogue, policy, today):
        self.catalogue, self.policy, self.today = catalogue, policy, today
        self.bonus = defaultdict(int)
        self.minus = defaultdict(int)
        self.zm51_until = {}  # licence -> (year start, year end) of a ZM51 counting today
        self.broken = set()  # licences whose ZM51 counting today a general or worse violation has broken

    def indicator(self, code):
        return self.catalogue.indicator(code)

    def counts_today(self, code, decided):
        months = self.indicator(code).counts_months_under(self.policy)
        return decided <= self.today < scoring.add_months(decided, months)

    def margin(self, licence, points, decided):
        bonus = min(self.bonus[licence], self.policy.bonus_ceiling)
        window = self.zm51_until.get(licence)
        if window and licence not in self.broken and window[0] <= decided < window[1]:
            bonus -= 5  # the violation breaks the commitment: its ZM51 will not be granted
        return bonus - self.minus[licence] + points


def generate_history(seed: int, retailers: list[dict], today: date, *, showcase=(), out: dict | None = None
                     ) -> list[DemoRecord]:
    """The demo credit records of these retailers (dicts with licence_no, county_code,
    operator_id_number, licence_issued_on, status), over the two years before ``today``.

    ``showcase`` names licences that should show a typical, readable history (the demo accounts).
    ``out`` (a dict) receives the objects every bonus comes from, for the loader to write: "groups"
    (county, member licences, [(rating day, stars)]), "commitments" (licence -> [(signed, kept)], the
    years signed) and "current" (licence -> the day of the commitment in force today), "models"
    ([(licence, group index, day)] model retailers) and "model_groups" ([(group index, day)])."""
    catalogue = scoring.catalogue_for(today, scoring.available_catalogues())
    policy = scoring.policy_for(today, scoring.available_policies())
    start = today - timedelta(days=HISTORY_DAYS)
    shops = sorted(retailers, key=lambda r: r["licence_no"])
    if not shops:
        return []
    by_no = {r["licence_no"]: r for r in shops}
    book = _Book(catalogue, policy, today)
    records: list[DemoRecord] = []
    showcase = set(showcase)

    held = set()  # (licence, indicator, date): one fact, one record (the database refuses a second one)

    def add(rec: DemoRecord):
        rec.key = len(records)
        records.append(rec)
        held.add((rec.licence_no, rec.indicator_code, rec.occurred_on))
        if rec.status in ("confirmed", "repaired") and rec.decided_on and rec.licence_no not in book.broken and \
                book.indicator(rec.indicator_code).severity in ("general", "serious", "veto"):
            window = book.zm51_until.get(rec.licence_no)
            if window and window[0] <= rec.decided_on < window[1]:  # even an old one: that ZM51 is lost
                book.broken.add(rec.licence_no)
                book.bonus[rec.licence_no] -= 5
        if rec.status in ("confirmed",) and rec.decided_on and book.counts_today(rec.indicator_code, rec.decided_on):
            pts = book.indicator(rec.indicator_code).points_for(rec.quantity)
            if pts > 0:
                book.bonus[rec.licence_no] += pts
            else:
                book.minus[rec.licence_no] -= pts
        return rec

    def issued(r):
        return r["licence_issued_on"]

    def base(r, code, occurred, **kw):
        return DemoRecord(licence_no=r["licence_no"], county_code=r["county_code"], indicator_code=code,
                          occurred_on=occurred, description=DESCRIPTIONS.get(code, ""), **kw)

    # ---- bonuses ------------------------------------------------------------------------------
    rng = _rng(seed, "bonuses")
    ratings = _rating_days(start, today)
    # Integrity mutual-aid groups: neighbours in licence order within a county.
    by_county = defaultdict(list)
    for r in shops:
        if r["status"] != "cancelled":
            by_county[r["county_code"]].append(r)
    groups = []
    for code in sorted(by_county):
        members = [r for r in by_county[code] if rng.random() < P_GROUP_MEMBER or r["licence_no"] in showcase]
        i = 0
        while i < len(members):
            size = rng.randint(*GROUP_SIZE)
            groups.append(members[i:i + size])
            i += size
    stars_now = {}
    group_ratings = defaultdict(list)  # group -> [(day, stars)]
    star_records = defaultdict(list)  # (group, day) -> the bonus records that rating made
    for g, members in enumerate(groups):
        stars = _pick(rng, STARS)
        for day in ratings:
            if rng.random() < 0.25:
                stars = max(3, min(5, stars + rng.choice((-1, 1))))
            code = {3: "YX52", 4: "YX53", 5: "YX54"}[stars]
            for r in members:
                if issued(r) <= day - timedelta(days=90):
                    star_records[(g, day)].append(add(base(r, code, day, status="confirmed", decided_on=day,
                                                           source="supervisor", recorder="supervisor")))
            stars_now[g] = (stars, day)
            group_ratings[g].append((day, stars))
    # Commitments: signed in the launch campaign (or soon after a new licence), kept year by year.
    campaign = start + timedelta(days=5)
    commitments = {}  # licence -> list of (signed, kept_on) years
    current = {}  # licence -> the signing in force today
    for r in shops:
        if r["status"] == "cancelled" or (rng.random() >= P_COMMITMENT and r["licence_no"] not in showcase):
            continue
        signed = max(campaign + timedelta(days=rng.randint(0, 100)), issued(r) + timedelta(days=rng.randint(5, 60)))
        years = []
        stopped = False
        while _add_years(signed, 1) <= today:
            kept = _add_years(signed, 1)
            years.append((signed, kept))
            if rng.random() >= P_KEEPS_SIGNING:
                stopped = True
                break
            signed = kept
        if not stopped and signed <= today:
            current[r["licence_no"]] = signed
        commitments[r["licence_no"]] = years
        for signed_on, kept in years:
            if book.counts_today("ZM51", kept):
                book.bonus[r["licence_no"]] += 5  # provisional: granted at the end unless a violation breaks it
                book.zm51_until[r["licence_no"]] = (signed_on, kept)
    # Training and activities, model retailers, red list, honours.
    for r in shops:
        if r["status"] == "cancelled":
            continue
        day = max(start, issued(r))
        while True:
            day += timedelta(days=int(rng.expovariate(P_TRAINING_PER_YEAR / 365.0)) + 1)
            if day > today:
                break
            add(base(r, "YX51", day, status="confirmed", decided_on=day, source="marketer", recorder="marketer"))
        if rng.random() < P_RED_LIST:
            day = today - timedelta(days=rng.randint(10, 340))
            if issued(r) < day:
                add(base(r, "SH51", day, status="confirmed", decided_on=day, source="partner", recorder="partner",
                         partner_ref=f"XYB-{day.year}-{rng.randint(1, 9999):04d}"))
        if rng.random() < P_HONOUR:
            day = today - timedelta(days=rng.randint(10, 700))
            if issued(r) < day:
                add(base(r, "SH52", day, status="confirmed", decided_on=day, source="partner", recorder="partner",
                         partner_ref=f"XYB-{day.year}-{rng.randint(1, 9999):04d}"))
    models = []  # (record, group, day): model retailers, published a month after their group's rating
    model_groups = []
    for g, members in enumerate(groups):
        stars, day = stars_now.get(g, (3, None))
        if day is None or stars < 4:
            continue
        chosen = day + timedelta(days=MODEL_AFTER_DAYS)
        for r in members:
            if r["licence_no"] in book.zm51_until and issued(r) <= day - timedelta(days=365) and rng.random() < P_MODEL \
                    and chosen <= today:
                models.append((add(base(r, "YX55", chosen, status="confirmed", decided_on=chosen, source="supervisor",
                                        recorder="supervisor")), g, chosen))
        if stars == 5 and chosen <= today:
            model_groups.append((g, chosen))

    # ---- violations ---------------------------------------------------------------------------
    rng = _rng(seed, "violations")
    active = [r for r in shops if r["status"] != "cancelled"]
    offenders = _Offenders(seed, active, start)
    position = {r["licence_no"]: i for i, r in enumerate(active)}
    cases = defaultdict(int)

    def case_number(county, day):
        cases[(county, day.year)] += 1
        return f"{COUNTY_ABBR.get(county, '淮')}烟专罚〔{day.year}〕第{cases[(county, day.year)]}号"

    def quantity_for(code):
        if not book.indicator(code).banded:
            return None
        band = _pick(rng, (((1, 9), 0.7), ((10, 49), 0.25), ((50, 120), 0.05)))
        return rng.randint(*band)

    def target(code, occurred, decided, points, steer):
        """A retailer for a violation: licensed by then, drawn by propensity (``_Offenders``); if it
        still counts today, mostly one whose bonuses cover it (if the draws by propensity find none,
        any such retailer)."""
        candidate = None
        if not active:
            return None
        uncovered_ok = not steer or rng.random() < P_UNCOVERED[steer]
        for k in range(STEER_TRIES[0] + STEER_TRIES[1]):
            r = active[offenders.draw(rng, code, occurred) if k < STEER_TRIES[0] else rng.randrange(len(active))]
            if issued(r) > occurred - timedelta(days=30):
                continue
            candidate = r
            if uncovered_ok or book.margin(r["licence_no"], points, decided) >= 0:
                return r
        return candidate

    def violation(code, occurred, *, steer_ok=True, force_status=None):
        ind = book.indicator(code)
        source = SOURCE_OF[code[:2]]
        if code == "YX01":
            source = "import"
        if code == "ZM13":
            source = "supervisor"
        qty = quantity_for(code)
        points = ind.points_for(qty)
        if source == "inspection":
            decided = occurred + timedelta(days=rng.randint(5, 40))
        elif source == "import":
            decided = (occurred.replace(day=1) + timedelta(days=32)).replace(day=3)
        elif source == "partner":
            decided = occurred + timedelta(days=rng.randint(10, 60))
        else:
            decided = occurred + timedelta(days=rng.randint(0, 10))
        status = force_status or "confirmed"
        if decided > today:
            if source != "inspection":
                decided = today
            else:
                status = "suspected"
        if status == "confirmed" and source == "inspection" and not force_status and rng.random() < P_DISMISSED:
            status = "dismissed"
        counting = status == "confirmed" and book.counts_today(code, decided)
        steer = ind.severity if counting and ind.severity in P_UNCOVERED and steer_ok else None
        r = target(code, occurred, decided, points, steer)
        if r is None:
            return None
        # One fact, one record: the shop already has this finding that day (two late payments drawn for one
        # import day): it is the previous free day's (no draw from the generator, so the rest is unchanged).
        while (r["licence_no"], code, occurred) in held and occurred > start:
            occurred -= timedelta(days=1)
        rec = base(r, code, occurred, status=status, source=source, quantity=qty, recorder={
            "inspection": "inspector", "import": "marketer", "marketer": "marketer", "partner": "partner",
            "supervisor": "supervisor"}[source])
        if status in ("confirmed", "dismissed"):
            rec.decider = "supervisor" if source == "inspection" else None
        if status == "confirmed":
            rec.decided_on = decided
            if code.startswith("ZM"):
                rec.case_number = case_number(r["county_code"], decided)
            if source == "partner":
                rec.partner_ref = f"{SH_REFS.get(code, 'XYB')}-{decided.year}-{rng.randint(1, 9999):04d}"
            repair_p = P_REPAIRED.get(ind.severity, 0)
            rule = ind.repair_rule(policy)
            if repair_p and rule.repairable:
                eligible = scoring.add_months(decided, rule.after_months)
                if eligible + timedelta(days=10) < today and rng.random() < repair_p:
                    rec.status = "repaired"
                    rec.repaired_on = min(today, eligible + timedelta(days=rng.randint(10, 90)))
        elif status == "dismissed":
            rec.dismissed_reason = rng.choice(DISMISS_REASONS)
            rec.extra["dismissed_on"] = decided
        if status != "dismissed":  # a proven (or still suspected) violation raises the shop's rate
            offenders.record(position[r["licence_no"]], code, occurred)
        return add(rec)

    # When and what first; then who, in date order (recurrence needs the past of each shop).
    months = HISTORY_DAYS / 30.4
    events = []  # (day, order, code, forced status)
    for code, rate in MONTHLY.items():
        total = int(round(rate * len(active) * months))
        if code == "YX01":  # the monthly import of late payments: due on the 10th
            per_month = max(0, int(round(rate * len(active))))
            month = date(start.year, start.month, 10)
            while month <= today:
                if month >= start:
                    for _ in range(per_month):
                        events.append((month, len(events), code, None))
                month = (month.replace(day=1) + timedelta(days=32)).replace(day=10)
            continue
        for _ in range(total):
            events.append((start + timedelta(days=rng.randint(0, HISTORY_DAYS - 1)), len(events), code, None))
    for _ in range(int(round(SERIOUS_SHARE * len(active)))):
        events.append((start + timedelta(days=rng.randint(0, HISTORY_DAYS - 60)), len(events),
                       _pick(rng, SERIOUS_MIX), None))
    for _ in range(max(1, int(round(VETO_SHARE * len(active))))):
        events.append((start + timedelta(days=rng.randint(0, HISTORY_DAYS - 60)), len(events), "ZM01", "confirmed"))
    # The queue: findings of the last weeks still waiting for a supervisor.
    for _ in range(max(3, int(round(QUEUE_SHARE * len(active))))):
        events.append((today - timedelta(days=rng.randint(1, 45)), len(events), _pick(rng, QUEUE_MIX), "suspected"))
    for day, _order, code, forced in sorted(events):
        violation(code, day, force_status=forced)

    # ---- commitments kept: ZM51 unless a general or worse violation was decided in that year ----
    serious_days = defaultdict(list)
    for rec in records:
        if rec.status in ("confirmed", "repaired") and book.indicator(rec.indicator_code).severity in (
                "general", "serious", "veto"):
            serious_days[rec.licence_no].append(rec.decided_on)
    for licence in sorted(commitments):
        r = by_no[licence]
        for signed, kept in commitments[licence]:
            if any(signed <= d < kept for d in serious_days[licence]):
                continue
            add(base(r, "ZM51", kept, status="confirmed", decided_on=kept, source="system",
                     extra={"signed_on": signed}))

    # The rules of the groups part: a member's serious violation decided in the year before a rating
    # means no stars in that rating (and no model retailers or model group from it); a retailer with a
    # serious violation in the year before its model decision is not chosen.
    serious = defaultdict(list)
    for rec in records:
        if rec.status in ("confirmed", "repaired") and book.indicator(rec.indicator_code).severity in ("serious", "veto"):
            serious[rec.licence_no].append(rec.decided_on)
    dropped = set()
    lost = set()
    for g, members in enumerate(groups):
        for n, (day, stars) in enumerate(group_ratings[g]):
            if any(day - timedelta(days=365) <= d < day for r in members for d in serious[r["licence_no"]]):
                group_ratings[g][n] = (day, 0)
                lost.add((g, day))
                dropped.update(id(rec) for rec in star_records[(g, day)])
    kept_models = []
    for rec, g, chosen in models:
        rating_day = chosen - timedelta(days=MODEL_AFTER_DAYS)
        if (g, rating_day) in lost or any(chosen - timedelta(days=365) <= d <= chosen for d in serious[rec.licence_no]):
            dropped.add(id(rec))
        else:
            kept_models.append((rec.licence_no, g, chosen))
    model_groups = [(g, chosen) for g, chosen in model_groups if (g, chosen - timedelta(days=MODEL_AFTER_DAYS)) not in lost]
    if dropped:
        records[:] = [rec for rec in records if id(rec) not in dropped]
    if out is not None:
        out["groups"] = [{"county": members[0]["county_code"], "members": [r["licence_no"] for r in members],
                          "ratings": list(group_ratings[g])} for g, members in enumerate(groups)]
        out["commitments"] = commitments
        out["current"] = current
        out["models"] = kept_models
        out["model_groups"] = model_groups

    # Showcase licences get a readable past too: a lapsed late payment and a recent minor finding.
    for licence in sorted(showcase):
        r = by_no.get(licence)
        if r is None or r["status"] == "cancelled":
            continue
        day = max(issued(r) + timedelta(days=40), today - timedelta(days=200))
        while (licence, "YX01", day) in held:  # that day's late payment is already on record
            day -= timedelta(days=1)
        rec = base(r, "YX01", day, status="confirmed", decided_on=day + timedelta(days=20), source="import",
                   recorder="marketer")
        add(rec)
    records.sort(key=lambda x: (x.occurred_on, x.licence_no, x.key))
    for i, rec in enumerate(records):
        rec.key = i
    return records


def pilot_catalogue(today: date):
    """The demo city's first catalogue version, in force from the start of its history when that is
    earlier than the first shipped version: the pilot (试点) catalogue of the plan's trial period, with
    the shipped indicators. Returns (version text, scoring.Catalogue) or None. Every demo record is
    graded under the version in force on the day it happened, never under a later one."""
    from pathlib import Path

    shipped = sorted(scoring.available_catalogues().values(), key=lambda c: c.effective_from)[0]
    start = (today - timedelta(days=HISTORY_DAYS)).replace(day=1)
    if start >= shipped.effective_from:
        return None
    source = Path(scoring.__file__).parent / "catalogues" / f"{shipped.version}.yaml"
    text = source.read_text(encoding="utf-8")
    version = f"{start.year}.0"
    text = text.replace(f'version: "{shipped.version}"', f'version: "{version}"', 1)
    text = text.replace(f"effective_from: {shipped.effective_from.isoformat()}",
                        f"effective_from: {start.isoformat()}", 1)
    text = (f"# 演示城市的试点期指标体系（{start.isoformat()} 起施行，指标与 {shipped.version} 相同）。\n"
            f"# The demo city's pilot catalogue (in force from {start.isoformat()}; the indicators of "
            f"{shipped.version}).\n") + text
    return text, scoring.load_catalogue(text, source=f"{version}.yaml")


def demo_catalogues(today: date) -> dict:
    """The shipped catalogue versions and, where the demo's history needs it, its pilot version."""
    cats = dict(scoring.available_catalogues())
    pilot = pilot_catalogue(today)
    if pilot is not None:
        cats[pilot[1].version] = pilot[1]
    return cats


def version_on(day: date, catalogues: dict) -> str:
    return scoring.catalogue_for(day, catalogues).version


def engine_setup(records: list[DemoRecord], retailers: list[dict], today: date):
    """What the engine needs to grade the generated history (pure): the catalogues, the policy in
    force ``today`` and a function giving one licence's inputs (its operator's confirmed and
    repaired records; those of other licences marked via_operator)."""
    catalogues = demo_catalogues(today)
    policy = scoring.policy_for(today, scoring.available_policies())
    operator_of = {r["licence_no"]: r["operator_id_number"] for r in retailers}
    by_operator = defaultdict(list)
    for i, rec in enumerate(records):
        if rec.status in ("confirmed", "repaired") and rec.licence_no in operator_of:
            by_operator[operator_of[rec.licence_no]].append((i, rec))

    def inputs_of(r: dict) -> list[scoring.RecordInput]:
        return [scoring.RecordInput(id=i, indicator_code=rec.indicator_code,
                                    catalogue_version=version_on(rec.occurred_on, catalogues),
                                    decided_on=rec.decided_on, quantity=rec.quantity, repaired_on=rec.repaired_on,
                                    via_operator=rec.licence_no != r["licence_no"])
                for i, rec in by_operator.get(r["operator_id_number"], [])]

    return catalogues, policy, inputs_of


def grades_of(records: list[DemoRecord], retailers: list[dict], today: date) -> dict[str, scoring.ScoreResult]:
    """The engine's result for every retailer, from the generated records alone (pure): what the
    database-backed live grades must equal."""
    catalogues, policy, inputs_of = engine_setup(records, retailers, today)
    return {r["licence_no"]: scoring.compute(inputs_of(r), as_of=today, catalogues=catalogues, policy=policy,
                                             licensed_on=r["licence_issued_on"]) for r in retailers}


# ---- writing ----------------------------------------------------------------------------------

@dataclass
class HistoryResult:
    records: int
    suspected: int
    grades: dict
    inspections: int = 0
    findings: int = 0
    sources: dict = field(default_factory=dict)  # the groups, ratings, commitments and awards behind the bonuses


def _at(day: date, hour: int = 10) -> datetime:
    """A naive UTC timestamp for a local working hour on ``day`` (China is UTC+8)."""
    return datetime(day.year, day.month, day.day, hour) - timedelta(hours=8)


def load_history(seed: int, city, today: date, *, showcase=(), progress=None) -> HistoryResult:
    """Write the history of the loaded demo city (retailers and users must exist) and its live grades.

    Bulk inserts; the caller commits."""
    from sqlalchemy import func, insert, select, text

    from app.auth.models import User
    from app.credit import grading
    from app.credit.models import CreditRecord, CreditRecordEvent, RetailerGrade
    from app.extensions import db
    from app.org.models import OrgUnit
    from app.retailers.models import Retailer

    store_pilot_catalogue(today)
    sources: dict = {}
    records = generate_history(seed, city.retailers, today, showcase=showcase, out=sources)
    # The past inspections first (the records found on site point at them), then the records.
    from app.demo.inspections import generate_inspections, write_findings, write_inspections

    inspections = generate_inspections(seed, city, records, today)
    found = write_inspections(seed, city, inspections, records)
    ids = dict(db.session.execute(select(Retailer.licence_no, Retailer.id)).all())
    ops = dict(db.session.execute(select(Retailer.id, Retailer.operator_id)).all())
    staff = defaultdict(list)
    for user_id, role, code in db.session.execute(
            select(User.id, User.role, OrgUnit.code).join(OrgUnit, User.unit_id == OrgUnit.id, isouter=True)
            .where(User.role.in_(("inspector", "marketer", "supervisor", "partner"))).order_by(User.username)):
        staff[(role, code)].append(user_id)
    partners = staff.get(("partner", None), [])
    pick = _rng(seed, "actors")

    def actor(role, county):
        if role is None:
            return None
        if role == "partner":
            return partners[pick.randrange(len(partners))] if partners else None
        people = staff.get((role, county)) or staff.get((role, "320800")) or []
        return people[pick.randrange(len(people))] if people else None

    catalogues = demo_catalogues(today)
    rows, actors = [], []
    for rec in records:
        catalogue = scoring.catalogue_for(rec.occurred_on, catalogues)  # the version in force that day
        ind = catalogue.indicator(rec.indicator_code)
        recorder = actor(rec.recorder, rec.county_code)
        if rec.key in found:  # found on site: entered by the inspection's first officer
            recorder = found[rec.key][3]
        recorded_on = rec.decided_on if rec.source in ("import", "system", "partner", "supervisor") and rec.decided_on \
            else rec.occurred_on
        rows.append({
            "retailer_id": ids[rec.licence_no], "operator_id": ops[ids[rec.licence_no]],
            "indicator_code": rec.indicator_code, "catalogue_version": catalogue.version, "dimension": ind.dimension,
            "quantity": rec.quantity, "nominal_points": ind.points_for(rec.quantity), "occurred_on": rec.occurred_on,
            "recorded_at": _at(recorded_on, 9 + rec.key % 8), "recorded_by_id": recorder,
            "source": rec.source, "status": rec.status, "disputed": False,
            "case_number": rec.case_number, "decided_on": rec.decided_on, "dismissed_reason": rec.dismissed_reason,
            "repaired_on": rec.repaired_on,
            "description": rec.description,
            "evidence": ([{"kind": "photo", "ref": f"demo/{rec.licence_no}/{rec.key}.jpg"}]
                         if rec.source == "inspection" else []),
            "lat": found[rec.key][1] if rec.key in found else None,
            "lng": found[rec.key][2] if rec.key in found else None,
            "inspection_id": found[rec.key][0] if rec.key in found else None,
            "partner_ref": rec.partner_ref, "client_uuid": None,
            **_penalty(seed, rec, ind),
        })
        actors.append((recorder, actor(rec.decider, rec.county_code) if rec.decider else None))
    # Explicit ids (RETURNING over tens of thousands of rows is slow on SQLite); PostgreSQL's
    # sequence is moved past them afterwards.
    first = (db.session.scalar(select(func.max(CreditRecord.id))) or 0) + 1
    record_ids = list(range(first, first + len(rows)))
    for row, rid in zip(rows, record_ids):
        row["id"] = rid
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(CreditRecord.__table__), rows[start:start + 5000])
    if db.engine.dialect.name == "postgresql" and rows:
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('credit_records', 'id'), :n)"),
                           {"n": record_ids[-1]})
    events = []
    for rec, row, rid, (recorder, decider) in zip(records, rows, record_ids, actors):
        created_status = "suspected" if rec.source == "inspection" else (
            "confirmed" if rec.status != "suspected" else "suspected")
        events.append({"record_id": rid, "at": row["recorded_at"], "actor_id": row["recorded_by_id"],
                       "action": "create", "from_status": None, "to_status": created_status,
                       "case_number": row["case_number"] if created_status == "confirmed" else None,
                       "decided_on": row["decided_on"] if created_status == "confirmed" else None,
                       "note": None})
        if created_status == "suspected" and rec.status in ("confirmed", "repaired"):
            events.append({"record_id": rid, "at": _at(rec.decided_on, 15), "actor_id": decider, "action": "confirm",
                           "from_status": "suspected", "to_status": "confirmed", "case_number": rec.case_number,
                           "decided_on": rec.decided_on, "note": None})
        if rec.status == "dismissed":
            events.append({"record_id": rid, "at": _at(rec.extra["dismissed_on"], 15), "actor_id": decider,
                           "action": "dismiss", "from_status": "suspected", "to_status": "dismissed",
                           "case_number": None, "decided_on": None, "note": rec.dismissed_reason})
        if rec.status == "repaired":
            events.append({"record_id": rid, "at": _at(rec.repaired_on, 16), "actor_id": actor("supervisor",
                                                                                             rec.county_code),
                           "action": "repair", "from_status": "confirmed", "to_status": "repaired",
                           "case_number": None, "decided_on": rec.repaired_on, "note": "信用修复申请经审核通过"})
    for start in range(0, len(events), 5000):
        db.session.execute(insert(CreditRecordEvent.__table__), events[start:start + 5000])
    findings = write_findings(records, {rec.key: rid for rec, rid in zip(records, record_ids)}, found, today)
    from app.demo.bonus_sources import write_bonus_sources

    bonus_sources = write_bonus_sources(seed, sources, records, record_ids, today)

    # Live grades for every licence, with the engine, in bulk.
    shops = db.session.execute(select(Retailer.id, Retailer.operator_id, Retailer.licence_issued_on)
                               .order_by(Retailer.id)).all()
    grade_rows = grading.compute_grade_rows(shops, today)
    for start in range(0, len(grade_rows), 2000):
        db.session.execute(insert(RetailerGrade.__table__), grade_rows[start:start + 2000])
    distribution = defaultdict(int)
    for row in grade_rows:
        distribution[row["grade"]] += 1
    return HistoryResult(records=len(rows), suspected=sum(1 for r in records if r.status == "suspected"),
                         grades=dict(distribution), inspections=len(inspections), findings=findings,
                         sources=bonus_sources)


def store_pilot_catalogue(today: date):
    """Store the demo city's pilot catalogue version (if its history needs one) as stored in its day:
    the first version of the city's catalogue, before the shipped ones."""
    pilot = pilot_catalogue(today)
    if pilot is None:
        return None
    from sqlalchemy import select

    from app.credit import versions
    from app.credit.models import CatalogueVersion
    from app.extensions import db

    text, obj = pilot
    if db.session.scalar(select(CatalogueVersion.id).where(CatalogueVersion.version == obj.version)) is not None:
        return None
    row = versions._store(versions.CATALOGUE, obj, text, actor=None, shipped=False)
    row.created_at = _at(obj.effective_from, 8)
    return row
