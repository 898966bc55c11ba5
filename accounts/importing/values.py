"""Cell values as people write them in Chinese spreadsheets: dates and amounts of money (any import)."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import timezone

# 2025-03-01, 2025/3/1, 2025.3.1, 2025年3月1日; optionally a time (14:30, 14:30:05, ISO "T14:30:00").
_DATE_RE = re.compile(
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:(?:\s+|T)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d+)?)?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$")
# Excel stores dates as days since 1899-12-30; a date cell saved as a plain number shows that count.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_SERIALS = range(32_874, 73_051)  # 1990-01-01 … 2099-12-31

# ¥1,200,000 / 1200000元 / 120万 / 1.2亿元 / RMB 1,200,000.00
_MULTIPLIERS = {"": 1, "千": 1_000, "万": 10_000, "百万": 1_000_000, "千万": 10_000_000, "亿": 100_000_000}
_AMOUNT_RE = re.compile(
    r"^(?P<sign>[-+]?)(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?P<unit>千万|百万|千|万|亿|)$"
)
_CURRENCY_MARKS = ("人民币", "rmb", "cny", "¥", "￥", "元")


def date_from_text(text: str) -> datetime.date | datetime.datetime | None:
    """A date (or, with a time, an aware date-time in the current time zone) from a cell's text; ``None``
    when it is not one. Cells Excel formatted as dates arrive as ISO text (``cell_text``)."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip()
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    try:
        if match:
            parts = match.groupdict()
            day = datetime.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
            if parts.get("hour") is None:
                return day
            moment = datetime.datetime.combine(
                day, datetime.time(int(parts["hour"]), int(parts["minute"]), int(parts["second"] or 0))
            )
            return timezone.make_aware(moment)
    except ValueError:  # 2025-02-30, 25:00
        return None
    if text.isdigit() and int(text) in _EXCEL_SERIALS:
        return _EXCEL_EPOCH + datetime.timedelta(days=int(text))
    return None


def start_of_day(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the current time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def amount_from_text(text: str) -> Decimal | None:
    """An amount of yuan from "1,200,000", "120万", "1.2亿元", "¥ 1200000.00"; ``None`` when it is not one.
    The range and the cents are the caller's rules."""
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    text = re.sub(r"\s+", "", text)
    for mark in _CURRENCY_MARKS:
        text = text.replace(mark, "")
    match = _AMOUNT_RE.match(text)
    if not match:
        return None
    try:
        number = Decimal(match.group("number").replace(",", ""))
    except InvalidOperation:
        return None
    amount = number * _MULTIPLIERS[match.group("unit")]
    return -amount if match.group("sign") == "-" else amount
