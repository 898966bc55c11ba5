"""The admins' pipeline settings: pipelines and each team's default, a pipeline's
stages (order by arrows, rename, tier, probability, expected days, exit checklist,
archive or delete), the lost reasons, and the log of every change ("recent
changes"). Every write goes through ``pipeline.settings_services``.

Admins only: for anyone else these pages do not exist (404, like an unknown id).
Buttons are plain forms that post and come back, so everything works without
JavaScript and on a phone; the reorder arrows add htmx to swap only the list."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView

from pipeline import settings_services as services
from pipeline.models import ExitCheck, LostReason, Pipeline, SettingsKind, Severity, Stage
from pipeline.selectors.settings import (
    history_entries,
    lost_reason_rows,
    pipeline_rows,
    settings_changes,
    stage_rows,
    stage_with_usage,
    teams_with_defaults,
)
from pipeline.settings_forms import ExitCheckForm, LostReasonForm, PipelineForm, StageForm, TeamDefaultsForm
from teams.errors import DomainError
from teams.mixins import AdminSettingsPage, add_domain_error

RECENT = 10


AdminOnlyPage = AdminSettingsPage  # every settings page answers the same way (teams.mixins)


def _recent(**scope):
    return history_entries(settings_changes(**scope)[:RECENT])


def _saved(form, service, **kwargs):
    """Call the service; its errors go beside the form's fields. What it returned, or None when refused."""
    try:
        return service(**kwargs)
    except DomainError as error:
        add_domain_error(form, error)
        return None


# --- pipelines --------------------------------------------------------------------------------


class PipelineListView(AdminOnlyPage, View):
    """The pipelines, the teams' defaults (posted here) and the latest changes of all settings."""

    template_name = "pipeline/settings/pipeline_list.html"

    def get(self, request):
        return self.render()

    def post(self, request):
        teams, pipelines = teams_with_defaults(), pipeline_rows()
        form = TeamDefaultsForm(request.POST, teams=teams, pipelines=pipelines)
        if form.is_valid():
            changed = _saved(form, services.team_defaults_set, user=request.user, defaults=form.defaults())
            if changed is not None:
                messages.success(request, _("Team defaults saved.") if changed else _("Nothing changed."))
                return redirect(f"{reverse('pipeline:settings')}#team-defaults")
        return self.render(form=form, teams=teams, pipelines=pipelines)

    def render(self, *, form=None, teams=None, pipelines=None):
        pipelines = pipelines if pipelines is not None else pipeline_rows()
        teams = teams if teams is not None else teams_with_defaults()
        context = {
            "settings_tab": "pipelines",
            "pipelines": pipelines,
            "team_form": form or TeamDefaultsForm(teams=teams, pipelines=pipelines),
            "changes": _recent(),
        }
        return render(self.request, self.template_name, context)


class PipelineCreateView(AdminOnlyPage, View):
    template_name = "pipeline/settings/pipeline_form.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PipelineForm(), "settings_tab": "pipelines"})

    def post(self, request):
        form = PipelineForm(request.POST)
        if form.is_valid():
            pipeline = _saved(form, services.pipeline_create, user=request.user, data=form.service_data())
            if pipeline is not None:
                messages.success(
                    request,
                    _("Pipeline %(pipeline)s created with a first, a won and a lost stage: rename them and add yours.")
                    % {"pipeline": pipeline},
                )
                return redirect("pipeline:settings_pipeline", pk=pipeline.pk)
        return render(request, self.template_name, {"form": form, "settings_tab": "pipelines"})


class PipelineDetailView(AdminOnlyPage, View):
    """A pipeline's stages in order with their arrows and state, its own settings
    (posted here), and its latest changes."""

    template_name = "pipeline/settings/pipeline_detail.html"

    def get(self, request, pk):
        pipeline = get_object_or_404(Pipeline, pk=pk)
        return self.render(pipeline, PipelineForm(instance=pipeline))

    def post(self, request, pk):
        pipeline = get_object_or_404(Pipeline, pk=pk)
        form = PipelineForm(request.POST, instance=pipeline)
        if form.is_valid():
            data = form.service_data()
            saved = _saved(form, services.pipeline_update, user=request.user, pipeline=pipeline, data=data)
            if saved is not None:
                messages.success(request, _("Pipeline %(pipeline)s saved.") % {"pipeline": saved.name})
                return redirect("pipeline:settings_pipeline", pk=pipeline.pk)
        pipeline.refresh_from_db()
        return self.render(pipeline, form)

    def render(self, pipeline, form):
        stages = stage_rows(pipeline)
        context = {
            "settings_tab": "pipelines",
            "pipeline": pipeline,
            "form": form,
            "stages": [stage for stage in stages if not stage.is_archived],
            "archived_stages": [stage for stage in stages if stage.is_archived],
            "changes": _recent(pipeline=pipeline),
        }
        return render(self.request, self.template_name, context)


class SettingsButton(AdminOnlyPage, View):
    """A button of a settings page: do one thing, say how it went, go back to the page."""

    model = None
    done = ""  # the success message, with %(name)s

    def post(self, request, pk):
        subject = get_object_or_404(self.model, pk=pk)
        name = str(subject)
        try:
            changed = self.act(subject)
        except DomainError as error:
            for message in error.messages:
                messages.error(request, message)
            if request.htmx:  # the swap would show only the list: load the whole page, message and all
                return HttpResponse(headers={"HX-Redirect": self.back(subject)})
        else:
            if self.done and changed is not False:
                messages.success(request, self.done % {"name": name})
        return redirect(self.back(subject))

    def act(self, subject):
        raise NotImplementedError

    def back(self, subject):
        raise NotImplementedError


class PipelineButton(SettingsButton):
    model = Pipeline

    def back(self, pipeline):
        return reverse("pipeline:settings_pipeline", args=[pipeline.pk])


class PipelineArchiveView(PipelineButton):
    done = gettext_lazy("Pipeline %(name)s archived: no new project starts in it.")

    def act(self, pipeline):
        services.pipeline_archive(user=self.request.user, pipeline=pipeline)


class PipelineRestoreView(PipelineButton):
    done = gettext_lazy("Pipeline %(name)s restored.")

    def act(self, pipeline):
        services.pipeline_restore(user=self.request.user, pipeline=pipeline)


# --- stages -----------------------------------------------------------------------------------


class StageCreateView(AdminOnlyPage, View):
    template_name = "pipeline/settings/stage_form.html"

    def get(self, request, pk):
        pipeline = get_object_or_404(Pipeline, pk=pk)
        return self.render(pipeline, StageForm(initial={"probability": 0}))

    def post(self, request, pk):
        pipeline = get_object_or_404(Pipeline, pk=pk)
        form = StageForm(request.POST)
        if form.is_valid():
            stage = _saved(form, services.stage_create, user=request.user, pipeline=pipeline, data=form.service_data())
            if stage is not None:
                messages.success(request, _("Stage %(stage)s added.") % {"stage": stage})
                return redirect("pipeline:settings_stage", pk=stage.pk)
        return self.render(pipeline, form)

    def render(self, pipeline, form):
        return render(
            self.request, self.template_name, {"settings_tab": "pipelines", "pipeline": pipeline, "form": form}
        )


def _stage(pk):
    return get_object_or_404(Stage.objects.select_related("pipeline"), pk=pk)


class StageUpdateView(AdminOnlyPage, View):
    """One stage: its names, tier, probability and expected days (posted here), its exit
    checklist, and archive, restore or delete with what each would do."""

    template_name = "pipeline/settings/stage_form.html"

    def get(self, request, pk):
        stage = _stage(pk)
        return self.render(stage, StageForm(instance=stage))

    def post(self, request, pk):
        stage = _stage(pk)
        form = StageForm(request.POST, instance=stage)
        if form.is_valid():
            saved = _saved(form, services.stage_update, user=request.user, stage=stage, data=form.service_data())
            if saved is not None:
                messages.success(request, _("Stage %(stage)s saved.") % {"stage": saved.name})
                return redirect(f"{reverse('pipeline:settings_pipeline', args=[stage.pipeline_id])}#stage-{stage.pk}")
        return self.render(_stage(pk), form)

    def render(self, stage, form, check_form=None):
        usage = stage_with_usage(stage)
        context = {
            "settings_tab": "pipelines",
            "pipeline": stage.pipeline,
            "stage": usage,
            "form": form,
            "checks": list(usage.exit_checks.all()),
            "check_form": check_form or ExitCheckForm(stage=usage),
            "severities": Severity,
        }
        return render(self.request, self.template_name, context)


class ExitCheckAddView(StageUpdateView):
    """Posted from the stage page; a refusal shows there, beside the check's fields."""

    http_method_names = ["post"]

    def post(self, request, pk):
        stage = _stage(pk)
        form = ExitCheckForm(request.POST, stage=stage)
        if form.is_valid():
            try:
                check = services.exit_check_add(user=request.user, stage=stage, **form.service_kwargs())
            except DomainError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("Exit check added: %(check)s.") % {"check": check})
                return redirect(f"{reverse('pipeline:settings_stage', args=[stage.pk])}#exit-checks")
        return self.render(stage, StageForm(instance=stage), check_form=form)


class StageButton(SettingsButton):
    model = Stage

    def back(self, stage):
        return f"{reverse('pipeline:settings_pipeline', args=[stage.pipeline_id])}#stage-{stage.pk}"


class StageShiftView(StageButton):
    def act(self, stage):
        by = -1 if self.request.POST.get("direction") == "up" else 1
        return services.stage_shift(user=self.request.user, stage=stage, by=by)


class StageArchiveView(StageButton):
    done = gettext_lazy("Stage %(name)s archived: projects no longer move into it; its history stays.")

    def act(self, stage):
        services.stage_archive(user=self.request.user, stage=stage)


class StageRestoreView(StageButton):
    done = gettext_lazy("Stage %(name)s restored at the end of the pipeline: move it to its place with the arrows.")

    def act(self, stage):
        services.stage_restore(user=self.request.user, stage=stage)


class StageDeleteView(StageButton):
    done = gettext_lazy("Stage %(name)s deleted.")

    def act(self, stage):
        services.stage_delete(user=self.request.user, stage=stage)

    def back(self, stage):
        if Stage.objects.filter(pk=stage.pk).exists():  # refused: back to the stage, where the reason shows
            return reverse("pipeline:settings_stage", args=[stage.pk])
        return reverse("pipeline:settings_pipeline", args=[stage.pipeline_id])


class ExitCheckButton(SettingsButton):
    model = ExitCheck

    def back(self, check):
        return f"{reverse('pipeline:settings_stage', args=[check.stage_id])}#exit-checks"


class ExitCheckSeverityView(ExitCheckButton):
    def act(self, check):
        severity = self.request.POST.get("severity", "")
        if severity not in Severity.values:
            raise DomainError({"severity": [_("Choose warn or block.")]})
        services.exit_check_set_severity(user=self.request.user, check=check, severity=severity)


class ExitCheckRemoveView(ExitCheckButton):
    done = gettext_lazy("Exit check removed: %(name)s.")

    def act(self, check):
        services.exit_check_remove(user=self.request.user, check=check)


# --- lost reasons -----------------------------------------------------------------------------


class LostReasonListView(AdminOnlyPage, View):
    """The lost reasons in the order reps see them, a form to add one (posted here), and their changes."""

    template_name = "pipeline/settings/lost_reasons.html"

    def get(self, request):
        return self.render(LostReasonForm())

    def post(self, request):
        form = LostReasonForm(request.POST)
        if form.is_valid():
            reason = _saved(form, services.lost_reason_create, user=request.user, data=form.service_data())
            if reason is not None:
                messages.success(request, _("Lost reason %(reason)s added.") % {"reason": reason})
                return redirect(f"{reverse('pipeline:settings_lost_reasons')}#reason-{reason.pk}")
        return self.render(form)

    def render(self, form):
        context = {
            "settings_tab": "lost_reasons",
            "reasons": lost_reason_rows(),
            "form": form,
            "changes": _recent(kind=SettingsKind.LOST_REASON),
        }
        return render(self.request, self.template_name, context)


class LostReasonUpdateView(AdminOnlyPage, View):
    template_name = "pipeline/settings/lost_reason_form.html"

    def get(self, request, pk):
        reason = get_object_or_404(LostReason, pk=pk)
        return self.render(reason, LostReasonForm(instance=reason))

    def post(self, request, pk):
        reason = get_object_or_404(LostReason, pk=pk)
        form = LostReasonForm(request.POST, instance=reason)
        if form.is_valid():
            data = form.service_data()
            if _saved(form, services.lost_reason_update, user=request.user, reason=reason, data=data) is not None:
                messages.success(request, _("Lost reason saved."))
                return redirect(f"{reverse('pipeline:settings_lost_reasons')}#reason-{reason.pk}")
        return self.render(reason, form)

    def render(self, reason, form):
        (reason,) = lost_reason_rows(LostReason.objects.filter(pk=reason.pk))
        context = {"settings_tab": "lost_reasons", "reason": reason, "form": form}
        return render(self.request, self.template_name, context)


class LostReasonButton(SettingsButton):
    model = LostReason

    def back(self, reason):
        return f"{reverse('pipeline:settings_lost_reasons')}#reason-{reason.pk}"


class LostReasonShiftView(LostReasonButton):
    def act(self, reason):
        by = -1 if self.request.POST.get("direction") == "up" else 1
        return services.lost_reason_shift(user=self.request.user, reason=reason, by=by)


class LostReasonActiveView(LostReasonButton):
    def act(self, reason):
        active = self.request.POST.get("active") == "1"
        services.lost_reason_set_active(user=self.request.user, reason=reason, active=active)
        self.done = (
            gettext_lazy("Lost reason %(name)s offered again.")
            if active
            else gettext_lazy("Lost reason %(name)s no longer offered; projects lost for it keep it.")
        )


class LostReasonDeleteView(LostReasonButton):
    done = gettext_lazy("Lost reason %(name)s deleted.")

    def act(self, reason):
        services.lost_reason_delete(user=self.request.user, reason=reason)

    def back(self, reason):
        return reverse("pipeline:settings_lost_reasons")


# --- the change log ---------------------------------------------------------------------------


class SettingsChangeListView(AdminOnlyPage, ListView):
    """Every change of the pipeline settings, newest first."""

    template_name = "pipeline/settings/changes.html"
    paginate_by = 50

    def get_queryset(self):
        return settings_changes()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["settings_tab"] = "changes"
        context["changes"] = history_entries(context["object_list"])
        return context
