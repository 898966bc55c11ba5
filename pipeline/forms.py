"""What the pipeline's forms share, and the one form that logs a contact — in My
day's dialog, on /activities/new/ and in the project page's contact log. They
check the shape of the input; the services decide the rules and name the
fields they refuse."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import BuyingRole
from accounts.models import Customer
from pipeline import services
from pipeline.models import Activity, ActivityKind, LostReason, Stage
from pipeline.selectors.activities import contacts_to_log
from projects.models import Project
from teams.errors import DomainError
from teams.forms import DateInput, DateTimeInput
from teams.mixins import add_domain_error
from teams.typography import bracketed

MINUTE_FORMAT = "%Y-%m-%dT%H:%M"

# The dates the quick picks fill in: days from today, with their button text and spoken name.
QUICK_PICKS = [
    (1, gettext_lazy("+1d"), gettext_lazy("Tomorrow")),
    (3, gettext_lazy("+3d"), gettext_lazy("In 3 days")),
    (7, gettext_lazy("+1w"), gettext_lazy("In a week")),
]
# A contact logged from a form plans the next one a week ahead unless the user picks another date.
DEFAULT_NEXT_IN_DAYS = 7
# A move logged with a contact names its fields by the move's words; the form shows them beside its own.
MOVE_FIELDS = {"stage": "move_to", "at": "occurred_at"}


class StageSelect(forms.Select):
    """A select whose options carry data attributes (``option_attrs[value]``): a form
    with a lost stage among them shows its lost-reason fields only while one is
    chosen (static/css/app.css)."""

    def __init__(self, *args, option_attrs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_attrs = option_attrs or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_attrs.get(str(value), {}))
        return option


def stage_label(stage: Stage) -> str:
    return f"{stage.name}{bracketed(stage.get_tier_display())}"


def move_targets(current: Stage, stages=None) -> list[Stage]:
    """The stages a project standing in ``current`` may move to: the other active stages
    of its pipeline, in order (``stages``: the pipeline's, when the page already read them)."""
    if stages is None:
        stages = Stage.objects.active().filter(pipeline_id=current.pipeline_id).order_by("order", "id")
    return [stage for stage in stages if stage.pk != current.pk and not stage.is_archived]


def stage_choices(field: forms.Field, *, current: Stage, stages=None, empty=None) -> list[Stage]:
    """Make ``field`` a "move to" select of ``move_targets`` (name and tier; ``empty``:
    the label of a first, empty choice) — the board's, the project page's and the log
    form's. Lost stages carry ``data-lost`` (the lost-reason fields show only while
    one is chosen), later stages ``data-forward``. Answers the targets."""
    targets = move_targets(current, stages)
    attrs = {}
    for stage in targets:
        if stage.is_lost:
            attrs[stage.key] = {"data-lost": ""}
        elif stage.order > current.order:
            attrs[stage.key] = {"data-forward": ""}
    choices = [("", empty)] if empty is not None else []
    choices += [(stage.key, stage_label(stage)) for stage in targets]
    field.choices = choices
    field.widget = StageSelect(option_attrs=attrs, choices=choices)
    return targets


def lost_reason_choices() -> list:
    return [("", "—")] + [(reason.key, reason.name) for reason in LostReason.objects.filter(is_active=True)]


class DefaultsToNow(forms.Form):
    """A date-time field (``now_field``) that opens at the current minute. Left as it
    was shown, or given as the current minute, it means "now" (None for the service),
    so a move made seconds after the form opened is not dated before what just happened."""

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
        shown = self.data.get(self.add_prefix(f"{self.now_field}_shown"))
        if typed and typed in (shown, timezone.localtime().strftime(MINUTE_FORMAT)):
            cleaned[self.now_field] = None
        return cleaned


class QuickPickDateInput(DateInput):
    """The date picker with buttons that fill in tomorrow, in 3 days or in a week (static/js/app.js)."""

    def __init__(self, attrs=None, *, today: datetime.date):
        super().__init__({"min": today.isoformat(), **(attrs or {})})
        self.today = today

    def render(self, name, value, attrs=None, renderer=None):
        picker = super().render(name, value, attrs, renderer)
        picks = []
        for days, label, spoken in QUICK_PICKS:
            day = (self.today + datetime.timedelta(days=days)).isoformat()
            picks.append((day, day, label, spoken, day))
        buttons = format_html_join(
            "",
            '<button type="button" class="outline secondary small" data-set-date="{}" title="{}">{}'
            '<span class="visually-hidden"> ({}, {})</span></button>',
            picks,
        )
        return format_html(
            '{}<span class="quick-picks" role="group" aria-label="{}">{}</span>', picker, _("Quick picks"), buttons
        )


def person_label(contact) -> str:
    """The person as the pickers show them: name, title, and their role on the project's buying committee."""
    label = f"{contact.name}{bracketed(contact.title)}"
    role = getattr(contact, "committee_role", "")
    if role:
        label = f"{label} · {BuyingRole(role).label}"
    return label


class PeopleField(forms.MultipleChoiceField):
    """People of the customer picked by checkbox from a list read once for the page."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"invalid_choice": gettext_lazy("Choose people of this customer.")}

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(contact.pk): contact for contact in people}
        self.choices = [(key, person_label(contact)) for key, contact in self.people.items()]

    def clean(self, value):
        return [self.people[key] for key in super().clean(value)]


def _label(name):
    return capfirst(Activity._meta.get_field(name).verbose_name)


class ActivityForm(DefaultsToNow):
    """One logged contact on a project (or on a customer alone): what, when, with whom
    (the project's buying committee first), the next contact (quick picks; a week
    ahead by default on an open project), and optionally the stage the project moves
    to — lost with its reason, as everywhere a project is lost."""

    now_field = "occurred_at"

    kind = forms.ChoiceField(
        label=_label("kind"), choices=ActivityKind.choices, initial=ActivityKind.CALL, widget=forms.RadioSelect
    )
    occurred_at = forms.DateTimeField(label=_label("occurred_at"), required=False, widget=DateTimeInput())
    contacts = PeopleField(label=_label("contacts"), required=False)
    summary = forms.CharField(
        label=_label("summary"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
        help_text=gettext_lazy("What was said and agreed."),
    )
    next_contact_on = forms.DateField(label=_label("next_contact_on"), required=False)
    move_to = forms.ChoiceField(
        label=gettext_lazy("Move to stage"),
        required=False,
        help_text=gettext_lazy("Only if the customer's buying process moved on (or back)."),
    )
    lost_reason = forms.ChoiceField(label=gettext_lazy("Lost reason"), required=False)
    lost_note = forms.CharField(label=gettext_lazy("Lost: details"), max_length=500, required=False)

    def __init__(
        self,
        *args,
        user,
        customer: Customer,
        project: Project | None = None,
        people=None,
        stages=None,
        lost_reasons=None,
        **kwargs,
    ):
        """``people``, ``stages`` (the pipeline's) and ``lost_reasons`` (``lost_reason_choices``),
        as the page read them, are read here when not given."""
        super().__init__(*args, **kwargs)
        self.user, self.customer, self.project = user, customer, project
        self._lost_reasons = lost_reasons
        today = services.today()
        if people is None:
            people = contacts_to_log(user=user, customer=customer, project=project)
        self.fields["contacts"] = PeopleField(label=_label("contacts"), required=False, people=people)
        if not people:
            self.fields["contacts"].help_text = _(
                "No people of this customer are recorded yet; add them on the customer's page."
            )
        next_on = self.fields["next_contact_on"]
        next_on.widget = QuickPickDateInput(today=today)
        if project is None:
            for name in ("move_to", "lost_reason", "lost_note"):
                del self.fields[name]
            next_on.help_text = gettext_lazy("Today or later; leave it empty if none is planned.")
        else:
            closing = self._offer_stages(project, stages)
            if project.is_open and self.data.get(self.add_prefix("move_to")) not in closing:
                next_on.required = True
                next_on.initial = today + datetime.timedelta(days=DEFAULT_NEXT_IN_DAYS)
                next_on.help_text = gettext_lazy("Today or later: every open project needs one.")
            else:
                next_on.help_text = gettext_lazy("Today or later; leave it empty if none is planned.")
        self.order_fields(
            ["kind", "occurred_at", "contacts", "summary", "next_contact_on", "move_to", "lost_reason", "lost_note"]
        )

    def _offer_stages(self, project, stages) -> set[str]:
        """Offer the pipeline's other active stages; the keys of the won and lost ones."""
        current = project.state.stage
        stay = _("Stay in “%(stage)s”") % {"stage": current.name}
        targets = stage_choices(self.fields["move_to"], current=current, stages=stages, empty=stay)
        self.fields["lost_reason"].choices = self._lost_reasons or lost_reason_choices()
        return {stage.key for stage in targets if stage.is_closed}

    def log(self) -> Activity | None:
        """Save the contact through the service; None with the errors beside their fields."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            return services.activity_log(
                user=self.user,
                project=self.project,
                customer=self.customer,
                kind=data["kind"],
                occurred_at=data["occurred_at"] or timezone.now(),
                summary=data["summary"],
                contacts=data["contacts"],
                next_contact_on=data.get("next_contact_on"),
                move_to=data.get("move_to") or None,
                lost_reason=data.get("lost_reason") or None,
                lost_note=data.get("lost_note", ""),
            )
        except DomainError as error:
            if hasattr(error, "error_dict"):
                renamed = {}
                for name, messages in error.message_dict.items():
                    renamed.setdefault(MOVE_FIELDS.get(name, name), []).extend(messages)
                error = DomainError(renamed)
            add_domain_error(self, error)
            return None
