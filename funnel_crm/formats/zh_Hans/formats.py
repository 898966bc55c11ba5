"""Simplified Chinese: 2026年12月2日 14:05; 1,234,500 (see funnel_crm/formats/__init__.py)."""

from funnel_crm.formats import iso
from funnel_crm.formats.iso import (  # noqa: F401  (Django reads these names from this module)
    DECIMAL_SEPARATOR,
    FIRST_DAY_OF_WEEK,
    NUMBER_GROUPING,
    TIME_FORMAT,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"

# What the page shows may be typed back too.
DATE_INPUT_FORMATS = [*iso.DATE_INPUT_FORMATS, "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [*iso.DATETIME_INPUT_FORMATS, "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M"]

# Business software in mainland China groups digits by thousands with a comma
# (1,234,500; Django's own Chinese formats group by 4 without a separator); large
# money amounts are written in 万 / 亿 by teams.formatting.
THOUSAND_SEPARATOR = iso.THOUSAND_SEPARATOR
