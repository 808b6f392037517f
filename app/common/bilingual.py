"""Free-text policy and catalogue values written in both languages in one string ("暂停供货，待复核
suspended pending review", "条 carton"): the part in the reader's language, so the Chinese UI never
shows the English half and the English UI never shows only Chinese."""
import re

from flask_babel import get_locale

_SPLIT = re.compile(r"^(?P<zh>.*[\u3000-\u303f\u3400-\u9fff\uff00-\uffef][^A-Za-z]*?)\s+(?P<en>[A-Za-z].*)$", re.S)


def split(text: str | None) -> tuple[str, str]:
    """(Chinese part, English part) of "中文 English"; a one-language text is both."""
    text = (text or "").strip()
    m = _SPLIT.match(text)
    if not m:
        return text, text
    return m.group("zh").strip(), m.group("en").strip()


def pick(text: str | None, zh: bool | None = None) -> str:
    """The part of a bilingual text in the current (or given) language."""
    if zh is None:
        zh = str(get_locale() or "zh").startswith("zh")
    zh_part, en_part = split(text)
    return zh_part if zh else en_part
