"""The budget over time as a small chart drawn on the server: coordinates for an
inline SVG (a step line of the budget, a dashed line at the procurement-list
total) and a sentence that says the same for screen readers. No JavaScript."""

import datetime
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 4, 4, 16, 18


def yuan(amount) -> str:
    """¥1,200,000 (cents only when there are any): short enough for a chart label."""
    amount = Decimal(amount)
    return f"¥{amount:,.0f}" if amount == amount.to_integral_value() else f"¥{amount:,.2f}"


def _short_date(day: datetime.date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def budget_chart(*, changes, procurement_total, today: datetime.date) -> dict | None:
    """``changes``: the project's budget changes oldest first. Those of a merged-away
    project are not the project's budget and stay out. None when there is no budget."""
    by_day = {}
    for change in changes:
        if change.merged_from is None:
            by_day[change.effective_on] = change.new  # the last one recorded for a day holds
    if not by_day:
        return None
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

    points = [{"x": x(day), "y": y(by_day[day]), "label": f"{_short_date(day)} {yuan(by_day[day])}"} for day in days]
    path = f"M{points[0]['x']},{points[0]['y']}"
    for point in points[1:]:
        path += f" H{point['x']} V{point['y']}"
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
        "points": points,
        "baseline": HEIGHT - BOTTOM,
        "right": WIDTH - RIGHT,
        "top_label": yuan(top),
        "start_label": _short_date(start),
        "end_label": _short_date(end),
        "procurement_y": y(total) if total else None,
        "procurement_label": yuan(total) if total else "",
        "description": description,
    }
