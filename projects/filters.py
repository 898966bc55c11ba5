"""The project list's search, filters and sorting (pages and API)."""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import COMPLETENESS_BANDS, CompletenessBand, Customer
from projects.models import Conflict, Project, ProjectKind
from teams.models import User
from teams.visibility import visible_choices


class ProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    customer = django_filters.ModelChoiceFilter(
        label=_("Customer"), queryset=visible_choices(Customer), widget=django_filters.widgets.forms.NumberInput
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"), queryset=visible_choices(User), empty_label=_("All owners")
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ProjectKind.choices, empty_label=_("All kinds"))
    completeness = django_filters.ChoiceFilter(
        label=_("Checklist"),
        choices=CompletenessBand.choices,
        method="filter_completeness",
        empty_label=_("Any checklist score"),
    )
    # Not Django's "Unknown / Yes / No": the empty choice means "don't filter".
    has_conflict = django_filters.BooleanFilter(
        label=_("Conflicts"),
        method="filter_conflict",
        widget=forms.Select(
            choices=[("", _("With or without")), ("true", _("With a conflict")), ("false", _("Without a conflict"))]
        ),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Recently updated"),
        fields=(
            ("updated_at", "updated"),
            ("name", "name"),
            ("checklist_score", "completeness"),
            ("created_at", "created"),
        ),
        field_labels={
            "updated": _("Last updated"),
            "name": _("Name"),
            "completeness": _("Checklist"),
            "created": _("Created"),
        },
    )

    class Meta:
        model = Project
        fields = ["q", "customer", "owner", "kind", "completeness", "has_conflict"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_completeness(self, queryset, name, value):
        low, high = COMPLETENESS_BANDS[value]
        return queryset.filter(checklist_score__gte=low, checklist_score__lte=high)

    def filter_conflict(self, queryset, name, value):
        if value is None:
            return queryset
        conflicts = Conflict.objects.unresolved().filter(Q(project_a=OuterRef("pk")) | Q(project_b=OuterRef("pk")))
        return queryset.filter(Exists(conflicts)) if value else queryset.exclude(Exists(conflicts))
