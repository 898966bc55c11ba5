"""Typography that depends on the UI language: Chinese text takes full-width
punctuation (colon, brackets, quotes), English the ASCII forms. One place for
every page, form and message that builds "label: value" or "name (note)"."""

from django.utils.translation import get_language, gettext_noop

# Django's forms take their default label suffix from gettext(":"), which Django's
# own catalog leaves half-width; marked here so makemessages keeps it in ours ("：").
FORM_LABEL_SUFFIX = gettext_noop(":")


def _is_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def colon() -> str:
    """What follows a label: "：" in Chinese (no space after it), ": " in English."""
    return "：" if _is_chinese() else ": "


def bracketed(text) -> str:
    """``text`` in brackets: "（华东一组）" in Chinese, " (East 1)" in English; "" for nothing."""
    text = str(text or "").strip()
    if not text:
        return ""
    return f"（{text}）" if _is_chinese() else f" ({text})"


def quoted(text) -> str:
    """``text`` in double quotes: “…” (the same marks in both languages)."""
    return f"“{text}”"


def list_separator() -> str:
    """Between the items of an enumeration: "、" in Chinese, ", " in English."""
    return "、" if _is_chinese() else ", "


def join_nonempty(*parts, sep: str = " ") -> str:
    """Join the parts that have text, so an empty part leaves no dangling separator."""
    return sep.join(str(part).strip() for part in parts if part is not None and str(part).strip())


def listed(parts) -> str:
    """Names in a row: "张伟、李娜" in Chinese, "Zhang Wei, Li Na" in English; empty parts left out."""
    return ("、" if _is_chinese() else ", ").join(str(part).strip() for part in parts if str(part or "").strip())
