"""What the team dashboard shows for one team and period, read from
``coaching.funnel.team_funnel`` and ``coaching.gaps.team_gaps`` (nothing is
recomputed here): the funnel chart, the rep × transition table with the change
against the previous period, each rep's bottleneck with its stalest projects, and
the data gaps. Every number carries the URL of the projects behind it.

Queries (fixed whatever the team's size or history): the funnel's (the reps, the
figures, the tiers at each period's end), one for the data gaps, one for the releases and
returns, and one for the stalest projects of every rep with a bottleneck. The grouped
queries' SQL is compiled once per process (``coaching.compiled``); the two figure tables'
cells are built here as HTML, once for every screen width."""

import datetime
from dataclasses import dataclass
from functools import cached_property
from html import escape

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from coaching import gaps
from coaching.funnel import (
    ORDERED_TIERS,
    TRANSITION_LABELS,
    TRANSITIONS,
    Figures,
    Period,
    TeamFunnel,
    behind_q,
    projects_behind,
    team_funnel,
)
from coaching.funnel_chart import funnel_chart, percent
from coaching.pool_moves import team_pool_moves
from coaching.stats import MIN_REP_ENTERED, MIN_REST_ENTERED, TEST_TEXT
from projects.models import Project
from teams import typography
from teams.formatting import number

STALEST_SHOWN = 5
# What the bottleneck's list shows of each project (its link, name, customer, stage, days in it).
STALEST_FIELDS = (
    "id",
    "name",
    "owner_id",
    "customer__name",
    "state__entered_at",
    "state__stage__name_zh",
    "state__stage__name_en",
)


@dataclass(frozen=True)
class Change:
    """The change of one figure against the previous period: ▲3, ▼2.5 pts, ±0."""

    delta: float | None
    previous: object
    points: bool = False  # a rate: the change in percentage points

    @property
    def direction(self) -> str:
        if self.delta is None or round(self.delta, 1) == 0:
            return "same"
        return "up" if self.delta > 0 else "down"

    @property
    def text(self) -> str:
        if self.delta is None:
            return ""
        arrow = {"up": "▲", "down": "▼", "same": "±"}[self.direction]
        size = f"{abs(self.delta):.1f}".removesuffix(".0") if self.points else f"{abs(self.delta):,.0f}"
        if self.direction == "same":
            size = "0"
        return _("%(arrow)s%(size)s pts") % {"arrow": arrow, "size": size} if self.points else f"{arrow}{size}"

    @property
    def title(self) -> str:
        return _("Previous period: %(value)s") % {"value": self.previous}

    @property
    def badge(self) -> str:
        """``{{ change.badge }}`` in a template: the badge after a figure (nothing without a
        previous figure). Built here, not by an included template: the dashboard shows ~150."""
        text = self.text
        if not text:
            return ""
        title = escape(str(self.title))
        return mark_safe(  # noqa: S308 — every part is escaped or a fixed word
            f' <span class="change {self.direction}" title="{title}">'
            f'<span class="visually-hidden">{title}, </span>{escape(str(text))}</span>'
        )


def count_change(now: int, before: int) -> Change:
    return Change(delta=now - before, previous=before)


def rate_change(now, before) -> Change:
    if now is None or before is None:
        return Change(delta=None, previous=percent(before))
    return Change(delta=(now - before) * 100, previous=percent(before), points=True)


def days_text(days) -> str:
    return "—" if days is None else f"{days:.1f}".removesuffix(".0")


class Dashboard:
    def __init__(self, *, team, period: Period, today: datetime.date, now: datetime.datetime):
        self.team, self.period, self.today, self.now = team, period, today, now

    @cached_property
    def funnel(self) -> TeamFunnel:
        return team_funnel(self.team, self.period)

    @cached_property
    def _behind_base(self) -> str:
        """coaching:projects?team=…&start=…&end=… — the same for every number on the page."""
        params = {"team": self.team.pk, "start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
        return f"{reverse('coaching:projects')}?{urlencode(params)}"

    def url(self, metric: str, key: str, rep=None) -> str:
        """The list of the projects behind one number (coaching:projects). ``metric`` and ``key``
        are the code's own words (letters and underscores: nothing to encode)."""
        url = f"{self._behind_base}&metric={metric}&key={key}"
        return url if rep is None else f"{url}&rep={rep.pk}"

    def rep_url(self, rep) -> str:
        """The rep's own view for the same period."""
        params = {"rep": rep.pk, "period": "custom", "start": self.period.start, "end": self.period.end}
        return f"{reverse('coaching:me')}?{urlencode(params)}"

    # --- the funnel chart and its table ---------------------------------------------------

    @cached_property
    def chart(self) -> dict:
        return funnel_chart(self.funnel.team_figures)

    @cached_property
    def tier_rows(self) -> list[dict]:
        figures = self.funnel.team_figures
        rows = []
        for index, tier in enumerate(ORDERED_TIERS):
            row = {
                "tier": tier.value,
                "label": tier.label,
                "reached": figures.reached[tier],
                "url": self.url("reached", tier.value),
                "budget": figures.budget[tier],
                "weighted": figures.weighted[tier],
            }
            if index < len(TRANSITIONS):
                row["conversion"] = percent(figures.transitions[TRANSITIONS[index][0]].rate)
            rows.append(row)
        return rows

    # --- the rep × transition table ---------------------------------------------------------

    def _cells(self, figures: Figures, previous: Figures, rep=None) -> list[dict]:
        cells = []
        for key, _source, _target in TRANSITIONS:
            now, before = figures.transitions[key], previous.transitions[key]
            cells.append(
                {
                    "key": key,
                    "label": TRANSITION_LABELS[key],
                    "entered": now.entered,
                    "entered_url": self.url("entered", key, rep),
                    "entered_change": count_change(now.entered, before.entered),
                    "advanced": now.advanced,
                    "advanced_url": self.url("advanced", key, rep),
                    "advanced_change": count_change(now.advanced, before.advanced),
                    "rate": percent(now.rate),
                    "rate_change": rate_change(now.rate, before.rate),
                    "median_days": days_text(now.median_days),
                }
            )
        return cells

    @cached_property
    def team_row(self) -> dict:
        funnel = self.funnel
        return {
            "name": _("Whole team"),
            "is_team": True,
            "cells": self._cells(funnel.team_figures, funnel.previous_team),
        }

    @cached_property
    def rep_rows(self) -> list[dict]:
        funnel = self.funnel
        rows = []
        for rep in funnel.reps:
            figures = funnel.by_rep.get(rep.pk, Figures())
            previous = funnel.previous_by_rep.get(rep.pk, Figures())
            rows.append(
                {
                    "rep": rep,
                    "name": rep.name,
                    "url": self.rep_url(rep),
                    "is_team": False,
                    "cells": self._cells(figures, previous, rep),
                    "bottleneck": funnel.bottlenecks.get(rep.pk),
                }
            )
        return rows

    @cached_property
    def table_rows(self) -> list[dict]:
        """The team's row and each rep's, each with its ``html``: the cells of one
        ``<tr>``, built here once (the page has ~120 figures with a link and a change each)."""
        rows = [self.team_row, *self.rep_rows]
        # Translated and escaped once for the page.
        labels = {
            "entered": escape(_("Entered")),
            "advanced": escape(_("Advanced")),
            "median_days": escape(_("Median days")),
            "bottleneck": escape(_("Bottleneck")),
            "colon": escape(typography.colon()),
        }
        for row in rows:
            row["html"] = _transition_row_html(row, labels)
        return rows

    @property
    def transition_labels(self) -> list:
        return [TRANSITION_LABELS[key] for key, _s, _t in TRANSITIONS]

    # --- bottlenecks -----------------------------------------------------------------------

    @cached_property
    def _stalest(self) -> dict:
        """{rep id: [projects]}: the stalest stuck projects at each rep's bottleneck, in one
        query whatever the number of distinct bottleneck transitions (each rep's condition
        is ``projects_behind``'s for its own), with only the columns the page shows."""
        by_key = {}
        for rep_id, found in self.funnel.bottlenecks.items():
            if found is not None:
                by_key.setdefault(found.key, []).append(rep_id)
        if not by_key:
            return {}
        condition = Q()
        for key, rep_ids in by_key.items():
            condition |= Q(owner_id__in=rep_ids) & behind_q("stuck", key, self.period)
        rank = Window(RowNumber(), partition_by=[F("owner_id")], order_by=[F("state__entered_at").asc(), F("pk").asc()])
        projects = (
            Project.objects.filter(team=self.team)
            .filter(condition)
            .select_related("customer", "state__stage")
            .only(*STALEST_FIELDS)
            .annotate(rank=rank)
            .filter(rank__lte=STALEST_SHOWN)
            .order_by("owner_id", "rank")
        )
        stalest = {}
        for project in projects:
            project.days_in_stage = project.state.days_in_stage(self.now)
            stalest.setdefault(project.owner_id, []).append(project)
        return stalest

    @cached_property
    def bottleneck_rows(self) -> list[dict]:
        funnel = self.funnel
        rows = []
        for rep in funnel.reps:
            found = funnel.bottlenecks.get(rep.pk)
            row = {"rep": rep, "bottleneck": found}
            if found is None:
                row["why"] = self._no_bottleneck_reason(rep)
            else:
                mine = funnel.by_rep.get(rep.pk, Figures()).transitions[found.key]
                row.update(
                    rep_rate=percent(found.rep_rate),
                    rest_rate=percent(found.rest_rate),
                    z=f"{found.z:.2f}",
                    projects=self._stalest.get(rep.pk, []),
                    stuck=mine.entered - mine.advanced,
                    stuck_url=self.url("stuck", found.key, rep),
                )
            rows.append(row)
        return rows

    def _no_bottleneck_reason(self, rep) -> str:
        figures = self.funnel.by_rep.get(rep.pk, Figures())
        testable = any(
            figures.transitions[key].entered >= MIN_REP_ENTERED
            and self.funnel.rest_of_team(rep.pk, key).entered >= MIN_REST_ENTERED
            for key, _s, _t in TRANSITIONS
        )
        if testable:
            return _("No step is significantly below the rest of the team.")
        return _(
            "Too few projects to tell: a step is tested once the rep entered at least %(rep)d projects "
            "and the rest of the team at least %(rest)d."
        ) % {"rep": MIN_REP_ENTERED, "rest": MIN_REST_ENTERED}

    @property
    def test_text(self) -> str:
        return str(TEST_TEXT) % {"rep": MIN_REP_ENTERED, "rest": MIN_REST_ENTERED}

    # --- data gaps ---------------------------------------------------------------------------

    @cached_property
    def _gaps(self):
        return gaps.team_gaps(team=self.team, period=self.period, today=self.today, now=self.now)

    def _gap_cells(self, counts: dict, rep=None) -> list[dict]:
        return [
            {
                "kind": kind,
                "label": gaps.GAP_LABELS[kind],
                "count": counts.get(kind, 0),
                "url": self.url("gap", kind, rep),
            }
            for kind in gaps.GAP_KINDS
        ]

    @cached_property
    def gap_rows(self) -> list[dict]:
        """The team's row and each rep's, each with its ``html`` (the cells of one ``<tr>``)."""
        totals, by_owner = self._gaps
        rows = [{"name": _("Whole team"), "is_team": True, "cells": self._gap_cells(totals)}]
        for rep in self.funnel.reps:
            rows.append({"name": rep.name, "is_team": False, "cells": self._gap_cells(by_owner.get(rep.pk, {}), rep)})
        labels = {kind: escape(str(label)) for kind, label in gaps.GAP_LABELS.items()}
        for row in rows:
            row["html"] = _gap_row_html(row, labels)
        return rows

    @cached_property
    def pool_rows(self) -> list[dict]:
        """Releases and returns to the public pool per rep in the period (one query)."""
        return team_pool_moves(team=self.team, reps=self.funnel.reps, period=self.period)

    @property
    def gap_columns(self) -> list[dict]:
        return [{"label": gaps.GAP_LABELS[kind], "help": gaps.GAP_HELP[kind]} for kind in gaps.GAP_KINDS]


# --- the two figure tables' rows, as HTML -----------------------------------------------------
# One markup for every width (templates/coaching/dashboard.html, static/css/coaching.css): a
# table row from 768 px; below, the row is a card whose narrow-only cells name each step and
# whose ``data-label`` attributes name each figure.


def _row_name_html(row: dict, labels: dict | None = None) -> str:
    name = escape(str(row["name"]))
    if row.get("rep") is not None:
        name = f'<a href="{escape(row["url"])}">{name}</a>'
        found = row.get("bottleneck")
        if found is not None and labels is not None:
            name += (
                f' <span class="badge warn">{labels["bottleneck"]}'
                f'<span class="narrow-only">{labels["colon"]}{escape(str(found.label))}</span></span>'
            )
    return f'<th scope="row" class="name{" team-row" if row["is_team"] else ""}">{name}</th>'


def _transition_row_html(row: dict, labels: dict) -> str:
    """The cells of one row of the rep × step table. Plain string building, every text escaped
    (``escape``: the standard library's, which Django's own calls): ~120 cells a page."""
    found = row.get("bottleneck")
    weak = found.key if found is not None else None
    parts = [_row_name_html(row, labels)]
    for cell in row["cells"]:
        key = cell["key"]
        weak_class = ' class="weak"' if key == weak else ""
        blank = ' class="blank"' if cell["median_days"] == "—" else ""  # not on a card
        parts.append(
            f'<td class="step-name narrow-only">{escape(str(cell["label"]))}</td>'
            f'<td class="group" data-key="{key}" data-figure="entered"><a href="{escape(cell["entered_url"])}"'
            f' data-label="{labels["entered"]}">{number(cell["entered"])}</a>{cell["entered_change"].badge}</td>'
            f'<td data-key="{key}" data-figure="advanced"><a href="{escape(cell["advanced_url"])}"'
            f' data-label="{labels["advanced"]}">{number(cell["advanced"])}</a>{cell["advanced_change"].badge}</td>'
            f'<td data-key="{key}" data-figure="rate"{weak_class}>'
            f"{cell['rate']}{cell['rate_change'].badge}</td>"
            f'<td data-key="{key}" data-figure="median_days" data-label="{labels["median_days"]}"{blank}>'
            f"{cell['median_days']}</td>"
        )
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def _gap_row_html(row: dict, labels: dict) -> str:
    cells = "".join(
        f'<td data-gap="{cell["kind"]}"><a href="{escape(cell["url"])}" data-label="{labels[cell["kind"]]}">'
        f"{number(cell['count'])}</a></td>"
        for cell in row["cells"]
    )
    return mark_safe(_row_name_html(row) + cells)  # noqa: S308 — every text is escaped


def behind_queryset(*, team, period: Period, metric: str, key: str, rep, today, now):
    """The projects behind one number of the dashboard: the funnel's own query
    (``projects_behind``) or the data gap's (``gaps.gap_projects``). KeyError when
    the metric or key is unknown."""
    if metric == "gap":
        if key not in gaps.GAP_KINDS:
            raise KeyError(key)
        return gaps.gap_projects(team=team, kind=key, period=period, today=today, now=now, owner=rep)
    if metric == "reached":
        if key not in {tier.value for tier in ORDERED_TIERS}:
            raise KeyError(key)
    elif key not in TRANSITION_LABELS:
        raise KeyError(key)
    return projects_behind(team=team, period=period, metric=metric, key=key, owner=rep)


def behind_title(metric: str, key: str) -> str:
    """What the list behind a number holds, in words."""
    if metric == "gap":
        return str(gaps.GAP_LABELS[key])
    if metric == "reached":
        label = {tier.value: tier.label for tier in ORDERED_TIERS}[key]
        return _("Reached %(tier)s in the period") % {"tier": label}
    label = TRANSITION_LABELS[key]
    return {
        "entered": _("%(transition)s: entered"),
        "advanced": _("%(transition)s: advanced"),
        "stuck": _("%(transition)s: entered and not advanced"),
    }[metric] % {"transition": label}
