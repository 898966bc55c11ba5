"""English: 2026-12-02 14:05 (ISO order, 24-hour clock); 1,234,500 (see funnel_crm/formats/__init__.py)."""

from funnel_crm.formats.iso import (  # noqa: F401  (Django reads these names from this module)
    DATE_INPUT_FORMATS,  # ISO only: 03/04/2026 would read differently to different people
    DATETIME_INPUT_FORMATS,
    DECIMAL_SEPARATOR,
    FIRST_DAY_OF_WEEK,
    NUMBER_GROUPING,
    THOUSAND_SEPARATOR,
    TIME_FORMAT,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
