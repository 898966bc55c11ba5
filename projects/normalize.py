"""Project names normalised for "is this the same project?" matching."""

import re
import unicodedata

_PUNCTUATION_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)
_LEADING_YEAR = re.compile(r"^(?:19|20)\d{2}(?:年度?|年)?")
_TRAILING_WORDS = ("项目", "采购", "project")


def normalize_project_name(name) -> str:
    """NFKC, case-fold, no spaces or punctuation, no leading year and no trailing 项目 / 采购.

    >>> normalize_project_name("2026年 数据中台建设项目"), normalize_project_name("数据中台建设")
    ('数据中台建设', '数据中台建设')
    """
    text = unicodedata.normalize("NFKC", str(name or "")).casefold()
    text = _PUNCTUATION_OR_SPACE.sub("", text)
    text = _LEADING_YEAR.sub("", text)
    stripped = True
    while stripped:
        stripped = False
        for word in _TRAILING_WORDS:
            if text.endswith(word) and len(text) > len(word) + 1:
                text = text[: -len(word)]
                stripped = True
    return text
