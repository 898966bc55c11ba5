"""Projects API: projects with their checklist and transfer, procurement items,
stakeholders, milestones, and conflicts (read-only, resolved by leads and admins).

Every viewset starts from ``ScopedViewSet``, so anything outside the
requester's scope answers 404 (reads: ``visible_to``, writes: ``editable_by``);
writes go through ``projects.services``.
"""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from projects import checklist, selectors, services
from projects.filters import ProjectFilter
from projects.models import (
    Conflict,
    ConflictKind,
    Milestone,
    ProcurementItem,
    Project,
    Stakeholder,
)
from projects.serializers import (
    ChecklistSerializer,
    ChecklistTickSerializer,
    ConflictResolveSerializer,
    ConflictSerializer,
    MilestoneSerializer,
    ProcurementItemSerializer,
    ProjectSerializer,
    StakeholderSerializer,
)
from teams.api import LEADS_AND_ADMINS, ScopedViewSet, hand_over
from teams.serializers import TransferSerializer
from teams.visibility import visible_choices

# --- projects ---------------------------------------------------------------------------------


class ProjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Projects in the requester's scope (reps their own, leads their team's, admins all).
    Never deleted: a project ends won or lost. A PATCH carrying an older
    ``version`` answers 409 and changes nothing."""

    # The list costs the same queries whatever the page size: the customer is
    # joined, the procurement total is a subquery, and the page's conflicts are
    # loaded together by the serializer.
    queryset = selectors.project_api_rows()
    serializer_class = ProjectSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProjectFilter

    @extend_schema(request=TransferSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"], permission_classes=LEADS_AND_ADMINS)
    def transfer(self, request, pk=None):
        """Give the project to another owner (a lead within the team, or an admin), saying why."""
        return hand_over(self, request, services.project_transfer, "project")

    @extend_schema(methods=["GET"], request=None, responses=ChecklistSerializer)
    @extend_schema(methods=["POST"], request=ChecklistTickSerializer, responses=ChecklistSerializer)
    @action(detail=True, methods=["get", "post"])
    def checklist(self, request, pk=None):
        """The project's checklist; POST ticks or unticks an item that is ticked by hand."""
        project = self.get_object()
        if request.method == "POST":
            serializer = ChecklistTickSerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            services.checklist_tick(
                user=request.user,
                project=project,
                item=serializer.validated_data["item"],
                done=serializer.validated_data["done"],
            )
        lines = checklist.evaluate(project)
        # The figure the lines give (services store the same after every write).
        return Response(ChecklistSerializer({"completeness": checklist.score(lines), "items": lines}).data)


# --- procurement list, milestones, buying committee --------------------------------------------


class ProjectPartFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=visible_choices(Project))


class ProcurementItemFilter(ProjectPartFilter):
    class Meta:
        model = ProcurementItem
        fields = ["project"]


class StakeholderFilter(ProjectPartFilter):
    class Meta:
        model = Stakeholder
        fields = ["project", "role", "stance"]


class MilestoneFilter(ProjectPartFilter):
    class Meta:
        model = Milestone
        fields = ["project"]


class ProjectPartViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Rows of a project: seen and changed by whoever sees the project."""

    filter_backends = [DjangoFilterBackend]


class ProcurementItemViewSet(ProjectPartViewSet):
    """What the customer intends to buy, with our estimated unit prices."""

    queryset = ProcurementItem.objects.all()
    serializer_class = ProcurementItemSerializer
    filterset_class = ProcurementItemFilter

    def perform_destroy(self, instance):
        services.procurement_item_delete(user=self.request.user, item=instance)


class StakeholderViewSet(ProjectPartViewSet):
    """The buying committee: people of the project's customer, with their role and stance.
    Send ``contact`` (a person you see) or ``new_contact`` (created on the customer)."""

    queryset = Stakeholder.objects.select_related("contact")
    serializer_class = StakeholderSerializer
    filterset_class = StakeholderFilter

    def perform_destroy(self, instance):
        services.stakeholder_delete(user=self.request.user, stakeholder=instance)


class MilestoneViewSet(ProjectPartViewSet):
    queryset = Milestone.objects.all()
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter

    def perform_destroy(self, instance):
        services.milestone_delete(user=self.request.user, milestone=instance)


# --- conflicts --------------------------------------------------------------------------------


class ConflictFilter(django_filters.FilterSet):
    resolved = django_filters.BooleanFilter(label=_("Resolved"), method="filter_resolved")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ConflictKind.choices)
    project = django_filters.ModelChoiceFilter(
        label=_("Project"), queryset=visible_choices(Project), method="filter_project"
    )

    class Meta:
        model = Conflict
        fields = ["resolved", "kind", "project"]

    def filter_resolved(self, queryset, name, value):
        return queryset.filter(resolved_at__isnull=not value)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_project(self, queryset, name, value):
        return queryset.filter(Q(project_a=value) | Q(project_b=value))


class ConflictViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Colliding projects touching the requester's scope. The other side is named
    only by its owner unless the requester may open it. Leads of either team and
    admins resolve them."""

    queryset = Conflict.objects.select_related("project_a__owner", "project_b__owner", "contact", "resolved_by")
    serializer_class = ConflictSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ConflictFilter

    @extend_schema(request=ConflictResolveSerializer, responses=ConflictSerializer)
    @action(detail=True, methods=["post"], permission_classes=LEADS_AND_ADMINS)
    def resolve(self, request, pk=None):
        """Resolve as ``assign_owner`` (with ``owner``), ``separate`` or ``merged`` (with ``keep``)."""
        conflict = self.get_object()
        serializer = ConflictResolveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        conflict = serializer.resolve(conflict=conflict)
        conflict = self.get_queryset().get(pk=conflict.pk)
        return Response(self.get_serializer(conflict).data)
