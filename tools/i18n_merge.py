"""Update the catalogues from the sources: extract, merge into each .po, fill from tools/zh_seed.py
where a Chinese message is still empty, and report what is untranslated. Used by `make i18n`."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "build" / "messages.pot"
TR = ROOT / "app" / "translations"


def main():
    POT.parent.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "N_", "--no-location", "--sort-output", "-o", str(POT), "."],
                   check=True, capture_output=True, cwd=ROOT)
    sys.path.insert(0, str(ROOT / "tools"))
    from zh_seed import ZH

    missing = 0
    for locale in ("zh_Hans_CN", "en"):
        po_path = TR / locale / "LC_MESSAGES" / "messages.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            catalog = read_po(po_path.open("rb"), locale=locale)
        else:
            from babel.messages.catalog import Catalog
            catalog = Catalog(locale=locale, project="credit", fuzzy=False)
        template = read_po(POT.open("rb"))  # fresh per locale: update() shares message objects
        catalog.update(template, no_fuzzy_matching=True)
        for message in catalog:
            if not message.id:
                continue
            if locale == "en":
                message.string = ""  # English is the source language: msgid is the text
            elif not message.string:
                message.string = ZH.get(message.id, "")
                if not message.string:
                    missing += 1
                    print(f"untranslated ({locale}): {message.id!r}")
        catalog.obsolete.clear()
        with po_path.open("wb") as fh:
            write_po(fh, catalog, no_location=True, sort_output=True, width=120)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
