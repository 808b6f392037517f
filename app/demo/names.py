"""Believable Chinese names for the demo city: people, shops, roads and villages.

Every function takes the caller's ``random.Random`` so the output is a pure function of the seed.
Pure Python: standard library only.
"""
from __future__ import annotations

import bisect
import itertools

# Surnames with rough relative frequencies (per cent of the population, national figures, with the
# Jiangsu-heavy names 徐 朱 孙 陆 顾 沈 钱 a little raised).
SURNAMES = [
    ("王", 7.2), ("李", 7.0), ("张", 6.8), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.2), ("赵", 2.3),
    ("吴", 2.1), ("周", 1.9), ("徐", 2.0), ("孙", 1.7), ("马", 1.3), ("朱", 1.5), ("胡", 1.3), ("郭", 1.2),
    ("何", 1.2), ("高", 1.0), ("林", 1.0), ("罗", 0.9), ("郑", 0.8), ("梁", 0.8), ("谢", 0.6), ("宋", 0.6),
    ("唐", 0.5), ("许", 0.6), ("韩", 0.5), ("冯", 0.5), ("邓", 0.5), ("曹", 0.5), ("彭", 0.5), ("曾", 0.4),
    ("肖", 0.4), ("田", 0.4), ("董", 0.4), ("袁", 0.4), ("潘", 0.4), ("于", 0.4), ("蒋", 0.4), ("蔡", 0.4),
    ("余", 0.35), ("杜", 0.35), ("叶", 0.35), ("程", 0.35), ("苏", 0.35), ("魏", 0.3), ("吕", 0.3), ("丁", 0.35),
    ("任", 0.3), ("沈", 0.4), ("姚", 0.3), ("卢", 0.3), ("姜", 0.3), ("崔", 0.25), ("钟", 0.25), ("谭", 0.25),
    ("陆", 0.4), ("汪", 0.25), ("范", 0.25), ("金", 0.25), ("石", 0.25), ("贾", 0.2), ("夏", 0.25), ("方", 0.2),
    ("白", 0.2), ("邹", 0.2), ("孟", 0.2), ("秦", 0.2), ("邱", 0.2), ("江", 0.2), ("尹", 0.15), ("薛", 0.2),
    ("闫", 0.15), ("段", 0.15), ("雷", 0.15), ("侯", 0.15), ("史", 0.15), ("陶", 0.15), ("贺", 0.15), ("顾", 0.3),
    ("毛", 0.15), ("郝", 0.1), ("龚", 0.15), ("邵", 0.15), ("万", 0.15), ("钱", 0.2), ("严", 0.15), ("武", 0.1),
    ("戴", 0.15), ("孔", 0.1), ("汤", 0.15), ("常", 0.1), ("季", 0.1), ("单", 0.1), ("葛", 0.1), ("吉", 0.08),
]

_MALE_SINGLE = list("伟强军勇杰涛斌超明刚平辉鹏华飞鑫波宁磊亮建国峰林海成龙东文新志俊春洪兵庆忠生宝德荣祥彬健松永金福贵卫学")
_MALE_FIRST = list("建国志永海春德文明家立宏晓俊新金学卫长士玉兆保加仁正")
_MALE_SECOND = list("军华平明国林强东兵波峰伟刚生荣祥成杰勇忠良虎龙彪山兴")
_FEMALE_SINGLE = list("芳娜敏静丽艳娟霞燕玲琴云萍红梅兰英慧雪莉婷洁琳颖晶倩凤玉桂秀珍丹蓉翠")
_FEMALE_FIRST = list("秀丽美桂玉春晓海雪红艳婷彩凤淑金小月文翠")
_FEMALE_SECOND = list("英兰梅芳华珍玲霞萍琴红燕娟云莲琳丽凤霞芬")

_SURNAME_LIST = [s for s, _ in SURNAMES]
_SURNAME_CUM = list(itertools.accumulate(w for _, w in SURNAMES))


def surname(rng) -> str:
    x = rng.random() * _SURNAME_CUM[-1]
    return _SURNAME_LIST[bisect.bisect_right(_SURNAME_CUM, x)]


def given_name(rng, male: bool) -> str:
    """A one- or two-character given name (about a third are one character)."""
    if rng.random() < 0.35:
        return rng.choice(_MALE_SINGLE if male else _FEMALE_SINGLE)
    if male:
        return rng.choice(_MALE_FIRST) + rng.choice(_MALE_SECOND)
    return rng.choice(_FEMALE_FIRST) + rng.choice(_FEMALE_SECOND)


def person_name(rng, male: bool | None = None) -> tuple[str, str, str]:
    """(full name, surname, given name)."""
    if male is None:
        male = rng.random() < 0.5
    s = surname(rng)
    g = given_name(rng, male)
    return s + g, s, g


# Shop names. Brand words are the kind painted over small shops in northern Jiangsu.
BRANDS = [
    "华兴", "金茂", "家家乐", "好又多", "万家福", "福满多", "惠民", "百佳", "佳乐", "鑫源", "恒盛", "宏达", "顺发",
    "兴隆", "聚鑫", "盛源", "和顺", "利民", "便民", "德润", "天天", "乐购", "喜多多", "百顺", "众鑫", "祥和",
    "吉祥", "金鑫", "嘉禾", "同福", "永兴", "瑞丰", "康乐", "友谊", "华联", "万福", "福源", "旺福", "好邻居",
    "邻里", "乐万家", "新鑫", "春晖", "阳光", "润发", "恒通", "金叶", "运河", "清河", "淮扬", "鸿运", "兴旺",
    "广源", "裕丰", "亿家", "全顺", "诚信", "如意", "多多乐", "优品",
]
CHAINS = {
    "supermarket": ["苏果超市", "华润万家", "大润发", "永辉超市", "好又多超市"],
    "convenience": ["苏果便利", "快客便利", "苏宁小店", "好邻居便利"],
}
SUFFIXES = {
    "grocery": [("食杂店", 22), ("副食店", 10), ("小卖部", 10), ("商店", 14), ("百货店", 6), ("日杂店", 4),
                ("杂货店", 4), ("便民店", 6), ("平价超市", 6), ("烟杂店", 10), ("综合商店", 4), ("批发部", 4)],
    "convenience": [("便利店", 60), ("便利", 12), ("便利超市", 18), ("24小时便利店", 10)],
    "supermarket": [("超市", 50), ("生活超市", 20), ("购物中心", 10), ("量贩超市", 10), ("连锁超市", 10)],
    "tobacco_liquor": [("烟酒商行", 30), ("烟酒店", 25), ("烟酒", 15), ("名烟名酒", 10), ("烟酒批发部", 10),
                       ("烟酒行", 10)],
    "entertainment": [("饭店", 16), ("大酒店", 10), ("酒家", 8), ("土菜馆", 10), ("淮扬菜馆", 8), ("量贩KTV", 10),
                      ("KTV", 6), ("茶楼", 6), ("棋牌室", 8), ("洗浴中心", 5), ("宾馆", 8), ("网咖", 5)],
    "other": [("水果店", 14), ("粮油店", 12), ("茶叶店", 10), ("报刊亭", 6), ("五金店", 8), ("土特产店", 8),
              ("蔬菜店", 6), ("熟食店", 10), ("调味品店", 6), ("加油站便利店", 6), ("汽车站小卖部", 4),
              ("母婴用品店", 2), ("农资店", 8)],
}
_ENTERTAINMENT_BRANDS = ["金色年华", "星光", "欢乐颂", "魅力", "音乐盒", "金碧辉煌", "君悦", "富豪", "锦江",
                         "淮扬人家", "老街坊", "好再来", "聚贤", "迎宾", "万豪", "渔家"]

# Roads and streets (real names in each seat, or typical of it).
ROADS = {
    "320812": ["淮海南路", "淮海北路", "淮海东路", "淮海西路", "健康东路", "健康西路", "人民南路", "北京南路",
               "北京北路", "解放东路", "解放西路", "承德南路", "承德北路", "西安南路", "西安北路", "大治路",
               "交通路", "清浦路", "翔宇大道", "新民路", "环城路", "水渡口大道"],
    "320803": ["漕运东路", "漕运西路", "镇淮楼东路", "镇淮楼西路", "北门大街", "东长街", "西长街", "南门大街",
               "承恩大道", "永怀东路", "枚皋路", "楚州大道", "翔宇大道", "河下古镇路"],
    "320804": ["长江东路", "长江西路", "北京东路", "北京西路", "黄河东路", "黄河西路", "淮河东路", "淮河西路",
               "人民北路", "嫩江路", "泰山路", "宁连路", "承德北路"],
    "320813": ["人民南路", "人民北路", "大庆路", "东风路", "洪泽湖大道", "健康路", "建设路", "湖滨路", "东七街",
               "西顺河路"],
    "320826": ["红日大道", "安东北路", "安东南路", "涟州路", "胜利路", "交通路", "淮涟路", "钱江路", "黄河路",
               "五岛湖路"],
    "320830": ["都梁大道", "淮河北路", "东湖南路", "东湖北路", "山水大道", "金源北路", "五墩路", "象山路",
               "盱城路", "第一山路"],
    "320831": ["金湖东路", "金湖西路", "建设路", "健康路", "衡阳路", "荷花大道", "环城西路", "利农路", "金宝路"],
    "320871": ["深圳东路", "枚乘东路", "枚乘西路", "海口路", "珠海路", "厦门路", "福地路", "迎宾大道", "南昌路",
               "广州路"],
}
TOWN_STREETS = ["中心街", "人民路", "建设路", "镇南街", "镇北街", "新街", "老街", "商业街", "东大街", "西大街",
                "街南路", "幸福路", "文化路", "解放路", "农贸市场"]

_VILLAGE_GOOD = ["新民", "前进", "红旗", "联合", "兴隆", "永安", "东风", "胜利", "光明", "幸福", "和平", "新华",
                 "跃进", "团结", "五一", "建设", "友谊", "新庄", "双河", "三河", "五里", "八里", "新河", "河东",
                 "河西", "大圩", "小湖", "双桥", "红星", "先锋"]
_VILLAGE_ENDS = ["庄", "圩", "集", "湾", "洼", "桥", "沟", "墩", "荡", "舍", "口", "营", "湖"]

_CN_NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def _weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def village_name(rng) -> str:
    """A village name without the 村 suffix, e.g. 王庄, 张圩, 前进."""
    if rng.random() < 0.6:
        return surname(rng) + rng.choice(_VILLAGE_ENDS)
    return rng.choice(_VILLAGE_GOOD)


def group_number(n: int) -> str:
    """1 -> 一组 (village groups are numbered in Chinese numerals)."""
    return _CN_NUMBERS[n - 1] + "组"


def shop_name(rng, business_format: str, market_type: str, *, surname_: str, given: str,
              road: str | None = None, town: str | None = None, village: str | None = None) -> str:
    """A shop name mixing the usual patterns: brand + format, 老王/王记/王家 + format, place + format,
    chain (branch), or the owner's given name + 商店."""
    suffix = _weighted(rng, SUFFIXES[business_format])
    place = village + "村" if village else ((town or "").replace("街道", "") or road or "")
    if business_format in CHAINS and market_type != "village":
        chain_p = 0.35 if business_format == "supermarket" else 0.12
        if rng.random() < chain_p:
            branch = (road or town or place).replace("街道", "")
            return f"{rng.choice(CHAINS[business_format])}({branch}店)"
    if business_format == "entertainment":
        r = rng.random()
        if r < 0.45:
            return rng.choice(_ENTERTAINMENT_BRANDS) + suffix
        if r < 0.75:
            return rng.choice(["老", "", ""]) + surname_ + rng.choice(["家", "记", "氏", ""]) + suffix
        return (place if (village or town) else rng.choice(BRANDS)) + suffix
    r = rng.random()
    if r < 0.45:
        return rng.choice(BRANDS) + suffix
    if r < 0.65:
        style = rng.random()
        if style < 0.4:
            return "老" + surname_ + suffix
        if style < 0.7:
            return surname_ + "记" + suffix
        if style < 0.9:
            return surname_ + "家" + suffix
        return surname_ + "氏" + suffix
    if r < 0.85 and place:
        return place + suffix
    if business_format in ("grocery", "other") and rng.random() < 0.6:
        return (given if len(given) == 2 else surname_ + given) + rng.choice(["商店", "小卖部", "百货"])
    if business_format == "tobacco_liquor":
        return rng.choice(BRANDS) + "烟酒"
    return rng.choice(BRANDS) + suffix
