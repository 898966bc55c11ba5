"""Writes on the company's pipeline settings: pipelines, their stages with exit
checks, and lost reasons (admins only; the API checks the role).

History is never rewritten: a stage change keeps the tiers it went between, so
renaming or re-tiering a stage changes only the present. A stage or a lost
reason in use cannot be deleted, only archived or deactivated, and a pipeline
keeps an active open stage, a won and a lost one once it has them.
"""

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from pipeline import exit_checks
from pipeline.models import (
    CLOSED_TIERS,
    ExitCheck,
    LostReason,
    Pipeline,
    ProjectState,
    Severity,
    Stage,
    StageChange,
    TeamPipeline,
    Tier,
)
from teams.errors import DomainError, collect_errors, validated
from teams.models import User

PIPELINE_FIELDS = ("name_zh", "name_en", "kind", "is_default", "order", "is_archived")
STAGE_FIELDS = ("name_zh", "name_en", "tier", "order", "probability", "expected_days", "is_archived")
LOST_REASON_FIELDS = ("name_zh", "name_en", "order", "is_active")


def _assign(instance, data, fields):
    for name in fields:
        if name in data:
            value = data[name]
            setattr(instance, name, value.strip() if isinstance(value, str) else value)


def _key_fixed(instance, data, errors):
    """Keys are what clients and history refer to: set once, never changed."""
    key = (data.get("key") or "").strip()
    if instance.pk is None:
        instance.key = key
    elif "key" in data and key != instance.key:
        errors["key"] = [_("The key cannot change; create a new one instead.")]


# --- pipelines --------------------------------------------------------------------------------


@transaction.atomic
def pipeline_save(*, user: User, data: dict, pipeline: Pipeline | None = None) -> Pipeline:
    """Create or change a pipeline. There is always one company default: making
    one the default takes it from the other; the default is neither un-set nor archived."""
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk) if pipeline else Pipeline()
    was_default = pipeline.is_default
    errors = {}
    _key_fixed(pipeline, data, errors)
    _assign(pipeline, data, PIPELINE_FIELDS)
    if was_default and not pipeline.is_default:
        errors["is_default"] = [_("Make another pipeline the company default instead.")]
    elif pipeline.is_default and pipeline.is_archived:
        errors["is_archived"] = [_("The company default cannot be archived; make another pipeline the default first.")]
    # The one-default constraint is met by taking the flag from the other pipeline below.
    errors.update(collect_errors(lambda: validated(pipeline, validate_constraints=False)))
    if errors:
        raise DomainError(errors)
    if pipeline.is_default and not was_default:
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
    pipeline.save()
    return pipeline


@transaction.atomic
def pipeline_delete(*, user: User, pipeline: Pipeline) -> None:
    """Delete a pipeline nobody has used (its stages go with it); one in use is archived instead."""
    if pipeline.is_default:
        raise DomainError(_("The company default cannot be deleted; make another pipeline the default first."))
    if TeamPipeline.objects.filter(pipeline=pipeline).exists():
        raise DomainError(_("Teams start their projects in this pipeline; give them another default first."))
    stages = list(pipeline.stages.all())
    if any(stage_in_use(stage) for stage in stages):
        raise DomainError(_("Projects have been in this pipeline's stages: archive it instead of deleting it."))
    Stage.objects.filter(pipeline=pipeline).delete()
    pipeline.delete()


# --- stages -----------------------------------------------------------------------------------


def stage_in_use(stage: Stage) -> bool:
    """Whether any project stands in the stage or ever moved from or into it."""
    return (
        ProjectState.objects.filter(stage=stage).exists()
        or StageChange.objects.filter(Q(to_stage=stage) | Q(from_stage=stage)).exists()
    )


def _outcome(tier):
    """Open tiers are one kind of place for a project; won and lost each another."""
    return tier if tier in CLOSED_TIERS else "open"


def _active_outcomes(pipeline_id, *, without=None, changed=None) -> set[str]:
    """The outcomes (open, won, lost) the pipeline's active stages offer, with
    ``without`` left out and ``changed`` counted as it is about to be saved."""
    stages = Stage.objects.filter(pipeline_id=pipeline_id, is_archived=False)
    if without is not None:
        stages = stages.exclude(pk=without.pk)
    outcomes = {_outcome(tier) for tier in stages.values_list("tier", flat=True)}
    if changed is not None and not changed.is_archived:
        outcomes.add(_outcome(changed.tier))
    return outcomes


def _check_pipeline_keeps_its_outcomes(pipeline_id, before: set[str], after: set[str]):
    lost = {"open", Tier.WON, Tier.LOST} & (before - after)
    if lost:
        names = {"open": _("an open stage"), Tier.WON: _("a won stage"), Tier.LOST: _("a lost stage")}
        raise DomainError(
            {
                "is_archived": [
                    _("The pipeline must keep %(what)s.")
                    % {"what": _(" and ").join(str(names[o]) for o in ("open", Tier.WON, Tier.LOST) if o in lost)}
                ]
            }
        )


def _exit_checks(stage: Stage, checks: list[dict]) -> list[ExitCheck]:
    """The stage's new exit checks, each a requirement key or a checklist item, and a severity."""
    rows, errors = [], {}
    for index, check in enumerate(checks):
        requirement = (check.get("requirement") or "").strip()
        item = check.get("checklist_item")
        severity = check.get("severity") or Severity.WARN
        if bool(requirement) == bool(item):
            errors[f"checklist.{index}"] = [_("Choose either a requirement or a checklist item.")]
        elif requirement and requirement not in exit_checks.REQUIREMENTS:
            errors[f"checklist.{index}.requirement"] = [_("Unknown requirement “%(key)s”.") % {"key": requirement}]
        if severity not in Severity.values:
            errors[f"checklist.{index}.severity"] = [_("Choose warn or block.")]
        rows.append(ExitCheck(stage=stage, requirement=requirement, checklist_item=item, severity=severity))
    if errors:
        raise DomainError(errors)
    return rows


@transaction.atomic
def stage_save(*, user: User, data: dict, stage: Stage | None = None, checks: list[dict] | None = None) -> Stage:
    """Create or change a stage of a pipeline (``data["pipeline"]`` on create; fixed
    after). Its exit checks are replaced when ``checks`` is given. A stage with
    projects in it keeps its outcome (open, won or lost): their closing dates
    follow it; moving among the open tiers carries its projects along."""
    if stage is not None:
        stage = Stage.objects.select_for_update().select_related("pipeline").get(pk=stage.pk)
        before_tier = stage.tier
    else:
        stage, before_tier = Stage(pipeline=data.get("pipeline")), None
    errors = {}
    _key_fixed(stage, data, errors)
    if stage.pk is not None and "pipeline" in data and data["pipeline"] != stage.pipeline:
        errors["pipeline"] = [_("A stage cannot move to another pipeline.")]
    if stage.pk is None and stage.pipeline_id is None:
        errors["pipeline"] = [_("Choose the pipeline.")]
    _assign(stage, data, STAGE_FIELDS)
    errors.update(collect_errors(lambda: validated(stage, exclude=["pipeline"])))
    occupied = stage.pk is not None and ProjectState.objects.filter(stage=stage).exists()
    if occupied and _outcome(stage.tier) != _outcome(before_tier):
        errors["tier"] = [
            _("Projects are in this stage: move them before making it a won, lost or open stage instead.")
        ]
    rows = None
    if checks is not None:
        try:
            rows = _exit_checks(stage, checks)
        except DomainError as error:
            errors.update(error.message_dict)
    if errors:
        raise DomainError(errors)
    if stage.pk is not None:
        _check_pipeline_keeps_its_outcomes(
            stage.pipeline_id,
            _active_outcomes(stage.pipeline_id),
            _active_outcomes(stage.pipeline_id, without=stage, changed=stage),
        )
    stage.save()
    if occupied and stage.tier != before_tier:
        ProjectState.objects.filter(stage=stage).update(tier=stage.tier)
    if rows is not None:
        stage.exit_checks.all().delete()
        ExitCheck.objects.bulk_create(rows)
    return stage


@transaction.atomic
def stage_delete(*, user: User, stage: Stage) -> None:
    """Delete a stage no project ever stood in; one in use is archived instead."""
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    if stage_in_use(stage):
        raise DomainError(_("Projects have been in this stage: archive it instead of deleting it."))
    _check_pipeline_keeps_its_outcomes(
        stage.pipeline_id, _active_outcomes(stage.pipeline_id), _active_outcomes(stage.pipeline_id, without=stage)
    )
    stage.delete()


# --- lost reasons -----------------------------------------------------------------------------


@transaction.atomic
def lost_reason_save(*, user: User, data: dict, reason: LostReason | None = None) -> LostReason:
    """Create or change a lost reason; an inactive one is no longer offered."""
    reason = LostReason.objects.select_for_update().get(pk=reason.pk) if reason else LostReason()
    errors = {}
    _key_fixed(reason, data, errors)
    _assign(reason, data, LOST_REASON_FIELDS)
    errors.update(collect_errors(lambda: validated(reason)))
    if errors:
        raise DomainError(errors)
    reason.save()
    return reason


@transaction.atomic
def lost_reason_delete(*, user: User, reason: LostReason) -> None:
    """Delete a reason no project was ever lost for; a used one is deactivated instead."""
    used = (
        ProjectState.objects.filter(lost_reason=reason).exists()
        or StageChange.objects.filter(lost_reason=reason).exists()
    )
    if used:
        raise DomainError(_("Projects were lost for this reason: deactivate it instead of deleting it."))
    reason.delete()
