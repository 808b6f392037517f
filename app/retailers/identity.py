"""Resident ID numbers (居民身份证号): validated, then kept only as a keyed hash."""
import hashlib
import hmac
import re

from flask import current_app

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def normalise(id_number: str) -> str:
    return (id_number or "").strip().upper()


def is_valid_id_number(id_number: str) -> bool:
    """18-character PRC resident ID with its ISO 7064 MOD 11-2 check character."""
    value = normalise(id_number)
    if not _PATTERN.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS))
    return _CHECK[total % 11] == value[17]


def id_hash(id_number: str) -> str:
    key = current_app.config.get("ID_HASH_KEY") or ("id-hash:" + current_app.config["SECRET_KEY"])
    return hmac.new(key.encode(), normalise(id_number).encode(), hashlib.sha256).hexdigest()
