"""Pinyin initials of shop names, so field staff can type "hxbl" for 华兴便利."""
from pypinyin import Style, lazy_pinyin


def initials(name: str) -> str:
    out = []
    for part in lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default"):
        for ch in part.lower():
            if ch.isascii() and ch.isalnum():
                out.append(ch)
    return "".join(out)[:128]
