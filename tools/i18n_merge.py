"""The translation catalogues from the sources (``make i18n``).

``app/translations/zh_Hans_CN/LC_MESSAGES/messages.po`` is the only source of Chinese text. This tool
extracts every message used in the code and templates (babel.cfg; keywords ``_``, ``gettext``,
``ngettext``, ``_l``, ``N_``...), merges them into the Chinese and English catalogues (new msgids
added empty, msgids no longer used dropped, translations kept), and prints every Chinese entry still
untranslated or marked fuzzy. It exits with 1 while there is any: translate them in messages.po
(English is the source language: its catalogue stays empty) and run it again.

    python tools/i18n_merge.py           # extract, merge, report (what `make i18n` runs)
    python tools/i18n_merge.py --check   # report only, write nothing

tests/app/test_translations.py runs the same check in the suite, so CI fails on a missing translation.
"""
from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
LOCALES = ("zh_Hans_CN", "en")
SOURCE_LOCALE = "en"  # the msgids are the English text
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every message of the code and the templates, as a template catalogue (no locations)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    template = Catalog(project="credit", fuzzy=False)
    for _filename, _lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        template.add(message, None, auto_comments=comments, context=context)
    return template


def load(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="credit", fuzzy=False)
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def merged(locale: str, template: Catalog) -> Catalog:
    """The locale's catalogue updated from the template: new msgids added, unused ones dropped."""
    catalog = load(locale)
    created = catalog.creation_date  # keep the header stable: a merge is not a new catalogue
    catalog.update(template, no_fuzzy_matching=True)
    catalog.creation_date = created
    catalog.obsolete.clear()
    if locale == SOURCE_LOCALE:
        for message in catalog:
            if message.id:
                message.string = "" if not message.pluralizable else ("", "")
    return catalog


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all(s for s in strings)


def problems(catalog: Catalog) -> list[tuple[str, str]]:
    """(problem, msgid) for every Chinese entry untranslated or fuzzy."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
        if not _translated(message):
            out.append(("untranslated", msgid))
        elif message.fuzzy:
            out.append(("fuzzy", msgid))
    return out


def render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, no_location=True, sort_output=True, width=120, omit_header=False)
    return buffer.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only; write nothing")
    args = parser.parse_args(argv)
    template = extract()
    found = []
    for locale in LOCALES:
        catalog = merged(locale, template)
        if locale != SOURCE_LOCALE:
            found.extend((locale, problem, msgid) for problem, msgid in problems(catalog))
        if not args.check:
            path = po_path(locale)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(render(catalog))
    for locale, problem, msgid in found:
        print(f"{problem} ({locale}): {msgid!r}")
    if found:
        print(f"{len(found)} Chinese entries to translate in {po_path('zh_Hans_CN').relative_to(ROOT)}",
              file=sys.stderr)
        return 1
    print(f"{len(template)} messages, all translated.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
