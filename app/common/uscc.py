"""Unified social credit codes (统一社会信用代码, GB 32100-2015) and masked ID numbers.

A code is 18 characters from the 31-character set below (no I, O, S, V, Z): the registering
authority (1, e.g. 9 = 工商), the kind of body (1, e.g. 1 = enterprise, 2 = individual business),
the 6-digit administrative division of the registering office, the 9-character organisation code
(GB 11714, with its own check character) and the check character over the first 17."""
from __future__ import annotations

import random

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# registering authority -> the kinds of body it registers (GB 32100-2015 table 1)
KINDS = {"1": "129", "5": "1239", "9": "123", "Y": "1"}
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def check_char(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def org_check_char(first8: str) -> str:
    total = sum(ORG_CHARSET.index(c) * w for c, w in zip(first8, ORG_WEIGHTS))
    v = 11 - total % 11
    return "X" if v == 10 else "0" if v == 11 else str(v)


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def problem(code: str) -> str | None:
    """None when ``code`` (normalised) is a well-formed code with a correct check character; otherwise
    which rule it breaks: 'length', 'charset', 'kind', 'division' or 'check'."""
    if len(code) != 18:
        return "length"
    if any(c not in CHARSET for c in code):
        return "charset"
    if code[0] not in KINDS or code[1] not in KINDS[code[0]]:
        return "kind"
    if not code[2:8].isdigit():
        return "division"
    if check_char(code[:17]) != code[17]:
        return "check"
    return None


def is_valid(code: str | None) -> bool:
    return problem(normalise(code)) is None


def make(rng: random.Random, division: str, kind: str = "1") -> str:
    """A well-formed code registered by market regulation (9) in ``division``: kind 1 an enterprise,
    2 an individual business (个体工商户). The organisation code part carries its GB 11714 check."""
    org8 = ("MA" if kind == "1" else "L") + "".join(rng.choice(ORG_CHARSET) for _ in range(6 if kind == "1" else 7))
    first17 = f"9{kind}{division}{org8}{org_check_char(org8)}"
    return first17 + check_char(first17)


def mask_id_number(id_number: str | None) -> str | None:
    """A resident ID number masked for publication: the first 6 and the last 4 characters kept
    (320802********123X). None for anything that is not 15 or 18 characters."""
    s = (id_number or "").strip().upper()
    if len(s) not in (15, 18):
        return None
    return s[:6] + "*" * (len(s) - 10) + s[-4:]
