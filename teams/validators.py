"""Validators every app's models share."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Dates people type (project start and end, milestones, back-dated funnel entry)
# fall in this range; 0001-01-01 or 9999-12-31 is a typo or a probe, and breaks
# durations, charts and time-zone arithmetic downstream.
SANE_DATE_MIN = date(1990, 1, 1)
SANE_DATE_MAX = date(2100, 12, 31)


def validate_sane_date(value: date | datetime | None) -> None:
    """Refuse a date (or date-time, by its own calendar day) outside 1990-01-01 … 2100-12-31."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not SANE_DATE_MIN <= day <= SANE_DATE_MAX:
        raise ValidationError(
            _("Enter a date between %(min)s and %(max)s."),
            code="date_out_of_range",
            params={"min": SANE_DATE_MIN.isoformat(), "max": SANE_DATE_MAX.isoformat()},
        )
