"""The audit log's page and API (admins only): filter by actor, action and date range."""

import datetime

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView
from rest_framework import mixins, permissions, serializers

from teams.api import ScopedViewSet
from teams.audit_models import AuditAction, AuditEntry
from teams.forms import DateInput
from teams.mixins import FilteredListMixin, RoleRequiredMixin, VisibleObjectsMixin
from teams.models import Role, User
from teams.visibility import visible_choices


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(label=_("Who"), queryset=visible_choices(User), empty_label=_("Anyone"))
    action = django_filters.ChoiceFilter(label=_("What"), choices=AuditAction.choices, empty_label=_("Any action"))
    start = django_filters.DateFilter(
        label=_("From"),
        method="filter_start",
        widget=DateInput,
        help_text=_("From this day (inclusive)."),
    )
    end = django_filters.DateFilter(
        label=_("To"),
        method="filter_end",
        widget=DateInput,
        help_text=_("To this day (inclusive)."),
    )

    class Meta:
        model = AuditEntry
        fields = ["actor", "action", "start", "end"]

    # Local days as time ranges, so the index on ``at`` serves them (``at__date`` would not).
    def filter_start(self, queryset, name, value):
        return queryset.filter(at__gte=_local_midnight(value))

    def filter_end(self, queryset, name, value):
        return queryset.filter(at__lt=_local_midnight(value + datetime.timedelta(days=1)))


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class IsAdminRole(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user.is_authenticated and request.user.is_active and request.user.is_admin)


class AuditEntrySerializer(serializers.ModelSerializer):
    when = serializers.DateTimeField(source="at", read_only=True)
    who = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True, help_text=_("The user's id."))
    who_name = serializers.CharField(source="actor_repr", read_only=True)
    what = serializers.CharField(source="action", read_only=True)
    what_display = serializers.CharField(source="get_action_display", read_only=True)
    target_type = serializers.SerializerMethodField()
    target = serializers.CharField(source="target_repr", read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "when",
            "who",
            "who_name",
            "what",
            "what_display",
            "target_type",
            "target_id",
            "target",
            "summary",
            "detail",
            "ip",
            "user_agent",
        ]
        read_only_fields = fields

    def get_target_type(self, entry) -> str | None:
        if entry.target_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(entry.target_type_id)  # cached per process
        return f"{content_type.app_label}.{content_type.model}"


class AuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The audit log, newest first (admins only): who did what, when, from which IP.
    Filters: ``actor`` (user id), ``action``, ``start``/``end`` (dates, inclusive).
    Read-only: entries are never changed or deleted through the API."""

    queryset = AuditEntry.objects.all()
    serializer_class = AuditEntrySerializer
    permission_classes = [IsAdminRole]
    filterset_class = AuditFilter
    ordering_fields = []
    ordering = ["-at", "-id"]


class AuditListView(FilteredListMixin, RoleRequiredMixin, VisibleObjectsMixin, ListView):
    allowed_roles = (Role.ADMIN,)
    model = AuditEntry
    template_name = "teams/audit_list.html"
    paginate_by = 50
    filterset_class = AuditFilter
    partial_name = "audit-table"
    ordering = ("-at", "-id")
