"""The user list's search and filters (admins), for the filter bar component."""

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teams.models import Role, Team, User

NO_TEAM = "none"


def _teams(request):
    return Team.objects.visible_to(getattr(request, "user", None) or AnonymousUser())


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, empty_label=_("All roles"))
    team = django_filters.ModelChoiceFilter(
        label=_("Team"),
        queryset=_teams,
        empty_label=_("All teams"),
        null_label=_("Without a team"),
        null_value=NO_TEAM,
    )
    active = django_filters.ChoiceFilter(
        label=_("Active"),
        choices=[("1", _("Active only")), ("0", _("Inactive only"))],
        empty_label=_("Active and inactive"),
        method="filter_active",
    )

    class Meta:
        model = User
        fields = ["q", "role", "team", "active"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value) | Q(display_name__icontains=value) | Q(email__icontains=value)
        )

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")

    def chip_label(self, name, value):
        if name == "team" and value == NO_TEAM:
            return str(_("Without a team"))
        return None
