from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import BuyingRole
from accounts.models import Contact
from projects.models import CHOSEN_RESOLUTIONS, Milestone, ProcurementItem, Project, Stakeholder, Stance
from projects.selectors import committee_candidates
from teams.forms import DateInput, DateTimeInput
from teams.ownership import owner_choices

# Later apps add fields to the new-project form (the pipeline: starting stage, budget,
# next contact). Each is a callable ``(*, user, customer) -> {name: form field}``; the
# cleaned values go into the ``data`` that ``project_create`` hands to its
# PROJECT_CREATE_HOOKS, whose errors name the same fields. Registered in ``AppConfig.ready``.
PROJECT_FORM_EXTENSIONS = []


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "kind",
            "scope",
            "lead_contact",
            "funding_source",
            "funding_approved",
            "start_on",
            "end_on",
            "opened_at",
        ]
        widgets = {
            "scope": forms.Textarea(attrs={"rows": 4}),
            "start_on": DateInput(),
            "end_on": DateInput(),
            "opened_at": DateTimeInput(),
        }

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["lead_contact"].queryset = Contact.objects.current().of_customer_visible_to(customer, user)
        self.fields["lead_contact"].required = False
        self.fields["name"].widget.attrs["autofocus"] = True
        if self.instance.pk:
            del self.fields["opened_at"]
        else:
            self.fields["opened_at"].help_text = _("Back-date it to enter a deal that started earlier.")
            self.fields["opened_at"].required = False
        if user.is_lead or user.is_admin:
            self.fields["owner"] = forms.ModelChoiceField(
                label=_("Owner"),
                queryset=owner_choices(user=user),
                required=user.is_admin,
                help_text=_("Choose the rep or lead who owns it.")
                if user.is_admin
                else _("Leave empty to own it yourself."),
            )
            if self.instance.pk:
                del self.fields["owner"]  # owners change through a transfer, with a reason
        self.extension_fields = []
        if not self.instance.pk:
            for extension in PROJECT_FORM_EXTENSIONS:
                for name, field in extension(user=user, customer=customer).items():
                    self.fields[name] = field
                    self.extension_fields.append(name)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_on"), cleaned.get("end_on")
        if start and end and end < start:
            self.add_error("end_on", _("The end date cannot be before the start date."))
        return cleaned

    def _post_clean(self):
        # The service validates the model (with the related rows); keep the form's own checks only.
        pass

    def service_data(self):
        fields = ["name", "kind", "scope", "funding_source", "funding_approved", "start_on", "end_on"]
        data = {field: self.cleaned_data.get(field) for field in fields}
        data["scope"] = data["scope"] or ""
        data["funding_source"] = data["funding_source"] or ""
        if self.cleaned_data.get("opened_at"):
            data["opened_at"] = self.cleaned_data["opened_at"]
        for name in self.extension_fields:
            data[name] = self.cleaned_data.get(name)
        return data


class ProcurementItemForm(forms.ModelForm):
    class Meta:
        model = ProcurementItem
        fields = ["item", "quantity", "unit", "unit_price", "notes"]
        widgets = {
            "quantity": forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
            "unit_price": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["name", "due_on", "done_on"]
        widgets = {"due_on": DateInput(), "done_on": DateInput()}


class StakeholderForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Person"), queryset=Contact.objects.none(), required=False)
    new_name = forms.CharField(label=_("Or a new person: name"), max_length=50, required=False)
    new_title = forms.CharField(label=_("Title"), max_length=100, required=False)
    new_mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Role in this purchase"), choices=BuyingRole.choices)
    stance = forms.ChoiceField(label=_("Stance"), choices=Stance.choices, initial=Stance.UNKNOWN)
    notes = forms.CharField(label=_("Notes"), max_length=500, required=False)

    def __init__(self, *args, user, project, people=None, **kwargs):
        """``people``: the customer's current people the user sees, when the page has read
        them (``project_people``): the choices are shown from them without a query; a posted
        choice is still checked against the database."""
        super().__init__(*args, **kwargs)
        on_committee = project.stakeholders.values("contact_id")
        field = self.fields["contact"]
        field.queryset = (
            committee_candidates(user=user, project=project).filter(has_left=False).exclude(pk__in=on_committee)
        )
        if people is not None:
            seated = {stakeholder.contact_id for stakeholder in project.stakeholders.all()}
            field.choices = [("", field.empty_label)] + [
                (person.pk, field.label_from_instance(person)) for person in people if person.pk not in seated
            ]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("contact") and not (cleaned.get("new_name") or "").strip():
            raise forms.ValidationError(_("Choose a person or enter a new one."))
        return cleaned

    def new_contact(self):
        if self.cleaned_data.get("contact"):
            return None
        return {
            "name": self.cleaned_data["new_name"],
            "title": self.cleaned_data.get("new_title", ""),
            "mobile": self.cleaned_data.get("new_mobile", ""),
            "buying_role": self.cleaned_data["role"],
        }


class StakeholderEditForm(forms.ModelForm):
    class Meta:
        model = Stakeholder
        fields = ["role", "stance", "notes"]


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolution"), choices=CHOSEN_RESOLUTIONS)
    owner = forms.IntegerField(required=False)
    # Which side survives a merge ("a"/"b"): the page never shows the id of a project one may not open.
    keep = forms.ChoiceField(choices=[("a", "a"), ("b", "b")], required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
