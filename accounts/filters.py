"""One definition of the customer list's search, filters and sorting, used by
the page, the API and the exports."""

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from accounts import regions
from accounts.choices import BuyingRole, CustomerLevel, CustomerSource, DepartmentKind, Industry
from accounts.models import COMPLETENESS_BANDS, CompletenessBand, Contact, Customer
from teams.models import User


def _user(request):
    return getattr(request, "user", None) or AnonymousUser()


def _region_select(level, empty_label):
    return forms.Select(attrs={"data-region": level}, choices=[("", empty_label)])


# Id filters choose among what the requester sees: a hidden id is answered
# exactly like an unknown one ("Select a valid choice", 400).
def _owners(request):
    return User.objects.visible_to(_user(request))


def _customers(request):
    return Customer.objects.visible_to(_user(request))


class CustomerOrdering(django_filters.OrderingFilter):
    """Customers without a countdown (won, locked, no pool) sort after those with one,
    either way round and on every database (SQLite puts NULL first, PostgreSQL last)."""

    def get_ordering_value(self, param):
        value = super().get_ordering_value(param)
        if value.lstrip("-") != "returns_on":
            return value
        field = F("returns_on")
        return field.desc(nulls_last=True) if value.startswith("-") else field.asc(nulls_last=True)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    industry = django_filters.ChoiceFilter(
        label=_("Industry"), choices=Industry.choices, empty_label=_("All industries")
    )
    level = django_filters.ChoiceFilter(label=_("Level"), choices=CustomerLevel.choices, empty_label=_("All levels"))
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=CustomerSource.choices, empty_label=_("All sources")
    )
    # Selects that static/js/app.js fills from the region picker's data.
    province = django_filters.CharFilter(label=_("Province"), widget=_region_select("province", _("All provinces")))
    city = django_filters.CharFilter(label=_("City"), widget=_region_select("city", _("All cities")))
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=_owners, empty_label=_("All owners"))
    completeness = django_filters.ChoiceFilter(
        label=_("Completeness"),
        choices=CompletenessBand.choices,
        method="filter_completeness",
        empty_label=_("Any completeness"),
    )
    ordering = CustomerOrdering(
        label=_("Sort by"),
        empty_label=_("Recently updated"),
        fields=(
            ("updated_at", "updated"),
            ("name", "name"),
            ("completeness", "completeness"),
            ("level", "level"),
            ("created_at", "created"),
            ("returns_on", "days_left"),
        ),
        field_labels={
            "days_left": _("Days left before the pool"),
            "updated": _("Last updated"),
            "name": _("Name"),
            "completeness": _("Completeness"),
            "level": _("Level"),
            "created": _("Created"),
        },
    )

    class Meta:
        model = Customer
        fields = ["q", "industry", "level", "source", "province", "city", "owner", "completeness"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value, user=_user(self.request))

    def filter_completeness(self, queryset, name, value):
        low, high = COMPLETENESS_BANDS[value]
        return queryset.filter(completeness__gte=low, completeness__lte=high)

    def chip_label(self, name, value):
        """A region filter's chip shows the place's name, not its code."""
        if name in ("province", "city"):
            return regions.name(value)
        return None


class ContactFilter(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=_customers)
    buying_role = django_filters.ChoiceFilter(label=_("Buying role"), choices=BuyingRole.choices)
    has_left = django_filters.BooleanFilter(label=_("Has left the company"))
    department__kind = django_filters.ChoiceFilter(label=_("Department kind"), choices=DepartmentKind.choices)

    class Meta:
        model = Contact
        fields = ["customer", "buying_role", "has_left", "department__kind"]
