"""Forms of the project page's pipeline sections and the pipeline's fields on the
new-project form. They check the shape of the input; the services decide the
rules and name the fields they refuse."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pipeline.models import OPEN_TIERS, ActivityKind, Competitor, CompetitorKind, CompetitorStatus, LostReason, Stage
from teams.forms import DateInput, DateTimeInput
from teams.typography import bracketed

MINUTE_FORMAT = "%Y-%m-%dT%H:%M"
# A native date input reads ISO only; the Chinese locale's first format (2026/12/02) shows as empty.
ISO_DATE = "%Y-%m-%d"


class StageSelect(forms.Select):
    """A select whose options carry data attributes (``option_attrs[value]``): the page
    shows the lost-reason fields only while a lost stage is chosen."""

    def __init__(self, *args, option_attrs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_attrs = option_attrs or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_attrs.get(str(value), {}))
        return option


def stage_label(stage: Stage) -> str:
    return f"{stage.name}{bracketed(stage.get_tier_display())}"


class DefaultsToNow(forms.Form):
    """A date-time field (``now_field``) that opens at the current minute. Left as it
    was shown, it means "now" (None for the service), so a move made seconds after
    the form opened is not dated before what just happened."""

    now_field = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        shown = timezone.localtime().replace(second=0, microsecond=0)
        self.fields[self.now_field].initial = shown
        self.fields[f"{self.now_field}_shown"] = forms.CharField(
            required=False, widget=forms.HiddenInput, initial=shown.strftime(MINUTE_FORMAT)
        )

    def clean(self):
        cleaned = super().clean()
        typed = self.data.get(self.add_prefix(self.now_field), "")
        if typed and typed == self.data.get(self.add_prefix(f"{self.now_field}_shown")):
            cleaned[self.now_field] = None
        return cleaned


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

    def __init__(self, *args, standing, **kwargs):
        super().__init__(*args, **kwargs)
        current = standing.state.stage
        targets = [stage for stage in standing.stages if stage.pk != current.pk and not stage.is_archived]
        attrs = {}
        for stage in targets:
            if stage.is_lost:
                attrs[stage.key] = {"data-lost": ""}
            elif stage.order > current.order:
                attrs[stage.key] = {"data-forward": ""}
        self.fields["stage"].choices = [("", "—")] + [(stage.key, stage_label(stage)) for stage in targets]
        self.fields["stage"].widget = StageSelect(option_attrs=attrs, choices=self.fields["stage"].choices)
        self.fields["lost_reason"].choices = [("", "—")] + [
            (reason.key, reason.name) for reason in LostReason.objects.filter(is_active=True)
        ]


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


def person_label(contact) -> str:
    label = " · ".join(part for part in (contact.name, contact.title) if part)
    if contact.on_committee:
        label += bracketed(_("on the committee"))
    return label


class PeopleField(forms.MultipleChoiceField):
    """People of the customer picked by checkbox from a list read once for the page."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(contact.pk): contact for contact in people}
        self.choices = [(key, person_label(contact)) for key, contact in self.people.items()]

    def clean(self, value):
        return [self.people[key] for key in super().clean(value)]


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


class ActivityForm(DefaultsToNow):
    now_field = "occurred_at"

    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices, widget=forms.RadioSelect)
    occurred_at = forms.DateTimeField(label=_("When"), required=False, widget=DateTimeInput())
    summary = forms.CharField(label=_("Summary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    next_contact_on = forms.DateField(label=_("Next contact"), required=False, widget=DateInput(format=ISO_DATE))
    move_to = forms.ChoiceField(label=_("Also move the project to"), required=False)

    def __init__(self, *args, project, people=(), stages=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = ActivityKind.CALL
        self.fields["contacts"] = PeopleField(label=_("With whom"), required=False, people=people)
        # An open project always has a next contact; the service says so too, naming the field.
        self.fields["next_contact_on"].required = project.is_open
        # A move to lost needs its reason: that is the stage section's form.
        self.fields["move_to"].choices = [("", _("— stay in this stage"))] + [
            (stage.key, stage_label(stage))
            for stage in stages
            if not stage.is_lost and not stage.is_archived and stage.pk != getattr(current, "pk", None)
        ]
        self.order_fields(["kind", "occurred_at", "contacts", "summary", "next_contact_on", "move_to"])


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
