"""Forms of the project page's pipeline sections (its contact log uses
``pipeline.forms.ActivityForm``, as My day does) and the pipeline's fields on the
new-project form. They check the shape of the input; the services decide the
rules and name the fields they refuse."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pipeline.forms import DefaultsToNow, PeopleField, lost_reason_choices, stage_choices, stage_label
from pipeline.models import OPEN_TIERS, Competitor, CompetitorKind, CompetitorStatus, Stage
from teams.forms import DateInput, DateTimeInput

# A native date input reads ISO only; the Chinese locale's first format (2026/12/02) shows as empty.
ISO_DATE = "%Y-%m-%d"


class MoveForm(DefaultsToNow):
    now_field = "at"

    stage = forms.ChoiceField(label=_("Move to"))
    at = forms.DateTimeField(
        label=_("Effective"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Now, or back-date it to when it happened."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    lost_reason = forms.ChoiceField(label=_("Lost reason"), required=False)
    lost_note = forms.CharField(label=_("Lost: details"), max_length=500, required=False)

    def __init__(self, *args, standing, lost_reasons=None, **kwargs):
        super().__init__(*args, **kwargs)
        stage_choices(self.fields["stage"], current=standing.state.stage, stages=standing.stages, empty="—")
        self.fields["lost_reason"].choices = lost_reasons or lost_reason_choices()


class BudgetForm(forms.Form):
    # Text, not a number input: "1,200,000" as people type it is read by the service.
    budget = forms.CharField(
        label=_("New budget (CNY)"), max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    effective_on = forms.DateField(label=_("Effective"), required=False, widget=DateInput(format=ISO_DATE))
    reason = forms.CharField(
        label=_("Why"), max_length=500, required=False, help_text=_("Required when the budget drops.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].initial = timezone.localdate()


class CompetitorForm(forms.ModelForm):
    class Meta:
        model = Competitor
        fields = ["kind", "name", "offering", "threat", "status", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = CompetitorKind.choices  # every competitor has a kind: no empty choice

    def _post_clean(self):
        # competitor_save validates the model (and names the bad fields).
        pass


class CompetitorStatusForm(forms.Form):
    status = forms.ChoiceField(choices=CompetitorStatus.choices)


class KeyDateForm(forms.Form):
    due_on = forms.DateField(label=_("Planned"), widget=DateInput(format=ISO_DATE))
    done_on = forms.DateField(label=_("Happened on"), required=False, widget=DateInput(format=ISO_DATE))

    def __init__(self, *args, with_attendees=False, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        if with_attendees:
            self.fields["attendees"] = PeopleField(
                label=_("Present from the customer"),
                required=False,
                people=people,
                help_text=_("Who of the customer was there when the proposal was accepted."),
            )


# --- the new-project form (registered in projects.forms.PROJECT_FORM_EXTENSIONS) ----------------


def project_start_fields(*, user, customer) -> dict:
    """The starting stage (open stages by pipeline; empty: the first stage of the
    project's pipeline), the budget and the next contact, which every open project
    needs. Their values reach ``pipeline.services.ProjectStartHook``."""
    groups = {}
    for stage in Stage.objects.active().filter(tier__in=OPEN_TIERS).select_related("pipeline"):
        groups.setdefault(stage.pipeline, []).append((stage.key, stage_label(stage)))
    stage_choices = [("", _("The first stage of its pipeline"))] + [
        (pipeline.name, choices) for pipeline, choices in groups.items()
    ]
    return {
        "stage": forms.ChoiceField(
            label=_("Starting stage"),
            required=False,
            choices=stage_choices,
            help_text=_("Where the deal stands now, for a deal already under way."),
        ),
        "budget": forms.CharField(
            label=_("Budget (CNY)"),
            required=False,
            max_length=30,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            help_text=_("The customer's budget for this purchase, if known."),
        ),
        "next_contact_on": forms.DateField(
            label=_("Next contact"),
            widget=DateInput(format=ISO_DATE),
            help_text=_("Every open project needs a planned next contact."),
        ),
    }
