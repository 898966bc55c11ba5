"""Every translatable string is where ``makemessages`` finds it.

xgettext (which ``makemessages`` runs) does not look inside f-strings: ``f"{_('Active again')}"``
translates at run time only while the msgid happens to be in the catalog for another reason,
and the next ``makemessages --no-obsolete`` drops it, so the Chinese UI shows English. HTML built
in Python (coaching/dashboard.py, pipeline/section_rows.py, …) must call ``gettext`` outside the
f-string and put the result in."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("funnel_crm", "teams", "accounts", "projects", "pipeline", "coaching")
TRANSLATORS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
}


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def translations_in_fstrings(source: str) -> list[tuple[int, str]]:
    """(line, function) of each translation call with a literal msgid inside an f-string."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Call)
                and _name(inner) in TRANSLATORS
                and inner.args
                and isinstance(inner.args[0], ast.Constant)
            ):
                found.append((inner.lineno, _name(inner)))
    return found


def test_the_check_finds_a_translation_inside_an_fstring():
    assert translations_in_fstrings("x = f'<b>{escape(_(\"Active again\"))}</b>'") == [(1, "_")]
    assert translations_in_fstrings("label = _('Active again')\nx = f'<b>{label}</b>'") == []


def test_no_translation_call_sits_inside_an_fstring():
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, name in translations_in_fstrings(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line} {name}(…)")
    assert offenders == [], "xgettext cannot see these msgids (call gettext outside the f-string):\n" + "\n".join(
        offenders
    )
