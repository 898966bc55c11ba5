"""Forms of the pipeline settings pages. They only read the input; the rules
(unique keys, one company default, a pipeline keeps its won and lost stages…)
are checked by ``pipeline.settings_services`` against the rows it locks, and its
errors are shown beside these fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pipeline import exit_checks
from pipeline.models import LostReason, Pipeline, Severity, Stage
from projects.models import ChecklistItem, ProjectKind

KEY_HELP = _("Letters, digits, _ and -. The API and imports use it; it cannot be changed later.")


class ServiceValidatedForm(forms.ModelForm):
    """A model form whose instance the service fills and validates: the form keeps its
    hands off the instance (no ``construct_instance``, no model validation here)."""

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


def _without_key_on_edit(form):
    if form.instance.pk is not None:
        del form.fields["key"]
    else:
        form.fields["key"].help_text = KEY_HELP


class PipelineForm(ServiceValidatedForm):
    class Meta:
        model = Pipeline
        fields = ["key", "name_zh", "name_en", "kind", "is_default"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_key_on_edit(self)
        self.fields["kind"].choices = [("", _("Any kind")), *ProjectKind.choices]
        self.fields["is_default"].help_text = _(
            "Projects start here unless a pipeline takes their kind or their team has its own default."
        )


class StageForm(ServiceValidatedForm):
    class Meta:
        model = Stage
        fields = ["key", "name_zh", "name_en", "tier", "probability", "expected_days"]
        widgets = {
            "probability": forms.NumberInput(attrs={"min": 0, "max": 100, "inputmode": "numeric"}),
            "expected_days": forms.NumberInput(attrs={"min": 1, "max": 3650, "inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_key_on_edit(self)
        self.fields["probability"].help_text = _("0–100: how likely a project in this stage is won.")
        self.fields["expected_days"].help_text = _(
            "1–3650. A project longer in this stage is stale. Empty: never stale."
        )
        if self.instance.pk is not None:
            self.fields["tier"].help_text = _(
                "A new tier counts for moves from now on: projects already in this stage, "
                "and every past stage change, keep the tier they had."
            )


class LostReasonForm(ServiceValidatedForm):
    class Meta:
        model = LostReason
        fields = ["key", "name_zh", "name_en"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _without_key_on_edit(self)


REQUIREMENT_PREFIX = "requirement:"
ITEM_PREFIX = "item:"


class ExitCheckForm(forms.Form):
    """What a project must have before it leaves the stage: one select holding the named
    requirements and the checklist items, and whether a missing one warns or blocks."""

    subject = forms.ChoiceField(label=_("Requirement"))
    severity = forms.ChoiceField(label=_("If missing"), choices=Severity.choices, initial=Severity.WARN)

    def __init__(self, *args, stage: Stage, **kwargs):
        super().__init__(*args, **kwargs)
        taken = {(check.requirement, check.checklist_item_id) for check in stage.exit_checks.all()}
        requirements = [
            (f"{REQUIREMENT_PREFIX}{key}", label)
            for key, label in exit_checks.requirement_choices()
            if (key, None) not in taken
        ]
        items = [
            (f"{ITEM_PREFIX}{item.pk}", item.label)
            for item in ChecklistItem.objects.filter(is_active=True).order_by("order", "id")
            if ("", item.pk) not in taken
        ]
        self.fields["subject"].choices = [
            ("", "—"),
            (_("Requirements"), requirements),
            (_("Checklist items"), items),
        ]

    def service_kwargs(self) -> dict:
        subject = self.cleaned_data["subject"]
        kwargs = {"severity": self.cleaned_data["severity"], "requirement": "", "checklist_item": None}
        if subject.startswith(REQUIREMENT_PREFIX):
            kwargs["requirement"] = subject.removeprefix(REQUIREMENT_PREFIX)
        else:
            kwargs["checklist_item"] = ChecklistItem.objects.get(pk=int(subject.removeprefix(ITEM_PREFIX)))
        return kwargs

    def add_service_error(self, error):
        """The service names ``requirement`` or ``checklist_item``: both are this form's ``subject``."""
        for field, messages in error.message_dict.items():
            self.add_error("subject" if field in {"requirement", "checklist_item"} else None, messages)


class TeamDefaultsForm(forms.Form):
    """One select per team: the pipeline its new projects start in."""

    def __init__(self, *args, teams, pipelines, **kwargs):
        super().__init__(*args, **kwargs)
        self.pipelines = {str(pipeline.pk): pipeline for pipeline in pipelines if not pipeline.is_archived}
        default = next((pipeline for pipeline in pipelines if pipeline.is_default), None)
        company = _("Company default (%(pipeline)s)") % {"pipeline": default} if default else _("Company default")
        choices = [("", company), *((pk, pipeline.name) for pk, pipeline in self.pipelines.items())]
        self.teams = {}
        for team in teams:
            name = f"team_{team.pk}"
            self.teams[name] = team
            self.fields[name] = forms.ChoiceField(
                label=team.name, choices=choices, required=False, initial=str(team.default_pipeline_id or "")
            )

    def defaults(self) -> dict:
        return {team: self.pipelines.get(self.cleaned_data.get(name) or "") for name, team in self.teams.items()}
