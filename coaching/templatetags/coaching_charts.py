"""Small charts for the coaching pages, drawn on the server as inline SVG (no JavaScript).

``{% sparkline values marks reference=team_values title=label labels=week_labels %}``: a rate
line (values 0–1, ``None`` where nothing entered: a gap), an optional dashed reference
line (the team's), a dot under each marked point (a coaching note that week), and a
``<title>``/``<desc>`` saying the same in words for screen readers. ``labels`` name the
points in the words (``week_labels(weeks)``). Coordinates reach the template as text, so
a page of many charts does not localise every number."""

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from coaching.funnel import TRANSITION_LABELS
from pipeline.models import Tier
from teams.typography import list_separator

register = template.Library()

WIDTH, HEIGHT = 240, 64
LEFT, RIGHT, TOP, BOTTOM = 4, 4, 6, 12


def percent(rate) -> str:
    return "—" if rate is None else f"{round(rate * 100)}%"


register.filter("percent", percent)


@register.filter
def transition_label(key) -> str:
    return TRANSITION_LABELS[key]


@register.filter
def tier_label(tier) -> str:
    return Tier(tier).label


@register.filter
def rates(rep_trend, key) -> list:
    """A rep's weekly rates of one transition (``coaching.trend.RepTrend``)."""
    return rep_trend.rates(key)


@register.filter
def team_rates(trend, key) -> list:
    """The team's weekly rates of one transition (``coaching.trend.Trend``)."""
    return trend.team_rates(key)


@register.filter
def rate_change(change) -> str:
    """A change of rate in percentage points, with its direction: "↑ 5 pts", "↓ 12 pts", "→ 0"."""
    if change is None:
        return "—"
    points = round(change * 100)
    if points == 0:
        return "→ 0"
    arrow = "↑" if points > 0 else "↓"
    return _("%(arrow)s %(points)s pts") % {"arrow": arrow, "points": abs(points)}


def week_labels(weeks) -> list[str]:
    """Each week's Monday as the charts' words say it ("9月14日" / "09-14")."""
    return [date_format(week.start, "MONTH_DAY_FORMAT") for week in weeks]


def _number(value: float) -> str:
    return f"{value:g}"


def _points(values, x, y):
    return [None if value is None else (_number(x(i)), _number(y(value))) for i, value in enumerate(values)]


def _path(points) -> str:
    """Consecutive known points joined; a week without a rate breaks the line."""
    path, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{point[0]},{point[1]}")
        pen_down = True
    return " ".join(path)


def _lonely(points) -> list:
    """Points with no known neighbour: a path draws nothing for them, so they get a dot."""
    lonely = []
    for i, point in enumerate(points):
        before = points[i - 1] if i > 0 else None
        after = points[i + 1] if i + 1 < len(points) else None
        if point is not None and before is None and after is None:
            lonely.append(point)
    return lonely


def sparkline_context(values, marks=None, *, reference=None, title="", labels=None) -> dict:
    values = list(values)
    count = len(values)
    marks = list(marks or [False] * count)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(count - 1, 1)

    def x(i):
        return round(LEFT + i * step, 1)

    def y(value):
        return round(TOP + (1 - min(max(value, 0), 1)) * plot_h, 1)

    points = _points(values, x, y)
    reference_points = _points(reference, x, y) if reference is not None else []
    parts = []
    for i, value in enumerate(values):
        text = _("%(week)s: %(rate)s") % {"week": labels[i] if labels else i + 1, "rate": percent(value)}
        if reference is not None:
            text += " " + _("(team %(rate)s)") % {"rate": percent(reference[i])}
        if marks[i]:
            text += " " + _("coaching note")
        parts.append(text)
    return {
        "width": str(WIDTH),
        "height": str(HEIGHT),
        "baseline": str(HEIGHT - BOTTOM),
        "top": str(TOP),
        "right": str(WIDTH - RIGHT),
        "left": str(LEFT),
        "path": _path(points),
        "dots": _lonely(points),
        "reference_path": _path(reference_points),
        "reference_dots": _lonely(reference_points),
        "marks": [_number(x(i)) for i, marked in enumerate(marks) if marked],
        "mark_y": _number(HEIGHT - BOTTOM / 2),
        "title": title,
        "description": list_separator().join(parts) if parts else _("No weeks."),
    }


@register.inclusion_tag("coaching/includes/sparkline.html")
def sparkline(values, marks=None, *, reference=None, title="", labels=None):
    return sparkline_context(values, marks, reference=reference, title=title, labels=labels)
