"""Writes from the project page's pipeline sections, and the "load more" pages of
the contact log and the timeline.

Every write starts from ``Project.objects.editable_by(user)`` (404 otherwise)
and calls a service. With htmx it answers with its section, plus, on success,
the sections the write also changed (out of band: the timeline, and the forms
that carry the project's version). Without JavaScript it redirects to the
project page, or shows the page with the refused form (400, 409 when stale).
A GET of a form's URL answers its section with the form open (the project page
loads its forms when the user opens them), or the page with it open.
"""

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from pipeline import services
from pipeline.forms import stage_label
from pipeline.models import Competitor
from pipeline.project_forms import (
    BudgetForm,
    CompetitorForm,
    CompetitorStatusForm,
    KeyDateForm,
    MoveForm,
)
from pipeline.section_rows import budget_change_items
from pipeline.selectors.project import (
    ActivityCursor,
    project_activities,
    project_budget_changes,
    project_key_dates,
)
from pipeline.selectors.timeline import TimelineCursor, project_timeline
from pipeline.views.project_sections import (
    activity_form,
    competitor_edit_form,
    customer_people,
    forget_reads,
    render_section,
    stage_standing,
)
from projects import services as project_services
from projects.models import MilestoneKind, Project
from projects.views import ProjectDetailView
from teams.errors import ConflictError, DomainError
from teams.mixins import EditableObjectsMixin, VersionedUpdateMixin, VisibleObjectsMixin, add_domain_error


def _version(request):
    return request.POST.get("version") or None


class SectionWriteView(EditableObjectsMixin, VersionedUpdateMixin, View):
    model = Project
    section = ""
    # Sections that change with this one, refreshed out of band after a successful write.
    also_changes = ("timeline",)

    def get_project(self):
        queryset = self.get_queryset().select_related("customer", "owner", "team", "lead_contact")
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def fresh(self, project):
        return Project.objects.select_related("customer", "owner", "team", "lead_contact").get(pk=project.pk)

    def done(self, project, notice, warnings=(), also=()):
        if not self.request.htmx:
            messages.success(self.request, notice)
            for warning in warnings:
                messages.warning(self.request, warning)
            return redirect(project)
        project = self.fresh(project)
        forget_reads(self.request)
        self.request.pipeline_state = {self.section: {"notice": notice, "warnings": list(warnings)}}
        parts = [render_section(self.request, project, self.section)]
        others = dict.fromkeys(name for name in (*also, *self.also_changes) if name != self.section)
        parts += [render_section(self.request, project, name, oob=True) for name in others]
        return HttpResponse("".join(parts))

    def refused(self, project, *, status=400, **state):
        self.request.pipeline_state = {self.section: state}
        if self.request.htmx:
            return HttpResponse(render_section(self.request, project, self.section), status=status)
        view = ProjectDetailView()
        view.setup(self.request, pk=project.pk)
        view.object = project
        return render(self.request, view.template_name, view.get_context_data(object=project), status=status)

    def stale(self, project, error, form, **state):
        project = self.fresh(project)
        return self.refused(project, status=409, form=form, **state, **self.conflict_context(error, form))


class FormOnDemandMixin:
    """GET: the section with this view's form open, loaded when the user opens it (htmx
    swaps the section); without JavaScript, the project page with it open."""

    def get(self, request, pk, **kwargs):
        project = self.get_project()
        return self.refused(project, status=200, opened=True, **self.opened_state(**kwargs))

    def opened_state(self, **kwargs) -> dict:
        return {}


class StageMoveView(FormOnDemandMixin, SectionWriteView):
    section = "stage"
    # The budget's form carries the version too; the contact form offers the stages but the current one.
    also_changes = ("budget", "activities", "timeline")

    def post(self, request, pk):
        project = self.get_project()
        standing = stage_standing(request, project)
        form = MoveForm(request.POST, standing=standing, prefix="move")
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = services.project_move(
                    user=request.user,
                    project=project,
                    stage=data["stage"],
                    at=data["at"],
                    note=data["note"],
                    lost_reason=data["lost_reason"] or None,
                    lost_note=data["lost_note"],
                    version=_version(request),
                )
            except ConflictError as error:
                # The stage they saved is the current one, which the form does not offer: name it.
                error.data["current"]["stage"] = stage_label(standing.state.stage)
                return self.stale(project, error, form)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                notice = _("Moved to %(stage)s.") % {"stage": result.change.to_stage.name}
                return self.done(project, notice, result.warnings)
        return self.refused(project, form=form, version=_version(request))


class BudgetChangeView(FormOnDemandMixin, SectionWriteView):
    section = "budget"
    also_changes = ("stage", "timeline")

    def post(self, request, pk):
        project = self.get_project()
        form = BudgetForm(request.POST, prefix="budget")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.budget_change(
                    user=request.user,
                    project=project,
                    amount=data["budget"],
                    effective_on=data["effective_on"],
                    reason=data["reason"],
                    version=_version(request),
                )
            except ConflictError as error:
                return self.stale(project, error, form)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return self.done(project, _("Budget saved."))
        return self.refused(project, form=form, version=_version(request))


class CompetitorSaveView(SectionWriteView):
    """Add a competitor, or change one (``competitor_pk``; its ``version`` is checked)."""

    section = "competitors"
    also_changes = ("stage", "timeline")  # "competitors recorded" is an exit check

    def get(self, request, pk, competitor_pk=None):
        """The edit form of one competitor, loaded when its "Edit" is opened (htmx); without
        JavaScript, the project page with that form open. Without a competitor: the section
        with the add form open (``FormOnDemandMixin``)."""
        project = self.get_project()
        if competitor_pk is None:
            return self.refused(project, status=200, opened=True)
        competitor = get_object_or_404(
            Competitor.objects.editable_by(request.user).filter(project=project), pk=competitor_pk
        )
        edit = competitor_edit_form(competitor)
        if not request.htmx:
            return self.refused(project, status=200, editing=competitor.pk, **edit)
        context = {
            **edit,
            "url": request.path,
            "target": "#pipeline-competitors",
            "wide": "offering notes",
            "button": _("Save"),
            "versioned": True,
        }
        return render(request, "pipeline/sections/section_form.html#form", context)

    def post(self, request, pk, competitor_pk=None):
        project = self.get_project()
        competitor = None
        if competitor_pk is not None:
            competitor = get_object_or_404(
                Competitor.objects.editable_by(request.user).filter(project=project), pk=competitor_pk
            )
        prefix = f"competitor-{competitor_pk}" if competitor else "competitor-new"
        form = CompetitorForm(request.POST, instance=competitor, prefix=prefix)
        editing = competitor.pk if competitor else None
        if form.is_valid():
            if competitor is not None and not form.has_changed():
                return self.done(project, _("Nothing changed."))
            data = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                saved = services.competitor_save(
                    user=request.user,
                    project=project,
                    data=data,
                    competitor=competitor,
                    version=_version(request) if competitor else None,
                )
            except ConflictError as error:
                return self.stale(project, error, form, editing=editing)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return self.done(project, _("Competitor %(name)s saved.") % {"name": saved.name})
        return self.refused(project, form=form, editing=editing, version=_version(request))


class CompetitorStatusView(SectionWriteView):
    """Mark a competitor eliminated, winner of the deal, or active again."""

    section = "competitors"
    also_changes = ("timeline",)

    def post(self, request, pk, competitor_pk):
        project = self.get_project()
        competitor = get_object_or_404(
            Competitor.objects.editable_by(request.user).filter(project=project), pk=competitor_pk
        )
        form = CompetitorStatusForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Choose a status."))
        try:
            saved = services.competitor_save(
                user=request.user,
                project=project,
                data={"status": form.cleaned_data["status"]},
                competitor=competitor,
                version=_version(request),
            )
        except ConflictError as error:
            current = Competitor.objects.get(pk=competitor.pk)
            # Their version in the form, with the status the user chose, to save again deliberately.
            edit = CompetitorForm(
                instance=current, prefix=f"competitor-{current.pk}", initial={"status": form.cleaned_data["status"]}
            )
            return self.refused(
                project, status=409, form=edit, editing=current.pk, **self.conflict_context(error, form)
            )
        return self.done(
            project,
            _("%(name)s: %(status)s.") % {"name": saved.name, "status": saved.get_status_display()},
        )


class KeyDateSaveView(FormOnDemandMixin, SectionWriteView):
    """Plan or re-plan a key date of the customer's process, say when it happened and
    (for the proposal) who of the customer was there. A later planned date is a slip."""

    section = "key_dates"
    also_changes = ("stage", "timeline")  # the key dates are exit checks

    def opened_state(self, *, kind) -> dict:
        if kind not in {choice.value for choice in MilestoneKind} or kind == MilestoneKind.OTHER:
            raise Http404
        return {"kind": kind}

    def post(self, request, pk, kind):
        project = self.get_project()
        if kind not in {choice.value for choice in MilestoneKind} or kind == MilestoneKind.OTHER:
            return HttpResponseBadRequest(_("Unknown key date."))
        with_attendees = kind == MilestoneKind.PROPOSAL_ACCEPTED
        form = KeyDateForm(
            request.POST,
            prefix=f"keydate-{kind}",
            with_attendees=with_attendees,
            people=customer_people(request, project) if with_attendees else (),
        )
        if form.is_valid():
            milestone = next(
                (row["milestone"] for row in project_key_dates(project=project) if row["kind"] == kind), None
            )
            data = {"kind": kind, "due_on": form.cleaned_data["due_on"], "done_on": form.cleaned_data["done_on"]}
            if with_attendees:
                data["attendees"] = form.cleaned_data["attendees"]
            try:
                project_services.milestone_save(user=request.user, project=project, data=data, milestone=milestone)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                return self.done(project, _("%(date)s saved.") % {"date": MilestoneKind(kind).label})
        return self.refused(project, form=form, kind=kind)


class ActivityLogView(FormOnDemandMixin, SectionWriteView):
    section = "activities"

    def post(self, request, pk):
        project = self.get_project()
        form = activity_form(request, project, request.POST)
        activity = form.log()
        if activity is None:
            return self.refused(project, form=form)
        # The next contact is an exit check; a move changes the stage and the version the budget carries.
        also = ("stage", "budget") if form.cleaned_data["move_to"] else ("stage",)
        notice = _("%(kind)s logged.") % {"kind": activity.get_kind_display()}
        return self.done(project, notice, also=also)


class ProjectListPageView(VisibleObjectsMixin, View):
    """The next page of a list of the project (``?before=`` a cursor from the previous
    page): the list items for htmx, a page of their own without JavaScript."""

    model = Project
    items_template = ""
    list_class = ""
    title = ""

    def get(self, request, pk):
        project = get_object_or_404(self.get_queryset().select_related("customer"), pk=pk)
        try:
            context = self.page(project, request.GET.get("before") or None)
        except ValueError:
            return HttpResponseBadRequest(_("This link is broken: open the project page again."))
        if request.htmx:
            return render(request, self.items_template, {"project": project, **context})
        page = {"title": self.title, "items_template": self.items_template, "list_class": self.list_class}
        return render(request, "pipeline/project_more.html", {"project": project, **page, **context})


class ActivityPageView(ProjectListPageView):
    items_template = "pipeline/sections/activity_items.html"
    list_class = "activity-list"
    title = gettext_lazy("Contact log")

    def page(self, project, before):
        activities, next_before = project_activities(
            project=project, before=ActivityCursor.parse(before) if before else None
        )
        return {"activities": activities, "next_before": next_before}


class TimelinePageView(ProjectListPageView):
    items_template = "pipeline/sections/timeline_items.html"
    list_class = "timeline"
    title = gettext_lazy("What changed")

    def page(self, project, before):
        return {"timeline": project_timeline(project=project, before=TimelineCursor.parse(before) if before else None)}


class BudgetChangePageView(ProjectListPageView):
    """The budget changes after ``before`` (the last the budget section shows), newest first;
    all of them without it."""

    items_template = "pipeline/sections/budget_items.html"
    list_class = "change-list"
    title = gettext_lazy("Budget history")

    def page(self, project, before):
        newest = project_budget_changes(project=project).newest
        if before is not None:
            ids = [change.pk for change in newest]
            newest = newest[ids.index(int(before)) + 1 :]  # ValueError (not a number, not its change): 400
        return {"items": budget_change_items(newest), "older": None}
