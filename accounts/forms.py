from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts import regions, services
from accounts.choices import DepartmentKind
from accounts.models import Contact, Customer, Department
from accounts.normalize import normalize_credit_code
from accounts.validators import validate_credit_code
from teams.ownership import owner_choices


class RegionFieldsMixin:
    """Province → city → district as three selects whose options follow the
    chosen parent (the page's script refreshes them without a round trip)."""

    def _setup_regions(self):
        data = self.data if self.is_bound else {}
        province = (
            (data.get(self.add_prefix("province")) if self.is_bound else None)
            or self.initial.get("province")
            or getattr(self.instance, "province", "")
        )
        city = (
            (data.get(self.add_prefix("city")) if self.is_bound else None)
            or self.initial.get("city")
            or getattr(self.instance, "city", "")
        )
        empty = [("", "—")]
        self.fields["province"] = forms.ChoiceField(
            label=_("Province"), required=False, choices=empty + regions.provinces()
        )
        self.fields["city"] = forms.ChoiceField(
            label=_("City"), required=False, choices=empty + (regions.cities(province) if province else [])
        )
        self.fields["district"] = forms.ChoiceField(
            label=_("District"), required=False, choices=empty + (regions.districts(city) if city else [])
        )
        for level in ("province", "city", "district"):
            self.fields[level].widget.attrs["data-region"] = level
        self.fields["province"].widget.attrs["data-regions-url"] = reverse("accounts:regions")


class CustomerForm(RegionFieldsMixin, forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        required=False,
        max_length=40,
        validators=[validate_credit_code],
        help_text=Customer._meta.get_field("credit_code").help_text,
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "credit_code",
            "level",
            "industry",
            "source",
            "province",
            "city",
            "district",
            "address",
            "website",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self._setup_regions()
        self.fields["name"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        if user.is_lead or user.is_admin:
            self.fields["owner"] = forms.ModelChoiceField(
                label=_("Owner"),
                queryset=owner_choices(user=user),
                required=user.is_admin,
                help_text=_("Choose the rep or lead who owns it.")
                if user.is_admin
                else _("Leave empty to own it yourself."),
                initial=self.instance.owner_id if self.instance.pk else None,
            )

    def clean_credit_code(self):
        code = normalize_credit_code(self.cleaned_data.get("credit_code") or "")
        if self.instance.pk:
            # Editing: shown beside the field. Creating: the service's duplicate warning says it.
            try:
                services.customer_check_credit_code(user=self.user, credit_code=code, exclude_id=self.instance.pk)
            except services.DuplicateCustomer as duplicate:
                raise forms.ValidationError(duplicate.messages, code="duplicate") from duplicate
        return code

    def validate_unique(self):
        # Duplicates (including the credit code) are judged by the service,
        # which can say who owns the existing customer.
        pass

    def _get_validation_exclusions(self):
        # Nor by the model's unique constraint, whose message cannot name the owner:
        # the field checks the format, the duplicate rules who holds the code.
        return {*super()._get_validation_exclusions(), "credit_code"}

    def service_data(self):
        return {field: self.cleaned_data.get(field, "") for field in services.CUSTOMER_FIELDS}


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "kind", "parent"]

    def __init__(self, *args, customer=None, departments=None, **kwargs):
        """``departments``: the customer's, when the page has read them: the parent's
        choices are shown from them without a query (a posted one is still checked)."""
        super().__init__(*args, **kwargs)
        customer = customer or (self.instance.customer if self.instance.pk else None)
        if customer is not None:
            parents = customer.departments.all()
            if self.instance.pk:
                parents = parents.exclude(pk=self.instance.pk)
            field = self.fields["parent"]
            field.queryset = parents
            if departments is not None:
                field.choices = [("", field.empty_label)] + [
                    (department.pk, field.label_from_instance(department))
                    for department in departments
                    if department.pk != self.instance.pk
                ]
        else:
            del self.fields["parent"]

    def validate_unique(self):
        pass


# What a new department is, unless the rep says otherwise: the same on every form.
NEW_DEPARTMENT_KIND = DepartmentKind.PROCUREMENT


class FirstDepartmentForm(forms.Form):
    """The optional first department on the create page."""

    name = forms.CharField(label=_("Department"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Department kind"), choices=DepartmentKind.choices, initial=NEW_DEPARTMENT_KIND)


class ContactForm(forms.ModelForm):
    department = forms.CharField(
        label=_("Department"),
        max_length=100,
        required=False,
        help_text=_("Pick one or type a new name; a new department is created."),
        widget=forms.TextInput(attrs={"list": "department-names", "autocomplete": "off"}),
    )
    department_kind = forms.ChoiceField(
        label=_("Department kind"),
        choices=DepartmentKind.choices,
        initial=NEW_DEPARTMENT_KIND,
        required=False,
        help_text=_("Used when the department is new."),
    )

    field_order = [
        "name",
        "title",
        "department",
        "department_kind",
        "buying_role",
        "mobile",
        "landline",
        "email",
        "wechat",
        "has_left",
        "notes",
    ]

    class Meta:
        model = Contact
        # The department is typed by name (found or created by the service), so
        # it is a plain form field, not the model's foreign key.
        fields = ["name", "title", "buying_role", "mobile", "landline", "email", "wechat", "has_left", "notes"]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 2}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "landline": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.department_id:
            self.initial.setdefault("department", self.instance.department.name)
            self.initial.setdefault("department_kind", self.instance.department.kind)

    def service_data(self):
        data = {field: self.cleaned_data.get(field) for field in services.CONTACT_FIELDS}
        data["has_left"] = bool(data.get("has_left"))
        data["department"] = self.cleaned_data.get("department", "")
        data["department_kind"] = self.cleaned_data.get("department_kind") or None
        return data


class NewContactForm(ContactForm):
    """On the create page: the has-left flag and notes wait for the detail page."""

    class Meta(ContactForm.Meta):
        fields = ["name", "title", "buying_role", "mobile", "landline", "email", "wechat"]


ContactFormSet = forms.formset_factory(NewContactForm, extra=1, max_num=30, validate_max=True)


class MergeForm(forms.Form):
    target = forms.IntegerField(
        label=_("Keep this customer"), widget=forms.TextInput(attrs={"list": "customer-options"})
    )
    source = forms.IntegerField(
        label=_("Merge this customer into it"), widget=forms.TextInput(attrs={"list": "customer-options"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def _editable(self, field):
        # Only customers one may change: one seen through a project of one's team is not one's to merge away.
        pk = self.cleaned_data.get(field)
        customer = Customer.objects.editable_by(self.user).filter(pk=pk).first() if pk else None
        if customer is None:
            raise forms.ValidationError(_("Choose a customer you can see (type its name and pick it)."))
        return customer

    def clean_target(self):
        return self._editable("target")

    def clean_source(self):
        return self._editable("source")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("target") and cleaned.get("source") and cleaned["target"].pk == cleaned["source"].pk:
            raise forms.ValidationError(_("Choose two different customers."))
        return cleaned
