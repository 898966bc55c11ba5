"""Dates, money and counts by UI language (funnel_crm/formats/, teams/formatting.py,
the ``|money`` and ``|number`` filters): 2026年12月2日 / 2026-12-02, 123.45万元 /
¥1,234,500 with the exact amount on hover, 1,234."""

import datetime
import re
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation

from teams import formatting
from teams.forms import DateInput, DateTimeInput

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def render(source, language, **context):
    with translation.override(language):
        return Template("{% load ui %}" + source).render(Context(context))


# --- dates ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "date", "datetime_", "month_day"),
    [
        ("zh-hans", "2026年12月2日", "2026年12月2日 14:05", "12月2日"),
        ("en", "2026-12-02", "2026-12-02 14:05", "12-02"),
    ],
)
def test_dates_follow_the_language(language, date, datetime_, month_day):
    day = datetime.date(2026, 12, 2)
    moment = datetime.datetime(2026, 12, 2, 6, 5, tzinfo=datetime.UTC)  # 14:05 in Shanghai
    assert render("{{ day }}|{{ day|date }}|{{ moment|date }}", language, day=day, moment=moment) == (
        f"{date}|{date}|{date}"
    )
    assert render('{{ moment }}|{{ moment|date:"DATETIME_FORMAT" }}', language, moment=moment) == (
        f"{datetime_}|{datetime_}"
    )
    assert render('{{ day|date:"SHORT_DATE_FORMAT" }}|{{ day|date:"MONTH_DAY_FORMAT" }}', language, day=day) == (
        f"{date}|{month_day}"
    )


def test_no_template_hard_codes_a_date_format():
    """Dates take the language's DATE_FORMAT / DATETIME_FORMAT / MONTH_DAY_FORMAT, never "Y-m-d"."""
    literal = re.compile(r"""\|date:["'](?![A-Z_]+["']|c["'])""")  # 'c': ISO for a datetime attribute
    offenders = [
        f"{path.relative_to(TEMPLATES)}: {line.strip()[:100]}"
        for path in TEMPLATES.rglob("*.html")
        for line in path.read_text().splitlines()
        if literal.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_date_widgets_send_iso_whatever_the_language(language):
    """The locale's first input format (2026/12/02 in Chinese) would leave a date box empty."""
    with translation.override(language):
        date_html = DateInput().render("start_on", datetime.date(2026, 12, 2))
        moment = datetime.datetime(2026, 12, 2, 14, 5, tzinfo=SHANGHAI)
        datetime_html = DateTimeInput().render("opened_at", moment)
    assert 'value="2026-12-02"' in date_html and 'data-picker="date"' in date_html
    assert 'value="2026-12-02T14:05"' in datetime_html and 'data-picker="datetime"' in datetime_html


@pytest.mark.parametrize(
    ("language", "typed"),
    [("zh-hans", "2026-12-02"), ("zh-hans", "2026年12月2日"), ("zh-hans", "2026/12/2"), ("en", "2026-12-02")],
)
def test_date_fields_read_what_the_picker_shows(language, typed):
    with translation.override(language):
        field = forms.DateField(widget=DateInput())
        assert field.clean(typed) == datetime.date(2026, 12, 2)


def test_english_does_not_guess_day_and_month_order():
    with translation.override("en"), pytest.raises(forms.ValidationError):
        forms.DateField().clean("03/04/2026")


# --- money ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "chinese", "english"),
    [
        (1_234_500, "123.45万元", "¥1,234,500"),
        (8_500, "8,500元", "¥8,500"),
        (10_000, "1万元", "¥10,000"),
        (12_000, "1.2万元", "¥12,000"),
        (123_456_789, "1.23亿元", "¥123,456,789"),
        (100_000_000, "1亿元", "¥100,000,000"),
        (99_999_999, "1亿元", "¥99,999,999"),  # 10000.00万 once rounded: a reader says 1亿
        (Decimal("99.5"), "99.50元", "¥99.50"),
        (Decimal("9999.995"), "1万元", "¥10,000"),
        (0, "0元", "¥0"),
        (-12_000, "-1.2万元", "-¥12,000"),
    ],
)
def test_money_short_by_language(amount, chinese, english):
    assert formatting.money_short(amount, chinese=True) == chinese
    assert formatting.money_short(amount, chinese=False) == english


def test_money_exact_keeps_every_cent():
    assert formatting.money_exact(1_234_500) == "¥1,234,500.00"
    assert formatting.money_exact(Decimal("8500.5")) == "¥8,500.50"
    assert formatting.money_exact(-12_000) == "-¥12,000.00"
    assert formatting.money_exact(None) == ""


def test_money_filter_shows_the_short_form_and_the_exact_amount_on_hover():
    assert render("{{ amount|money }}", "zh-hans", amount=Decimal("1234500.00")) == (
        '<span class="money" title="¥1,234,500.00">123.45万元</span>'
    )
    assert render("{{ amount|money }}", "en", amount=Decimal("1234500.00")) == (
        '<span class="money" title="¥1,234,500.00">¥1,234,500</span>'
    )
    assert render("{{ amount|money }}", "zh-hans", amount=None) == "—"


# --- counts ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_number_groups_thousands(language):
    assert render("{{ n|number }}", language, n=1234567) == "1,234,567"
    assert render("{{ n|number }}", language, n=Decimal("2.50")) == "2.5"
    assert render("{{ n|number }}", language, n=Decimal("12.00")) == "12"
    assert render("{{ n|number }}", language, n=None) == ""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_small_whole_counts_take_the_short_way_to_the_same_text(language):
    # number() answers ints below 1,000 without Django's number formatting (hundreds a page).
    with translation.override(language):
        for count in (0, 7, 42, 999, 1000, 12345):
            assert formatting.number(count) == formatting.number(Decimal(count)) == f"{count:,}"
        assert formatting.number(-5) == formatting.number(Decimal(-5)) == "-5"
