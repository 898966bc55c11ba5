"""The pipeline's sections of the project page, registered in
``projects.views.PROJECT_SECTIONS``: stage, budget, competitors, key dates,
contact log and the timeline of changes. Each is a callable
``(request, project) -> context`` rendered by its template in
templates/pipeline/sections/; the writes (pipeline.views.project_writes)
answer with the same sections, so a section looks the same after an htmx swap.

A refused write leaves its bound form, conflict or notice in
``request.pipeline_state[<section>]``; the section shows it instead of a blank
form. The project page itself carries no forms (their widgets were most of its
rendering time): each is loaded when the user opens it (``FormOnDemandMixin`` answers
the section with it open); htmx answers carry them, as the user is at work there.
Reads that several sections share (the stage standing, the customer's
people, whether the user may edit) are made once per request.
"""

from django.template.loader import render_to_string
from django.utils import timezone

from pipeline.budget_chart import budget_chart
from pipeline.forms import ActivityForm, lost_reason_choices
from pipeline.project_forms import BudgetForm, CompetitorForm, KeyDateForm, MoveForm
from pipeline.section_rows import (
    budget_change_items,
    competitor_items,
    exit_check_items,
    key_date_items,
    stage_strip,
)
from pipeline.selectors.activities import committee_first, contacts_to_log
from pipeline.selectors.project import (
    project_activities,
    project_budget_changes,
    project_competitors,
    project_key_dates,
    project_stage_standing,
)
from pipeline.selectors.timeline import TIMELINE_FIRST, project_timeline
from projects.models import MilestoneKind
from projects.views import forms_inline
from teams.ownership import in_own_scope


def _memo(request, key, compute):
    cache = request.__dict__.setdefault("_pipeline_reads", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget_reads(request) -> None:
    """After a write, the reads made before it are stale."""
    request.__dict__.pop("_pipeline_reads", None)


def _state(request, name) -> dict:
    return getattr(request, "pipeline_state", {}).get(name, {})


def stage_standing(request, project):
    """The stage, its days and failing exit checks (pipeline.selectors.project), read once per request."""

    def read():
        standing = project_stage_standing(project=project)
        project.state = standing.state  # the forms' ``project.state.stage`` without reading it again
        return standing

    return _memo(request, ("standing", project.pk), read)


def lost_reasons(request):
    """The active lost reasons as choices, read once per request (the move and the contact log)."""
    return _memo(request, "lost_reasons", lost_reason_choices)


def customer_people(request, project):
    """The customer's people the user may pick, read once per request (key dates, contact log)."""

    def read():
        people = getattr(project, "page_rows", {}).get("people")
        if people is None:
            return contacts_to_log(user=request.user, customer=project.customer, project=project)
        return committee_first(people, project.stakeholders.all())  # read by the page already

    return _memo(request, ("people", project.pk), read)


def can_edit(request, project) -> bool:
    """Whether the forms are offered: the pages show what the user may change (a
    write outside ``editable_by`` answers 404 anyway)."""
    return in_own_scope(user=request.user, record=project)  # editable_by's rule, on the loaded project


def _version_context(state, version):
    return {
        "conflict": state.get("conflict"),
        "conflict_rows": state.get("conflict_rows", []),
        "version": state.get("version", version),
    }


def _form(request, state, editable, build):
    """The refused form of ``state``, a blank one when the page shows it (an htmx answer, or
    the user opened it: ``state["opened"]``), or None: the page loads it when opened."""
    if state.get("form") is not None:
        return state["form"]
    return build() if editable and (forms_inline(request) or state.get("opened")) else None


def stage_section(request, project):
    standing = stage_standing(request, project)
    state = _state(request, "stage")
    editable = can_edit(request, project)
    return {
        "template": "pipeline/sections/stage.html",
        "standing": standing,
        "strip": stage_strip(standing),
        "failing": exit_check_items(standing.failing),
        "can_edit": editable,
        "form": _form(
            request,
            state,
            editable,
            lambda: MoveForm(standing=standing, lost_reasons=lost_reasons(request), prefix="move"),
        ),
        "opened": state.get("opened", False),
        "notice": state.get("notice"),
        "warnings": state.get("warnings", []),
        **_version_context(state, project.version),
    }


def budget_section(request, project):
    state = _state(request, "budget")
    # The rows the section shows and the timeline's first page takes (``page_rows``); the
    # chart reads every change's day and amount only.
    rows = max(BUDGET_CHANGES_SHOWN, TIMELINE_FIRST + 1)
    history = project_budget_changes(project=project, rows=rows)
    project.page_rows = {**getattr(project, "page_rows", {}), "budget_changes": (history.newest, rows)}
    procurement_total = project.procurement_total
    editable = can_edit(request, project)
    return {
        "template": "pipeline/sections/budget.html",
        # The newest; the older ones on demand (a project re-budgeted a hundred times showed
        # them all: the page's slowest section).
        "items": budget_change_items(history.newest[:BUDGET_CHANGES_SHOWN]),
        "older": older_budget_changes(history, BUDGET_CHANGES_SHOWN),
        "chart": budget_chart(changes=history.days, procurement_total=procurement_total, today=timezone.localdate()),
        "procurement_total": procurement_total,
        "can_edit": editable,
        "form": _form(request, state, editable, lambda: BudgetForm(prefix="budget")),
        "opened": state.get("opened", False),
        "notice": state.get("notice"),
        **_version_context(state, project.version),
    }


BUDGET_CHANGES_SHOWN = 10


def older_budget_changes(history, shown):
    """What "Show older changes" needs after the first ``shown`` of ``history.newest``: the
    last one shown (the cursor: a change recorded meanwhile does not shift the rest) and how
    many more there are; None when there are none."""
    rest = len(history.days) - shown
    return {"before": history.newest[shown - 1].pk, "count": rest} if rest > 0 and shown > 0 else None


def competitors_section(request, project):
    state = _state(request, "competitors")
    groups = project_competitors(project=project)
    editing = state.get("editing")  # the competitor whose refused edit is shown
    for group in groups:
        for competitor in group["competitors"]:
            if editing is not None and competitor.pk == editing:
                competitor.form = state["form"]
                competitor.conflict = _version_context(state, competitor.version)
            else:  # the edit form is loaded when opened (``competitor_edit_form``): rarely used
                competitor.form = None
                competitor.conflict = {"version": competitor.version}
    editable = can_edit(request, project)
    for group in groups:
        group["items"] = competitor_items(request, project, group["competitors"], can_edit=editable)
    new_state = state if editing is None else {}  # a refused edit is not the add form
    return {
        "template": "pipeline/sections/competitors.html",
        "groups": groups,
        "count": sum(len(group["competitors"]) for group in groups),
        "can_edit": editable,
        "form": _form(
            request,
            new_state,
            editable,
            lambda: CompetitorForm(prefix="competitor-new", initial={"kind": "external"}),
        ),
        "opened": new_state.get("opened", False),
        "notice": state.get("notice"),
    }


def competitor_edit_form(competitor) -> dict:
    """The edit form of one competitor, as the section shows it when opened."""
    return {
        "form": CompetitorForm(instance=competitor, prefix=f"competitor-{competitor.pk}"),
        "version": competitor.version,
    }


def key_dates_section(request, project):
    state = _state(request, "key_dates")
    key_dates = project_key_dates(project=project)
    editable = can_edit(request, project)
    today = timezone.localdate()
    for key_date in key_dates:
        milestone = key_date["milestone"]
        this = state if state.get("kind") == key_date["kind"] else {}
        key_date["opened"] = this.get("opened", False)
        key_date["form"] = this.get("form")
        if key_date["form"] is None and editable and (forms_inline(request) or key_date["opened"]):
            with_attendees = key_date["kind"] == MilestoneKind.PROPOSAL_ACCEPTED
            initial = {}
            if milestone is not None:
                initial = {"due_on": milestone.due_on, "done_on": milestone.done_on}
                if with_attendees:
                    initial["attendees"] = [str(contact.pk) for contact in milestone.attendees.all()]
            key_date["form"] = KeyDateForm(
                initial=initial,
                prefix=f"keydate-{key_date['kind']}",
                with_attendees=with_attendees,
                people=customer_people(request, project) if with_attendees else (),
            )
        key_date["overdue"] = bool(milestone and milestone.done_on is None and milestone.due_on < today)
    return {
        "template": "pipeline/sections/key_dates.html",
        "key_dates": key_dates,
        "items": key_date_items(request, project, key_dates, can_edit=editable),
        "slips": sum(key_date["milestone"].slips for key_date in key_dates if key_date["milestone"]),
        "can_edit": editable,
        "notice": state.get("notice"),
    }


def activity_form(request, project, data=None) -> ActivityForm:
    """The contact log's form, with the people and stages the page has read."""
    return ActivityForm(
        data,
        user=request.user,
        customer=project.customer,
        project=project,
        people=customer_people(request, project),
        stages=stage_standing(request, project).stages,
        lost_reasons=lost_reasons(request),
        prefix="activity",
    )


def activities_section(request, project):
    state = _state(request, "activities")
    # With the newest the timeline's first page shows, which it then does not read again.
    activities, next_before = project_activities(project=project, read=TIMELINE_FIRST + 1)
    editable = can_edit(request, project)
    return {
        "template": "pipeline/sections/activities.html",
        "activities": activities,
        "next_before": next_before,
        "can_edit": editable,
        "form": _form(request, state, editable, lambda: activity_form(request, project)),
        "opened": state.get("opened", False),
        "notice": state.get("notice"),
    }


def timeline_section(request, project):
    timeline = project_timeline(project=project, limit=TIMELINE_FIRST)  # the newest; the rest on "Load more"
    return {"template": "pipeline/sections/timeline.html", "timeline": timeline}


# In the order the page shows them; the key is the section's name in writes and states.
SECTIONS = {
    "stage": stage_section,
    "budget": budget_section,
    "competitors": competitors_section,
    "key_dates": key_dates_section,
    "activities": activities_section,
    "timeline": timeline_section,
}


def render_section(request, project, name, *, oob=False) -> str:
    section = SECTIONS[name](request, project)
    return render_to_string(section["template"], {"section": section, "project": project, "oob": oob}, request)
