"""One definition of the customer list's search, filters and sorting, used by
the page, the API and the exports."""

import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.choices import CustomerLevel, CustomerSource, Industry
from accounts.models import COMPLETENESS_BANDS, CompletenessBand, Customer
from teams.models import User


def _owners(request):
    if request is None:
        return User.objects.none()
    return User.objects.visible_to(request.user)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    industry = django_filters.ChoiceFilter(label=_("Industry"), choices=Industry.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=CustomerLevel.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=CustomerSource.choices)
    province = django_filters.CharFilter(label=_("Province"))
    city = django_filters.CharFilter(label=_("City"))
    owner = django_filters.ModelChoiceFilter(label=_("Owner"), queryset=_owners)
    completeness = django_filters.ChoiceFilter(
        label=_("Completeness"), choices=CompletenessBand.choices, method="filter_completeness"
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("updated_at", "updated"),
            ("name", "name"),
            ("completeness", "completeness"),
            ("level", "level"),
            ("created_at", "created"),
        ),
        field_labels={
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
        return queryset.search(value)

    def filter_completeness(self, queryset, name, value):
        low, high = COMPLETENESS_BANDS[value]
        return queryset.filter(completeness__gte=low, completeness__lte=high)
