"""Rows of the project page's pipeline sections built in Python rather than in a template
loop: the same markup and msgids as the templates had, every value escaped. A template
loop cost about 0.2 ms a row (filters, ``{% blocktranslate %}``, date formats looked up
again for each row); these lists grow with the project's history."""

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.models import MilestoneKind
from teams.templatetags.ui import money
from teams.typography import colon, listed, quoted


def budget_change_items(changes) -> str:
    """The ``<li>`` of each budget change (``pipeline/sections/budget_items.html``), in the
    order given; ``change.by`` read with its name."""
    day_format, moment_format = get_format("DATE_FORMAT"), get_format("DATETIME_FORMAT")
    effective, why, system, drop = _("effective"), _("Why"), escape(_("system")), _("drop")
    parts = []
    for change in changes:
        old = f"{money(change.old)} → " if change.old is not None else ""
        badges = f'<span class="badge warn">{escape(drop)}</span>' if change.is_drop else ""
        if change.merged_from:
            merged = _("from merged project #%(id)s") % {"id": change.merged_from}
            badges += f'<span class="badge">{escape(merged)}</span>'
        by = escape(change.by.name) if change.by is not None and change.by.name else system
        recorded = format_date(timezone.localtime(change.recorded_at), moment_format)
        reason = f"<br>{escape(why)}{escape(colon())}{escape(change.reason)}" if change.reason else ""
        parts.append(
            f"<li>\n<strong>{old}{money(change.new)}</strong>\n{badges}\n"
            f'<br><span class="muted small">{escape(effective)} {escape(format_date(change.effective_on, day_format))}'
            f" · {by} · {escape(recorded)}</span>\n{reason}\n</li>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped, money() builds with format_html


def _csrf_input(request) -> str:
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(get_token(request))}">'


def competitor_items(request, project, competitors, *, can_edit: bool) -> str:
    """The ``<li>`` of each competitor of a group (``pipeline/sections/competitors.html``):
    with the status buttons and the edit form (loaded when opened; the refused one shown)
    when the user may edit."""
    csrf = _csrf_input(request) if can_edit else ""
    parts = []
    for competitor in competitors:
        status = escape(competitor.status)
        threat = _("threat: %(threat)s") % {"threat": escape(competitor.get_threat_display())}
        parts.append(
            f'<li class="competitor status-{status}" id="competitor-{competitor.pk}">\n'
            f'<div class="card-head">\n<strong class="card-title">{escape(competitor.name)}</strong>\n'
            f'<span class="badges">\n<span class="badge threat-{escape(competitor.threat)}">{threat}</span>\n'
            f'<span class="badge status-{status}">{escape(competitor.get_status_display())}</span>\n'
            "</span>\n</div>\n"
        )
        if competitor.offering:
            parts.append(f'<p class="card-meta">{escape(competitor.offering)}</p>\n')
        if competitor.notes:
            parts.append(f'<p class="prewrap small">{escape(competitor.notes)}</p>\n')
        if can_edit:
            parts.append(_competitor_actions(request, project, competitor, csrf))
        parts.append("</li>\n")
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped, the form rendered by its template


def _competitor_actions(request, project, competitor, csrf) -> str:
    status_url = escape(reverse("pipeline:project_competitor_status", args=[project.pk, competitor.pk]))
    url = reverse("pipeline:project_competitor_edit", args=[project.pk, competitor.pk])
    if competitor.status == "active":
        eliminated, won = escape(_("Mark eliminated")), escape(_("They won the deal"))
        buttons = (
            f'<button type="submit" name="status" value="eliminated" class="secondary outline small">'
            f"{eliminated}</button>\n"
            f'<button type="submit" name="status" value="won" class="secondary outline small">'
            f"{won}</button>\n"
        )
    else:
        active = escape(_("Active again"))
        buttons = (
            f'<button type="submit" name="status" value="active" class="secondary outline small">{active}</button>\n'
        )
    summary = _("Edit %(name)s") % {"name": escape(competitor.name)}
    conflict = competitor.conflict if competitor.form else {}  # a refused edit, shown open with what was typed
    edit = _small_form(  # rarely used: loaded when opened (without JavaScript, the link opens the page with it)
        request,
        form=competitor.form,
        url=url,
        summary=summary,
        wide="offering notes",
        target="#pipeline-competitors",
        lazy_target="find .lazy-form",
        opened=True,
        versioned=True,
        conflict=conflict.get("conflict"),
        conflict_rows=conflict.get("conflict_rows"),
        version=conflict.get("version"),
    )
    return (
        f'<div class="competitor-actions">\n<form method="post" action="{status_url}" hx-post="{status_url}" '
        f'hx-target="#pipeline-competitors" hx-swap="outerHTML" class="inline">\n'
        f'{csrf}<input type="hidden" name="version" value="{competitor.version}">\n{buttons}</form>\n{edit}</div>\n'
    )


def _small_form(request, *, form, url: str, summary: str, lazy_target: str, **context) -> str:
    """A small section form saved with "Save" (``pipeline/sections/section_form.html``,
    ``summary`` escaped already); without ``form``, loaded into ``lazy_target`` when opened."""
    if not form:
        return _lazy_form(url, summary, target=lazy_target)
    summary = mark_safe(summary)  # noqa: S308 — the callers escape what they put in it
    context = {"form": form, "url": url, "summary": summary, "button": _("Save"), "small": True, **context}
    return render_to_string("pipeline/sections/section_form.html", context, request)


def _lazy_form(url: str, summary: str, *, target: str) -> str:
    """A small section form not loaded yet (``section_form.html`` without a form): opening it
    loads it into ``target``; without JavaScript the link opens the page with it."""
    url, link = escape(url), escape(_("Open the form"))
    return (
        f'<details class="section-form" hx-get="{url}" hx-trigger="toggle once" hx-target="{target}" '
        f'hx-swap="outerHTML">\n<summary class="small">{summary}</summary>\n'
        f'<p class="lazy-form"><a href="{url}">{link}</a></p>\n</details>\n'
    )


def key_date_items(request, project, key_dates, *, can_edit: bool) -> str:
    """The ``<li>`` of each key date (``pipeline/sections/key_dates.html``): planned and done
    dates, slips, who was present (the proposal), and its form (loaded when opened)."""
    day_format = get_format("DATE_FORMAT")
    sep = escape(colon())
    parts = []
    for key_date in key_dates:
        milestone, kind = key_date["milestone"], key_date["kind"]
        done = milestone is not None and milestone.done_on
        state = " done" if done else (" overdue" if key_date["overdue"] else "")
        if done:
            badges = '<span class="badge ok">' + escape(_("done")) + "</span>"
        elif key_date["overdue"]:
            badges = '<span class="badge warn">' + escape(_("overdue")) + "</span>"
        elif milestone is None:
            badges = '<span class="badge">' + escape(_("not planned")) + "</span>"
        else:
            badges = ""
        slips = milestone.slips if milestone is not None else 0
        if slips:
            slipped = ngettext("Slipped %(counter)s time", "Slipped %(counter)s times", slips) % {"counter": slips}
            badges += f'\n<span class="badge warn">{escape(slipped)}</span>'
        parts.append(
            f'<li class="key-date{state}" id="key-date-{escape(kind)}">\n<div class="card-head">\n'
            f'<strong>{escape(key_date["label"])}</strong>\n<span class="badges">\n{badges}\n</span>\n</div>\n'
        )
        if milestone is not None:
            planned = escape(format_date(milestone.due_on, day_format))
            if milestone.done_on:
                happened = escape(format_date(milestone.done_on, day_format))
                planned += " · " + escape(_("Happened on")) + sep + happened
            parts.append('<p class="card-meta">' + escape(_("Planned")) + f"{sep}{planned}</p>\n")
            if kind == MilestoneKind.PROPOSAL_ACCEPTED:
                present = escape(listed(milestone.attendees.all()) or "—")
                present_label = escape(_("Present from the customer"))
                parts.append(f'<p class="card-meta">{present_label}{sep}{present}</p>\n')
        if key_date["form"] or can_edit:
            url = reverse("pipeline:project_key_date", args=[project.pk, kind])
            label = {"date": escape(quoted(key_date["label"]))}
            summary = (_("Change %(date)s") if milestone is not None else _("Plan %(date)s")) % label
            parts.append(
                _small_form(
                    request,
                    form=key_date["form"],
                    url=url,
                    summary=summary,
                    wide="attendees",
                    target="#pipeline-key-dates",
                    lazy_target="closest section",
                    opened=key_date["opened"],
                )
            )
        parts.append("</li>\n")
    return mark_safe("".join(parts))  # noqa: S308 — every value above is escaped, the forms rendered by their template


def stage_strip(standing) -> str:
    """The ``<li>`` of each stage of the buying process but the lost ones
    (``pipeline/sections/stage.html``): the current one, and those before it as done."""
    state = standing.state
    lost, current_order = state.tier == "lost", state.stage.order
    parts = []
    for stage in standing.stages:
        if stage.is_lost:
            continue
        current = stage.pk == state.stage_id
        done = not current and not lost and stage.order < current_order
        css, aria = ("current", ' aria-current="step"') if current else ("done" if done else "", "")
        parts.append(f'<li class="{css}"{aria}>{escape(stage.name)}</li>\n')
    return mark_safe("".join(parts))  # noqa: S308 — the names are escaped, the rest fixed words


def exit_check_items(failing) -> str:
    """The ``<li>`` of each exit check a move from here still lacks (``stage.html``)."""
    required = '<span class="badge block">' + escape(_("required")) + "</span>"
    advised = '<span class="badge warn">' + escape(_("advised")) + "</span>"
    parts = [
        f'<li class="blocks">\n{required}\n{escape(result.label)}\n</li>\n'
        if result.blocks
        else f'<li class="warns">\n{advised}\n{escape(result.label)}\n</li>\n'
        for result in failing
    ]
    return mark_safe("".join(parts))  # noqa: S308 — the labels are escaped, the rest fixed words
