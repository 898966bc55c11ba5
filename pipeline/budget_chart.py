"""The budget over time as a small chart drawn on the server: coordinates for an
inline SVG (a step line of the budget, a dashed line at the procurement-list
total, a point for each day's amount) and a sentence that says the same for screen
readers. No JavaScript."""

import datetime
from decimal import Decimal

from django.utils.dateformat import format as format_day
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 4, 4, 16, 18


def yuan(amount) -> str:
    """¥1,200,000 (cents only when there are any): short enough for a chart label."""
    amount = Decimal(amount)
    return f"¥{amount:,.0f}" if amount == amount.to_integral_value() else f"¥{amount:,.2f}"


def _circles(points) -> str:
    """The points as SVG circles, each titled with its label (a hundred of them were most of
    the budget section's template time)."""
    return mark_safe(  # noqa: S308 — the coordinates are numbers, the labels escaped
        "".join(f'<circle cx="{x}" cy="{y}" r="3"><title>{escape(label)}</title></circle>' for x, y, label in points)
    )


def budget_chart(*, changes, procurement_total, today: datetime.date) -> dict | None:
    """``changes``: the project's budget changes as (effective_on, new, merged_from), oldest
    first. Those of a merged-away project are not the project's budget and stay out. None
    when there is no budget."""
    by_day = {}
    for day, new, merged_from in changes:
        if merged_from is None:
            by_day[day] = new  # the last one recorded for a day holds
    if not by_day:
        return None
    short_date_format = get_format("SHORT_DATE_FORMAT")  # once, not per label

    def _short_date(day: datetime.date) -> str:
        return format_day(day, short_date_format)

    days = sorted(by_day)
    start, end = days[0], max(today, days[-1])
    span = max((end - start).days, 1)
    total = Decimal(procurement_total or 0)
    top = max(max(by_day.values()), total) or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day):
        return round(LEFT + (day - start).days / span * plot_w, 1)

    def y(amount):
        return round(TOP + float(1 - Decimal(amount) / top) * plot_h, 1)

    points = [(x(day), y(by_day[day]), f"{_short_date(day)} {yuan(by_day[day])}") for day in days]
    path = f"M{points[0][0]},{points[0][1]}"
    for point_x, point_y, _label in points[1:]:
        path += f" H{point_x} V{point_y}"
    path += f" H{x(end)}"
    first, last = by_day[days[0]], by_day[days[-1]]
    if len(days) == 1:
        description = _("Budget %(amount)s since %(day)s.") % {"amount": yuan(first), "day": _short_date(start)}
    else:
        description = _("Budget %(first)s on %(start)s, %(last)s since %(end)s, after %(count)s changes.") % {
            "first": yuan(first),
            "start": _short_date(start),
            "last": yuan(last),
            "end": _short_date(days[-1]),
            "count": len(days) - 1,
        }
    if total:
        description += " " + _("Procurement list total: %(total)s.") % {"total": yuan(total)}
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "path": path,
        "circles": _circles(points),
        "baseline": HEIGHT - BOTTOM,
        "right": WIDTH - RIGHT,
        "top_label": yuan(top),
        "start_label": _short_date(start),
        "end_label": _short_date(end),
        "procurement_y": y(total) if total else None,
        "procurement_label": yuan(total) if total else "",
        "description": description,
    }
