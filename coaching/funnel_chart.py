"""The team funnel as a small chart drawn on the server (inline SVG, no JavaScript):
one centred bar per tier, as wide as the projects that reached it in the period,
with the conversion to the next tier between the bars, and a sentence that says
the same for screen readers. The page's table carries every number as text."""

from django.utils.translation import gettext as _

from coaching.funnel import ORDERED_TIERS, TRANSITIONS, Figures

WIDTH = 320
BAR_HEIGHT, GAP = 26, 22
MIN_BAR = 36  # an empty tier still shows a sliver with its label


def percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def funnel_chart(figures: Figures) -> dict:
    top = max([figures.reached[tier] for tier in ORDERED_TIERS] + [1])
    bars, y = [], 0
    for index, tier in enumerate(ORDERED_TIERS):
        count = figures.reached[tier]
        width = max(MIN_BAR, round(count / top * WIDTH))
        bars.append(
            {
                "tier": tier.value,
                "label": tier.label,
                "count": count,
                "x": round((WIDTH - width) / 2, 1),
                "y": y,
                "width": width,
                "text_y": y + BAR_HEIGHT / 2 + 5,
            }
        )
        y += BAR_HEIGHT
        if index < len(TRANSITIONS):
            key = TRANSITIONS[index][0]
            bars[-1]["conversion"] = percent(figures.transitions[key].rate)
            bars[-1]["conversion_y"] = y + GAP / 2 + 5
            y += GAP
    parts = [
        _("%(tier)s: %(count)s") % {"tier": bar["label"], "count": bar["count"]}
        + (" " + _("(%(rate)s move on)") % {"rate": bar["conversion"]} if "conversion" in bar else "")
        for bar in bars
    ]
    return {
        "width": WIDTH,
        "height": y,
        "center": WIDTH / 2,
        "bars": bars,
        "description": _("Projects reaching each tier in the period: %(parts)s.") % {"parts": "; ".join(parts)},
    }
