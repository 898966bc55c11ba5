"""Logging a contact ("记录跟进"): the form My day opens in a dialog, and the
standalone page /activities/new/ where the user first picks the project (or a
customer without one). Both save through ``pipeline.services.activity_log``."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from accounts.choices import BuyingRole
from accounts.models import Contact, Customer
from pipeline import services
from pipeline.models import Activity, ActivityKind, Stage, Tier
from pipeline.selectors.activities import contacts_to_log, customers_to_log, projects_to_log
from projects.models import Project
from teams.errors import DomainError
from teams.forms import DateInput, DateTimeInput
from teams.typography import bracketed

# The dates the quick picks fill in: days from today, with their button text and spoken name.
QUICK_PICKS = [
    (1, gettext_lazy("+1d"), gettext_lazy("Tomorrow")),
    (3, gettext_lazy("+3d"), gettext_lazy("In 3 days")),
    (7, gettext_lazy("+1w"), gettext_lazy("In a week")),
]
# A contact logged from a form plans the next one a week ahead unless the user picks another date.
DEFAULT_NEXT_IN_DAYS = 7
# The service names the move's fields by the move's words; the form shows them beside its own.
SERVICE_FIELDS = {"stage": "move_to", "lost_reason": "move_to", "at": "occurred_at"}


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


class ContactChoiceField(forms.ModelMultipleChoiceField):
    """The customer's people: "name (title)", and their role on the project's committee."""

    def label_from_instance(self, contact):
        label = f"{contact.name}{bracketed(contact.title)}"
        role = getattr(contact, "committee_role", "")
        if role:
            label = f"{label} · {BuyingRole(role).label}"
        return label


def _label(name):
    return capfirst(Activity._meta.get_field(name).verbose_name)


class ActivityForm(forms.Form):
    """One logged contact on a project (or a customer alone): what, when, with
    whom, the next contact, and optionally the stage the project moves to."""

    kind = forms.ChoiceField(label=_label("kind"), choices=ActivityKind.choices, initial=ActivityKind.CALL)
    occurred_at = forms.DateTimeField(label=_label("occurred_at"), widget=DateTimeInput())
    summary = forms.CharField(
        label=_label("summary"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
        help_text=gettext_lazy("What was said and agreed."),
    )
    contacts = ContactChoiceField(
        label=_label("contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Choose people of this customer.")},
    )
    next_contact_on = forms.DateField(label=_label("next_contact_on"))
    move_to = forms.ModelChoiceField(
        label=gettext_lazy("Move to stage"),
        queryset=Stage.objects.none(),
        required=False,
        help_text=gettext_lazy("Only if the customer's buying process moved on (or back)."),
    )

    def __init__(self, *args, user, customer: Customer, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.customer, self.project = user, customer, project
        today = services.today()
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        people = self.fields["contacts"]
        people.queryset = contacts_to_log(user=user, customer=customer, project=project)
        if not people.queryset.exists():
            people.help_text = _("No people of this customer are recorded yet; add them on the customer's page.")
        next_on = self.fields["next_contact_on"]
        next_on.widget = QuickPickDateInput(today=today)
        if project is not None and project.is_open:
            next_on.initial = today + datetime.timedelta(days=DEFAULT_NEXT_IN_DAYS)
            next_on.help_text = gettext_lazy("Today or later: every open project needs one.")
        else:
            next_on.required = False
            next_on.help_text = gettext_lazy("Today or later; leave it empty if none is planned.")
        if project is None:
            del self.fields["move_to"]
        else:
            current = project.state.stage
            # Lost needs its reason and a note: that move is made on the project or the board.
            self.fields["move_to"].queryset = (
                Stage.objects.active()
                .filter(pipeline_id=current.pipeline_id)
                .exclude(pk=current.pk)
                .exclude(tier=Tier.LOST)
            )
            self.fields["move_to"].empty_label = _("Stay in “%(stage)s”") % {"stage": current.name}

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        now = timezone.now()
        # The picker shows minutes: "this minute" is now, not its first second, so a stage
        # move with the contact never lands before a change made earlier in the same minute.
        if value and timezone.localtime(value).replace(second=0, microsecond=0) == timezone.localtime(now).replace(
            second=0, microsecond=0
        ):
            return now
        return value

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
                occurred_at=data["occurred_at"],
                summary=data["summary"],
                contacts=data["contacts"],
                next_contact_on=data.get("next_contact_on"),
                move_to=data.get("move_to"),
            )
        except DomainError as error:
            if not hasattr(error, "error_dict"):
                self.add_error(None, error)
                return None
            for name, field_errors in error.message_dict.items():
                name = SERVICE_FIELDS.get(name, name)
                self.add_error(name if name in self.fields else None, field_errors)
            return None


def logged_message(activity: Activity) -> str:
    """What the user is told once a contact is saved."""
    subject = activity.project or activity.customer
    if activity.next_contact_on:
        return _("Contact on %(subject)s logged. Next contact: %(date)s.") % {
            "subject": subject,
            "date": activity.next_contact_on.isoformat(),
        }
    return _("Contact on %(subject)s logged.") % {"subject": subject}


def editable_project(user, pk) -> Project:
    """A project the user may change (a contact on it changes it), else 404 like an unknown id."""
    projects = Project.objects.editable_by(user).select_related("customer", "state__stage__pipeline")
    return get_object_or_404(projects, pk=pk)


def safe_next(request) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return ""


class ActivityCreateView(LoginRequiredMixin, View):
    """/activities/new/: pick an open project (or a customer, for a contact with
    no project) among those the user may change, then log the contact."""

    template_name = "pipeline/activity_form.html"
    pick_template_name = "pipeline/activity_pick.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.project = self.customer = None
        project_id, customer_id = request.GET.get("project", ""), request.GET.get("customer", "")
        if project_id:
            if not project_id.isdigit():
                raise Http404
            self.project = editable_project(request.user, int(project_id))
            self.customer = self.project.customer
        elif customer_id:
            if not customer_id.isdigit():
                raise Http404
            self.customer = get_object_or_404(Customer.objects.editable_by(request.user), pk=int(customer_id))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        if self.customer is None:
            return self.pick()
        return self.render(self.form())

    def post(self, request):
        if self.customer is None:
            raise Http404
        form = self.form(request.POST)
        activity = form.log()
        if activity is None:
            return self.render(form)
        messages.success(request, logged_message(activity))
        return redirect(safe_next(request) or self.project or self.customer)

    def form(self, data=None) -> ActivityForm:
        return ActivityForm(data, user=self.request.user, customer=self.customer, project=self.project)

    def render(self, form):
        next_url = safe_next(self.request)
        context = {
            "form": form,
            "project": self.project,
            "customer": self.customer,
            "next_url": next_url,
            "cancel_url": next_url or (self.project or self.customer).get_absolute_url(),
        }
        return render(self.request, self.template_name, context)

    def pick(self):
        query = self.request.GET.get("q", "").strip()[:100]
        next_url = safe_next(self.request)
        context = {
            "query": query,
            "projects": projects_to_log(user=self.request.user, query=query),
            "customers": customers_to_log(user=self.request.user, query=query),
            "carry": urlencode({"next": next_url}) if next_url else "",
            "pick_url": reverse("pipeline:activity_create"),
            "next_url": next_url,
        }
        if self.request.htmx and not self.request.htmx.boosted:
            return render(self.request, f"{self.pick_template_name}#log-targets", context)
        return render(self.request, self.pick_template_name, context)
