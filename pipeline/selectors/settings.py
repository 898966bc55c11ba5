"""Reads of the pipeline settings pages: the pipelines and who uses them, a
pipeline's stages and how they are used, the lost reasons, and the settings
change log as people read it. A fixed number of queries whatever the number of
stages, projects or log entries."""

from collections import defaultdict

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.history import Change, HistoryEntry, field_display
from pipeline.exit_checks import requirement_label
from pipeline.models import (
    ExitCheck,
    LostReason,
    Pipeline,
    ProjectState,
    SettingsAction,
    SettingsChange,
    SettingsKind,
    Stage,
    StageChange,
    TeamPipeline,
)
from teams.models import Team

KIND_MODELS = {
    SettingsKind.PIPELINE: Pipeline,
    SettingsKind.STAGE: Stage,
    SettingsKind.EXIT_CHECK: ExitCheck,
    SettingsKind.LOST_REASON: LostReason,
    SettingsKind.TEAM_DEFAULT: TeamPipeline,
}
ORDER_SEPARATOR = " › "
# What a reorder changed: every pipeline, every stage of a pipeline (named), or every lost reason.
REORDERED_KINDS = {
    SettingsKind.PIPELINE: gettext_lazy("pipelines"),
    SettingsKind.STAGE: gettext_lazy("stages of pipeline"),
    SettingsKind.LOST_REASON: gettext_lazy("lost reasons"),
}


def pipeline_rows() -> list[Pipeline]:
    """Every pipeline (active first) with its number of active stages and the names of
    the teams that start their projects in it (``team_names``)."""
    pipelines = list(
        Pipeline.objects.annotate(stage_count=Count("stages", filter=Q(stages__is_archived=False))).order_by(
            "is_archived", "order", "id"
        )
    )
    teams = defaultdict(list)
    for pipeline_id, name in TeamPipeline.objects.order_by("team__name").values_list("pipeline_id", "team__name"):
        teams[pipeline_id].append(name)
    for pipeline in pipelines:
        pipeline.team_names = teams[pipeline.pk]
    return pipelines


def teams_with_defaults() -> list[Team]:
    """Every team with the id of its default pipeline (``default_pipeline_id``; None: the company's)."""
    chosen = dict(TeamPipeline.objects.values_list("team_id", "pipeline_id"))
    teams = list(Team.objects.order_by("name"))
    for team in teams:
        team.default_pipeline_id = chosen.get(team.pk)
    return teams


def _with_usage(stages) -> list[Stage]:
    """The stages with their exit checks, how many projects stand in each now
    (``standing``) and whether it is in use (``in_use``: a project stands in it or its
    history passed through it — such a stage is archived, never deleted)."""
    standing = (
        ProjectState.objects.filter(stage=OuterRef("pk")).order_by().values("stage").annotate(n=Count("pk")).values("n")
    )
    stages = list(
        stages.annotate(
            standing=Coalesce(Subquery(standing, output_field=IntegerField()), 0),
            entered=Exists(StageChange.objects.filter(to_stage=OuterRef("pk"))),
            left=Exists(StageChange.objects.filter(from_stage=OuterRef("pk"))),
        )
        .prefetch_related(Prefetch("exit_checks", queryset=ExitCheck.objects.select_related("checklist_item")))
        .order_by("order", "id")
    )
    for stage in stages:
        stage.in_use = bool(stage.standing or stage.entered or stage.left)
    return stages


def stage_rows(pipeline: Pipeline) -> list[Stage]:
    """The pipeline's stages in order, with their usage and exit checks (``_with_usage``)."""
    return _with_usage(pipeline.stages.all())


def stage_with_usage(stage: Stage) -> Stage:
    (row,) = _with_usage(Stage.objects.select_related("pipeline").filter(pk=stage.pk))
    return row


def lost_reason_rows(reasons=None) -> list[LostReason]:
    """The lost reasons (all, or those of ``reasons``) in order, with ``in_use`` (a project
    was lost for it: kept for good)."""
    reasons = LostReason.objects.all() if reasons is None else reasons
    return list(
        reasons.annotate(
            in_use=Exists(ProjectState.objects.filter(lost_reason=OuterRef("pk")))
            | Exists(StageChange.objects.filter(lost_reason=OuterRef("pk")))
        ).order_by("order", "id")
    )


def settings_changes(*, pipeline: Pipeline | None = None, kind: str | None = None):
    """The change log, newest first: all of it, one pipeline's (with its stages and exit
    checks) or one kind's. Render a slice with :func:`history_entries`."""
    rows = SettingsChange.objects.select_related("by").order_by("-at", "-id")
    if pipeline is not None:
        rows = rows.filter(pipeline=pipeline)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows


def _lookups(rows) -> dict:
    """Names of the rows the log refers to by id, one query per model: {(model, pk): name}."""
    wanted = defaultdict(set)
    for row in rows:
        model = KIND_MODELS[row.kind]
        for name, old, new in row.changes:
            if name == "order":
                wanted[model].update([*old, *new])
                continue
            model_field = model._meta.get_field(name)
            if model_field.is_relation:
                wanted[model_field.related_model].update(value for value in (old, new) if value is not None)
    return {
        (model, instance.pk): str(instance)
        for model, ids in wanted.items()
        for instance in model.objects.filter(pk__in=ids)
    }


def _value(row, name, value, lookups) -> str:
    if name == "requirement" and value:
        return str(requirement_label(value))
    if row.kind == SettingsKind.TEAM_DEFAULT and value is None:
        return _("the company default")
    return field_display(KIND_MODELS[row.kind], name, value, lookups)


def history_entries(rows) -> list[HistoryEntry]:
    """Log rows as the history list shows them (``includes/history.html``): an order as
    the names in their new order, an added field with its value, a removed one struck out."""
    rows = list(rows)
    lookups = _lookups(rows)
    entries = []
    for row in rows:
        model = KIND_MODELS[row.kind]
        changes = []
        for name, old, new in row.changes:
            label = str(model._meta.get_field(name).verbose_name)
            if name == "order":
                names = ORDER_SEPARATOR.join(lookups.get((model, pk), f"#{pk}") for pk in new)
                changes.append(Change(label=label, old="", new=names))
                continue
            added = row.action == SettingsAction.CREATED
            removed = row.action == SettingsAction.DELETED
            changes.append(
                Change(
                    label=label,
                    old="" if added else _value(row, name, old, lookups),
                    new="" if removed else _value(row, name, new, lookups),
                )
            )
        entries.append(
            HistoryEntry(
                when=row.at,
                user=row.by,
                kind=REORDERED_KINDS[row.kind] if row.action == SettingsAction.REORDERED else row.get_kind_display(),
                subject=row.name,
                action=row.get_action_display(),
                reason="",
                changes=changes,
            )
        )
    return entries
