"""Pipeline API: projects with their stage, budget and key dates (registered for
``/api/v1/projects/`` in place of the projects app's viewset, so projects never
imports the pipeline), ``move/`` and ``history/``; the settings (pipelines,
stages, lost reasons); competitors, activities, and the board.

Every viewset starts from ``ScopedViewSet``: reads from ``visible_to``, writes
from ``editable_by``; anything outside answers 404. Writes go through services.
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Contact, Customer
from pipeline import services, settings_services
from pipeline.models import (
    Activity,
    ActivityKind,
    Competitor,
    CompetitorKind,
    CompetitorStatus,
    ExitCheck,
    LostReason,
    Pipeline,
    Stage,
    Tier,
)
from pipeline.selectors.board import board
from pipeline.selectors.history import project_history, project_history_entries
from pipeline.selectors.project_rows import project_api_rows
from pipeline.serializers import (
    ActivitySerializer,
    BoardQuerySerializer,
    BoardSerializer,
    CompetitorSerializer,
    HistoryEntrySerializer,
    HistoryPageSerializer,
    MoveResultSerializer,
    MoveSerializer,
    PipelineProjectSerializer,
)
from pipeline.stage_serializers import LostReasonSerializer, PipelineSerializer, StageSerializer
from projects.api import ProjectPartViewSet, ProjectViewSet
from projects.filters import ProjectFilter
from projects.models import Project
from teams.api import IsAdminOrReadOnly, ScopedViewSet
from teams.serializers import TransferSerializer
from teams.visibility import visible_choices

# --- projects ---------------------------------------------------------------------------------


class PipelineProjectFilter(ProjectFilter):
    stage = django_filters.CharFilter(label=_("Stage"), field_name="state__stage__key")
    tier = django_filters.ChoiceFilter(label=_("Tier"), field_name="state__tier", choices=Tier.choices)

    class Meta(ProjectFilter.Meta):
        fields = [*ProjectFilter.Meta.fields, "stage", "tier"]


PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description=_("A page number within the paginated result set.")),
    OpenApiParameter("page_size", OpenApiTypes.INT, description=_("Number of results per page (up to 200).")),
]


# The transfer answers the project as this viewset shows it.
@extend_schema_view(transfer=extend_schema(request=TransferSerializer, responses=PipelineProjectSerializer))
class PipelineProjectViewSet(ProjectViewSet):
    """Projects in the requester's scope with their pipeline data: stage, tier,
    budget, last and next contact, the customer's key dates, the lost reason.
    Moves go through ``move/``; ``history/`` lists what changed."""

    # The list costs the same queries whatever the page size: the state, its
    # stage and lost reason are joined, the page's key dates are one query.
    queryset = project_api_rows()
    serializer_class = PipelineProjectSerializer
    filterset_class = PipelineProjectFilter

    @extend_schema(request=MoveSerializer, responses=MoveResultSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move the project to another stage of its pipeline (back-dated with ``at`` if
        need be; a lost stage needs ``lost_reason``). Exit checks that block refuse the
        move (400 naming ``stage``); the others come back as ``warnings``."""
        project = self.get_object()
        serializer = MoveSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        result = services.project_move(user=request.user, project=project, **serializer.validated_data)
        project = self.get_queryset().get(pk=result.project.pk)
        return Response({"project": self.get_serializer(project).data, "warnings": result.warnings})

    @extend_schema(request=None, responses=HistoryPageSerializer, parameters=PAGE_PARAMETERS)
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        """Stage, budget, owner and key-date changes, newest first (by when they took
        effect), each with who and when it was recorded."""
        project = self.get_object()
        page = self.paginate_queryset(project_history(project=project))
        entries = HistoryEntrySerializer(project_history_entries(page), many=True).data
        return self.get_paginated_response(entries)


# --- settings: pipelines, stages, lost reasons -------------------------------------------------


class SettingsViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ScopedViewSet,
):
    """Company settings, addressed by key: everyone signed in reads, admins write —
    through the settings pages' services, so their rules and change log apply."""

    permission_classes = [IsAdminOrReadOnly]
    lookup_field = "key"
    filter_backends = [DjangoFilterBackend]


class PipelineViewSet(SettingsViewSet):
    """Buying processes, each with its stages (a new one starts with an open, a won and
    a lost stage). There is always one company default; a pipeline whose stages were
    ever used is archived, not deleted."""

    queryset = Pipeline.objects.prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("order", "id")))
    serializer_class = PipelineSerializer
    filterset_fields = ["kind", "is_archived"]

    def perform_destroy(self, instance):
        settings_services.pipeline_delete(user=self.request.user, pipeline=instance)


class StageFilter(django_filters.FilterSet):
    pipeline = django_filters.CharFilter(label=_("Pipeline"), field_name="pipeline__key")

    class Meta:
        model = Stage
        fields = ["pipeline", "tier", "is_archived"]


class StageViewSet(SettingsViewSet):
    """The stages of the customer's buying process with their tier, win probability,
    expected days and exit checklist. A stage a project ever stood in cannot be
    deleted (400: archive it instead), one open projects stand in cannot be archived
    (move them first), and a pipeline keeps an active open, won and lost stage.
    Changing a stage never rewrites history: a new tier applies to moves from then on."""

    queryset = Stage.objects.select_related("pipeline").prefetch_related(
        Prefetch("exit_checks", queryset=ExitCheck.objects.select_related("checklist_item"))
    )
    serializer_class = StageSerializer
    filterset_class = StageFilter

    def perform_destroy(self, instance):
        settings_services.stage_delete(user=self.request.user, stage=instance)


class LostReasonViewSet(SettingsViewSet):
    """Why projects are lost: a move to a lost stage names one by key. A reason
    ever used cannot be deleted (400: deactivate it instead)."""

    queryset = LostReason.objects.all()
    serializer_class = LostReasonSerializer
    filterset_fields = ["is_active"]

    def perform_destroy(self, instance):
        settings_services.lost_reason_delete(user=self.request.user, reason=instance)


# --- competitors and activities ---------------------------------------------------------------


class CompetitorFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=visible_choices(Project))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CompetitorKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CompetitorStatus.choices)

    class Meta:
        model = Competitor
        fields = ["project", "kind", "status"]


class CompetitorViewSet(ProjectPartViewSet):
    """Who else wants this money: another vendor, a department of the customer, or
    another unit of ours. Seen with the project; changed by who may change it."""

    queryset = Competitor.objects.all()
    serializer_class = CompetitorSerializer
    filterset_class = CompetitorFilter

    def perform_destroy(self, instance):
        services.competitor_delete(user=self.request.user, competitor=instance)


class ActivityFilter(django_filters.FilterSet):
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=visible_choices(Project))
    customer = django_filters.ModelChoiceFilter(label=_("Customer"), queryset=visible_choices(Customer))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ActivityKind.choices)
    start = django_filters.DateFilter(
        label=_("From"), field_name="occurred_at", lookup_expr="date__gte", help_text=_("From this day (inclusive).")
    )
    end = django_filters.DateFilter(
        label=_("To"), field_name="occurred_at", lookup_expr="date__lte", help_text=_("To this day (inclusive).")
    )

    class Meta:
        model = Activity
        fields = ["project", "customer", "kind", "start", "end"]


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    """The contact log: calls, visits, meetings, messages, e-mails, newest first.
    Logging one sets the project's last and next contact (and may move it). A log
    records what happened: entries are neither changed nor deleted."""

    queryset = Activity.objects.select_related("by").prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.only("id"))
    )
    serializer_class = ActivitySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActivityFilter


# --- the board --------------------------------------------------------------------------------


class BoardView(APIView):
    """The board in one request, as the /board/ page shows it: the stages of a
    pipeline as columns (count, budget sum, weighted sum) with the projects as cards
    (stale and overdue marked; a limited number per column, ``expand`` lists one
    column's all), for the requester's scope — a rep's own, a lead's team (``owner``
    narrows to a rep), an admin's chosen team or rep. Won and lost columns hold what
    closed in the last 30 days."""

    @extend_schema(parameters=[BoardQuerySerializer], responses=BoardSerializer)
    def get(self, request):
        query = BoardQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        return Response(BoardSerializer(board(user=request.user, **query.board_arguments())).data)
