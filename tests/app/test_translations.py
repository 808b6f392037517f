"""One source for translations: every message used in the code and the templates has its Chinese
translation in app/translations/zh_Hans_CN/LC_MESSAGES/messages.po (the check `make i18n` runs)."""
import importlib.util
from pathlib import Path

from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("i18n_merge", ROOT / "tools" / "i18n_merge.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_in_code_and_templates_has_a_chinese_translation():
    tool = _tool()
    template = tool.extract()
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    # the extraction really reads Python (gettext, _l, N_) and the Jinja templates
    assert {"Wrong user name or password.", "Not a valid integer.", "Sign in",
            "Nothing was saved. Please correct the following:"} <= ids
    problems = tool.problems(tool.merged("zh_Hans_CN", template))
    assert not problems, "translate these in messages.po (make i18n lists them):\n" + "\n".join(
        f"{kind}: {msgid!r}" for kind, msgid in problems)


def test_the_check_names_an_untranslated_or_fuzzy_entry():
    tool = _tool()
    catalog = Catalog(locale="zh_Hans_CN")
    catalog.add("Sign in", "登录")
    catalog.add("A new message")
    catalog.add("A doubtful one", "可疑", flags=["fuzzy"])
    assert sorted(tool.problems(catalog)) == [("fuzzy", "A doubtful one"), ("untranslated", "A new message")]


def test_the_committed_catalogues_are_what_a_merge_writes():
    """messages.po holds exactly the messages in use (nothing missing, nothing stale): run `make i18n`."""
    tool = _tool()
    template = tool.extract()
    for locale in tool.LOCALES:
        assert tool.po_path(locale).read_bytes() == tool.render(tool.merged(locale, template)), locale
