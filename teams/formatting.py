"""Money and counts as each UI language writes them (the ``|money`` and
``|number`` filters in teams/templatetags/ui.py use these).

Chinese readers size an amount in 万 (10⁴) and 亿 (10⁸): 1,234,500 reads
"123.45万元", 123,456,789 "1.23亿元", and only amounts under 1万 are written
out ("8,500元"). English shows the amount with thousands separators
("¥1,234,500"). Both keep the exact amount ("¥1,234,500.00") for a tooltip,
since 万 rounds to two decimals."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import formats
from django.utils.translation import get_language

WAN = Decimal(10) ** 4
YI = Decimal(10) ** 8
CENT = Decimal("0.01")
CURRENCY_SIGN = "¥"


def _is_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _grouped(amount: Decimal, places: int) -> str:
    """``amount`` (not negative) with comma thousands separators and ``places`` decimals."""
    return f"{amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"


def _plain(amount: Decimal) -> str:
    """Whole amounts without decimals, others with cents: 8,500 / 99.50."""
    cents = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return _grouped(cents, 0 if cents == cents.to_integral_value() else 2)


def _scaled(amount: Decimal, unit: Decimal) -> str:
    """``amount`` in ``unit``s, at most two decimals, trailing zeros dropped: 123.45, 1.2, 3."""
    text = _grouped(amount / unit, 2)
    return text.rstrip("0").rstrip(".")


def money_exact(value) -> str:
    """The exact amount: "¥1,234,500.00" ("" when there is none)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    sign = "-" if amount < 0 else ""
    return f"{sign}{CURRENCY_SIGN}{_grouped(abs(amount), 2)}"


def money_short(value, *, chinese: bool | None = None) -> str:
    """The amount as a reader of the UI language takes it in at a glance: "123.45万元",
    "1.23亿元", "8,500元" in Chinese; "¥1,234,500" in English ("" when there is none)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    if chinese is None:
        chinese = _is_chinese()
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if not chinese:
        return f"{sign}{CURRENCY_SIGN}{_plain(amount)}"
    # Round first: 99,999,999 is 10000.00万 once rounded, which a reader writes as 1亿.
    if amount.quantize(CENT, rounding=ROUND_HALF_UP) < WAN:
        return f"{sign}{_plain(amount)}元"
    if (amount / WAN).quantize(CENT, rounding=ROUND_HALF_UP) < WAN:
        return f"{sign}{_scaled(amount, WAN)}万元"
    return f"{sign}{_scaled(amount, YI)}亿元"


def number(value) -> str:
    """A count or quantity with thousands separators: 1,234 / 2.5 ("" when there is none)."""
    if type(value) is int and 0 <= value < 1000:  # most counts on a page: no separator to place
        return str(value)
    if value is None or value == "":
        return ""
    amount = _decimal(value)
    if amount is None:
        return str(value)
    # 1234.00 is the count 1,234; 2.50 the quantity 2.5.
    whole = amount == amount.to_integral_value()
    amount = amount.quantize(Decimal(1)) if whole else amount.normalize()
    return formats.number_format(amount, force_grouping=True)
