"""Pipelines (names, the kind of project each takes, the company default, archive)
and each team's default pipeline."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pipeline.models import (
    OPEN_TIERS,
    Pipeline,
    ProjectState,
    SettingsAction,
    SettingsKind,
    Stage,
    TeamPipeline,
    Tier,
)
from pipeline.settings_services.common import (
    ORDER_STEP,
    clean,
    created,
    field_values,
    lock_pipeline,
    lock_pipelines,
    placed,
    record,
    record_diff,
    renumber,
    reorder,
)
from pipeline.settings_services.stages import record_stage_created, stage_in_use
from teams.errors import DomainError, collect_errors, validated
from teams.models import User
from teams.typography import listed

PIPELINE_FIELDS = ("name_zh", "name_en", "kind", "is_default")

# The stages a new pipeline starts with, so it is usable at once (an open, a won
# and a lost stage); admins rename them and add the steps between.
STARTER_STAGES = [
    ("prospect", "潜客", "Prospect", Tier.PROSPECT, 10, 30),
    ("won", "赢单", "Won", Tier.WON, 100, None),
    ("lost", "输单", "Lost", Tier.LOST, 0, None),
]


# --- pipelines --------------------------------------------------------------------------------


def _kind_error(pipeline: Pipeline) -> dict:
    if not pipeline.kind or pipeline.is_archived:
        return {}
    other = Pipeline.objects.filter(kind=pipeline.kind, is_archived=False).exclude(pk=pipeline.pk).first()
    if other is None:
        return {}
    return {
        "kind": [
            _("New projects of this kind already start in “%(pipeline)s”: a kind has one pipeline.")
            % {"pipeline": other}
        ]
    }


def _make_default(*, user: User, pipeline: Pipeline) -> None:
    """The company default moves here: the previous one stops being it (logged too).
    The caller holds every pipeline's row (``lock_pipelines``)."""
    for previous in Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk):
        previous.is_default = False
        previous.save(update_fields=["is_default"])
        record(
            user=user,
            kind=SettingsKind.PIPELINE,
            action=SettingsAction.CHANGED,
            subject=previous,
            pipeline=previous,
            changes=[["is_default", True, False]],
        )


@transaction.atomic
def pipeline_create(*, user: User, data: dict) -> Pipeline:
    """A new pipeline with a first open stage, a won and a lost stage (``STARTER_STAGES``)."""
    lock_pipelines()
    values = clean(data, ("key", *PIPELINE_FIELDS))
    order = (Pipeline.objects.aggregate(last=Max("order"))["last"] or 0) + ORDER_STEP
    pipeline = Pipeline(
        key=values.get("key", ""),
        name_zh=values.get("name_zh", ""),
        name_en=values.get("name_en", ""),
        kind=values.get("kind") or "",
        is_default=bool(values.get("is_default")),
        order=order,
    )
    errors = collect_errors(lambda: validated(pipeline, validate_constraints=False))
    errors.update(_kind_error(pipeline))
    stage_keys = [f"{pipeline.key[:40]}_{suffix}" for suffix, *_rest in STARTER_STAGES]
    if "key" not in errors:
        taken = list(Stage.objects.filter(key__in=stage_keys).values_list("key", flat=True))
        if taken:
            errors["key"] = [
                _("A new pipeline starts with the stages %(keys)s, and a stage has such a key already: choose another.")
                % {"keys": listed(taken)}
            ]
    if errors:
        raise DomainError(errors)
    if pipeline.is_default:
        _make_default(user=user, pipeline=pipeline)
    pipeline.save()
    record(
        user=user,
        kind=SettingsKind.PIPELINE,
        action=SettingsAction.CREATED,
        subject=pipeline,
        pipeline=pipeline,
        changes=created(pipeline, ("key", *PIPELINE_FIELDS)),
    )
    for key, (_suffix, zh, en, tier, probability, days) in zip(stage_keys, STARTER_STAGES, strict=True):
        stage = Stage.objects.create(
            pipeline=pipeline,
            key=key,
            name_zh=zh,
            name_en=en,
            tier=tier,
            probability=probability,
            expected_days=days,
        )
        record_stage_created(user=user, stage=stage)
    renumber(Stage, list(pipeline.stages.order_by("pk")))
    return pipeline


@transaction.atomic
def pipeline_update(*, user: User, pipeline: Pipeline, data: dict) -> Pipeline:
    """Rename a pipeline, change the kind of project it takes, or make it the company default."""
    pipeline = lock_pipelines()[pipeline.pk]
    before = field_values(pipeline, PIPELINE_FIELDS)
    values = clean(data, PIPELINE_FIELDS)
    for name, value in values.items():
        setattr(pipeline, name, bool(value) if name == "is_default" else (value or ""))
    errors = collect_errors(lambda: validated(pipeline, validate_constraints=False))
    errors.update(_kind_error(pipeline))
    if before["is_default"] and not pipeline.is_default:
        errors["is_default"] = [_("The company needs a default pipeline: make another pipeline the default instead.")]
    elif pipeline.is_default and not before["is_default"] and pipeline.is_archived:
        errors["is_default"] = [_("An archived pipeline cannot be the company default: restore it first.")]
    if errors:
        raise DomainError(errors)
    if pipeline.is_default and not before["is_default"]:
        _make_default(user=user, pipeline=pipeline)
    if record_diff(user=user, kind=SettingsKind.PIPELINE, subject=pipeline, before=before, pipeline=pipeline):
        pipeline.save()
    return pipeline


def _default_problems(pipeline: Pipeline) -> list[str]:
    """Why no project could start in ``pipeline`` any more: it is the company's or a team's default."""
    problems = []
    if pipeline.is_default:
        problems.append(_("It is the company default: make another pipeline the default first."))
    teams = list(
        TeamPipeline.objects.filter(pipeline=pipeline).order_by("team__name").values_list("team__name", flat=True)
    )
    if teams:
        problems.append(
            _("Teams %(teams)s start their projects in it: choose another default for them first.")
            % {"teams": listed(teams)}
        )
    return problems


@transaction.atomic
def pipeline_archive(*, user: User, pipeline: Pipeline) -> Pipeline:
    """Stop using a pipeline: no project starts in it any more. Refused while it is the
    company default, a team's default, or has open projects (they finish where they are)."""
    pipeline = lock_pipeline(pipeline)
    if pipeline.is_archived:
        return pipeline
    problems = _default_problems(pipeline)
    open_count = ProjectState.objects.filter(stage__pipeline=pipeline, stage__tier__in=OPEN_TIERS).count()
    if open_count:
        problems.append(
            ngettext(
                "%(count)s open project is in it: it can be archived once that project is won or lost.",
                "%(count)s open projects are in it: it can be archived once they are won or lost.",
                open_count,
            )
            % {"count": open_count}
        )
    if problems:
        raise DomainError({NON_FIELD_ERRORS: problems})
    pipeline.is_archived = True
    pipeline.save(update_fields=["is_archived"])
    record(user=user, kind=SettingsKind.PIPELINE, action=SettingsAction.ARCHIVED, subject=pipeline, pipeline=pipeline)
    return pipeline


@transaction.atomic
def pipeline_restore(*, user: User, pipeline: Pipeline) -> Pipeline:
    pipeline = lock_pipeline(pipeline)
    if not pipeline.is_archived:
        return pipeline
    pipeline.is_archived = False
    errors = _kind_error(pipeline)
    if errors:
        raise DomainError(errors)
    pipeline.save(update_fields=["is_archived"])
    record(user=user, kind=SettingsKind.PIPELINE, action=SettingsAction.RESTORED, subject=pipeline, pipeline=pipeline)
    return pipeline


@transaction.atomic
def pipeline_delete(*, user: User, pipeline: Pipeline) -> None:
    """Delete a pipeline no project has ever been in, with its stages (one in use can only
    be archived). Refused while it is the company default or a team's default."""
    pipelines = lock_pipelines()
    pipeline = pipelines[pipeline.pk]
    problems = _default_problems(pipeline)
    if any(stage_in_use(stage) for stage in pipeline.stages.all()):
        problems.append(
            _("Projects have been in its stages and their history keeps them: it can be archived, not deleted.")
        )
    if problems:
        raise DomainError({NON_FIELD_ERRORS: problems})
    # The log outlives the pipeline: its entries lose the link, keep the names.
    record(
        user=user,
        kind=SettingsKind.PIPELINE,
        action=SettingsAction.DELETED,
        subject=pipeline,
        changes=[["key", pipeline.key, None]],
    )
    pipeline.stages.all().delete()
    pipeline.delete()
    rest = [row for row in pipelines.values() if row.pk != pipeline.pk]
    renumber(Pipeline, sorted(rest, key=lambda row: (row.order, row.pk)))


@transaction.atomic
def pipeline_place(*, user: User, pipeline: Pipeline, order: int) -> bool:
    """Put a pipeline where the order number ``order`` puts it among the pipelines (the
    API's ``order``); they are then numbered 10, 20, 30… again."""
    pipelines = sorted(lock_pipelines().values(), key=lambda row: (row.order, row.pk))
    return reorder(
        user=user,
        model=Pipeline,
        kind=SettingsKind.PIPELINE,
        rows=pipelines,
        ids=placed(pipelines, pipeline.pk, order),
        stale=_("The pipelines changed meanwhile: reload the page and order them again."),
    )


@transaction.atomic
def team_defaults_set(*, user: User, defaults: dict) -> int:
    """Each team's default pipeline (``{team: pipeline or None}``; None: the company
    default). Returns how many teams changed."""
    teams = {team.pk: team for team in defaults}
    current = {
        row.team_id: row
        for row in TeamPipeline.objects.select_for_update().filter(team_id__in=teams).order_by("team_id")
    }
    errors = {}
    for team, pipeline in defaults.items():
        if pipeline is not None and pipeline.is_archived:
            errors[f"team_{team.pk}"] = [_("This pipeline is archived: choose an active one.")]
    if errors:
        raise DomainError(errors)
    changed = 0
    for team, pipeline in sorted(defaults.items(), key=lambda pair: pair[0].pk):
        row = current.get(team.pk)
        old = row.pipeline_id if row is not None else None
        new = pipeline.pk if pipeline is not None else None
        if old == new:
            continue
        if new is None:
            row.delete()
        elif row is None:
            TeamPipeline.objects.create(team=team, pipeline=pipeline)
        else:
            row.pipeline = pipeline
            row.save(update_fields=["pipeline"])
        record(
            user=user,
            kind=SettingsKind.TEAM_DEFAULT,
            action=SettingsAction.CHANGED,
            subject=team,
            changes=[["pipeline", old, new]],
        )
        changed += 1
    return changed
