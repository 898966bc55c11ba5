"""A pipeline's stages (add, change, order, archive, restore, delete) and their
exit checks. A pipeline keeps an active open, won and lost stage; a stage projects
have used is archived, never deleted."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pipeline import exit_checks
from pipeline.models import (
    OPEN_TIERS,
    ExitCheck,
    Pipeline,
    ProjectState,
    SettingsAction,
    SettingsKind,
    Severity,
    Stage,
    StageChange,
    Tier,
)
from pipeline.services import stale_refresh
from pipeline.settings_services.common import (
    clean,
    created,
    field_values,
    lock_pipeline,
    placed,
    record,
    record_diff,
    refuse,
    renumber,
    reorder,
    shifted,
)
from projects.models import ChecklistItem
from teams.errors import DomainError, collect_errors, validated
from teams.models import User

STAGE_FIELDS = ("name_zh", "name_en", "tier", "probability", "expected_days")


def _group(tier: str) -> str:
    """Open tiers are one group; won and lost each their own."""
    return "open" if tier in OPEN_TIERS else tier


def _required_stage_error(pipeline: Pipeline, before: list, after: list) -> str | None:
    """A pipeline keeps an active open, won and lost stage: the message for what the
    change (``before`` → ``after``, each a list of (tier, is_archived)) would leave it
    without, or None. A gap the pipeline already had does not block other changes."""

    def groups(stages):
        return {_group(tier) for tier, archived in stages if not archived}

    lost = groups(before) - groups(after)
    if "open" in lost:
        return _(
            "A pipeline needs at least one active open stage (prospect, qualified or high intent): "
            "this would leave “%(pipeline)s” without one."
        ) % {"pipeline": pipeline}
    if Tier.WON in lost:
        return _(
            "A pipeline needs an active won stage: this would leave “%(pipeline)s” without one. "
            "Add another won stage first."
        ) % {"pipeline": pipeline}
    if Tier.LOST in lost:
        return _(
            "A pipeline needs an active lost stage: this would leave “%(pipeline)s” without one. "
            "Add another lost stage first."
        ) % {"pipeline": pipeline}
    return None


def _stage_tiers(pipeline: Pipeline, *, stage: Stage | None = None, tier=None, archived=None, gone=False) -> list:
    """The pipeline's stages as (tier, is_archived), with ``stage`` changed as given."""
    rows = []
    for pk, stage_tier, is_archived in pipeline.stages.values_list("pk", "tier", "is_archived"):
        if stage is not None and pk == stage.pk:
            if gone:
                continue
            stage_tier = stage_tier if tier is None else tier
            is_archived = is_archived if archived is None else archived
        rows.append((stage_tier, is_archived))
    return rows


# --- stages -----------------------------------------------------------------------------------


def record_stage_created(*, user, stage):
    record(
        user=user,
        kind=SettingsKind.STAGE,
        action=SettingsAction.CREATED,
        subject=stage,
        pipeline=stage.pipeline,
        changes=created(stage, ("key", *STAGE_FIELDS)),
    )


def _ordered(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("order", "id"))


@transaction.atomic
def stage_create(*, user: User, pipeline: Pipeline, data: dict) -> Stage:
    """Add a stage: an open one goes after the pipeline's last active open stage, a won
    or lost one at the end (the arrows move it from there)."""
    pipeline = lock_pipeline(pipeline)
    values = clean(data, ("key", *STAGE_FIELDS))
    stage = Stage(pipeline=pipeline, **values)
    errors = collect_errors(lambda: validated(stage, exclude=["pipeline", "order"]))
    if pipeline.is_archived:
        errors[NON_FIELD_ERRORS] = [_("This pipeline is archived: restore it before adding stages.")]
    if errors:
        raise DomainError(errors)
    stages = _ordered(pipeline)
    position = len(stages)
    if stage.tier in OPEN_TIERS:
        active_open = [i for i, row in enumerate(stages) if row.tier in OPEN_TIERS and not row.is_archived]
        position = active_open[-1] + 1 if active_open else 0
    stage.save()
    stages.insert(position, stage)
    renumber(Stage, stages)
    record_stage_created(user=user, stage=stage)
    return stage


@transaction.atomic
def stage_update(*, user: User, stage: Stage, data: dict) -> Stage:
    """Rename a stage or change its tier, probability or expected days. A tier change
    applies from now on; it cannot turn a stage projects stand in from open to won or
    lost (or back): their outcome is set by moves only."""
    pipeline = lock_pipeline(stage.pipeline)
    stage = Stage.objects.get(pk=stage.pk)
    before = field_values(stage, STAGE_FIELDS)
    for name, value in clean(data, STAGE_FIELDS).items():
        setattr(stage, name, value)
    errors = collect_errors(lambda: validated(stage, exclude=["pipeline", "key", "order"]))
    if "tier" not in errors and stage.tier != before["tier"]:
        standing = ProjectState.objects.filter(stage=stage).count()
        if standing and _group(stage.tier) != _group(before["tier"]):
            errors["tier"] = [
                ngettext(
                    "%(count)s project stands in this stage, so it cannot change between open, won and lost: "
                    "add a new stage and move the project instead.",
                    "%(count)s projects stand in this stage, so it cannot change between open, won and lost: "
                    "add a new stage and move the projects instead.",
                    standing,
                )
                % {"count": standing}
            ]
        else:
            message = _required_stage_error(
                pipeline, _stage_tiers(pipeline), _stage_tiers(pipeline, stage=stage, tier=stage.tier)
            )
            if message:
                errors["tier"] = [message]
    if errors:
        raise DomainError(errors)
    if record_diff(user=user, kind=SettingsKind.STAGE, subject=stage, before=before, pipeline=pipeline):
        stage.save()
        if stage.expected_days != before["expected_days"]:
            # When the stage's open projects turn stale follows its expected days: one UPDATE.
            stale_refresh(stages=[stage])
    return stage


@transaction.atomic
def stage_archive(*, user: User, stage: Stage) -> Stage:
    """Retire a stage: no project moves into it any more; its history stays. Refused
    while open projects stand in it, or when the pipeline would lose its last active
    open, won or lost stage."""
    pipeline = lock_pipeline(stage.pipeline)
    stage = Stage.objects.get(pk=stage.pk)
    if stage.is_archived:
        return stage
    problems = []
    standing = ProjectState.objects.filter(stage=stage).count() if stage.tier in OPEN_TIERS else 0
    if standing:
        problems.append(
            ngettext(
                "%(count)s open project is in this stage: move it to another stage first.",
                "%(count)s open projects are in this stage: move them to other stages first.",
                standing,
            )
            % {"count": standing}
        )
    message = _required_stage_error(
        pipeline, _stage_tiers(pipeline), _stage_tiers(pipeline, stage=stage, archived=True)
    )
    if message:
        problems.append(message)
    if problems:
        raise DomainError({NON_FIELD_ERRORS: problems})
    stage.is_archived = True
    stage.save(update_fields=["is_archived"])
    # An archived stage leaves the arrows' list: it waits at the end until restored.
    stages = _ordered(pipeline)
    renumber(Stage, [row for row in stages if not row.is_archived] + [row for row in stages if row.is_archived])
    record(user=user, kind=SettingsKind.STAGE, action=SettingsAction.ARCHIVED, subject=stage, pipeline=pipeline)
    return stage


@transaction.atomic
def stage_restore(*, user: User, stage: Stage) -> Stage:
    """Use an archived stage again; it comes back last (move it with the arrows)."""
    pipeline = lock_pipeline(stage.pipeline)
    stage = Stage.objects.get(pk=stage.pk)
    if not stage.is_archived:
        return stage
    stage.is_archived = False
    stage.save(update_fields=["is_archived"])
    record(user=user, kind=SettingsKind.STAGE, action=SettingsAction.RESTORED, subject=stage, pipeline=pipeline)
    return stage


def stage_in_use(stage: Stage) -> bool:
    """A project stands in it or its history passed through it: kept for good."""
    return (
        ProjectState.objects.filter(stage=stage).exists()
        or StageChange.objects.filter(to_stage=stage).exists()
        or StageChange.objects.filter(from_stage=stage).exists()
    )


@transaction.atomic
def stage_delete(*, user: User, stage: Stage) -> None:
    """Delete a stage no project has ever been in (a stage in use can only be archived)."""
    pipeline = lock_pipeline(stage.pipeline)
    stage = Stage.objects.get(pk=stage.pk)
    problems = []
    if stage_in_use(stage):
        problems.append(
            _("Projects have been in this stage and their history keeps it: it can be archived, not deleted.")
        )
    message = _required_stage_error(pipeline, _stage_tiers(pipeline), _stage_tiers(pipeline, stage=stage, gone=True))
    if message:
        problems.append(message)
    if problems:
        raise DomainError({NON_FIELD_ERRORS: problems})
    record(
        user=user,
        kind=SettingsKind.STAGE,
        action=SettingsAction.DELETED,
        subject=stage,
        pipeline=pipeline,
        changes=[["key", stage.key, None]],
    )
    stage.delete()
    renumber(Stage, _ordered(pipeline))


def _reorder_stages(*, user: User, pipeline: Pipeline, stage_ids: list) -> bool:
    stages = _ordered(pipeline)
    return reorder(
        user=user,
        model=Stage,
        kind=SettingsKind.STAGE,
        rows=[stage for stage in stages if not stage.is_archived],
        ids=stage_ids,
        stale=_("The stages changed meanwhile: reload the page and order them again."),
        subject=pipeline,
        after=[stage for stage in stages if stage.is_archived],
    )


@transaction.atomic
def stages_reorder(*, user: User, pipeline: Pipeline, stage_ids: list) -> bool:
    """Put the pipeline's active stages in the order of ``stage_ids`` (all of them, each
    once), archived ones after; all or nothing. False when the order did not change."""
    return _reorder_stages(user=user, pipeline=lock_pipeline(pipeline), stage_ids=stage_ids)


def _active_in_order(pipeline: Pipeline, stage: Stage) -> list[Stage]:
    """The pipeline's active stages in order; refused when ``stage`` is not one of them."""
    stages = list(pipeline.stages.filter(is_archived=False).order_by("order", "id"))
    if stage.pk not in {row.pk for row in stages}:
        refuse(_("An archived stage has no place in the order: restore it first."), "order")
    return stages


@transaction.atomic
def stage_shift(*, user: User, stage: Stage, by: int) -> bool:
    """Move an active stage one place up (``by=-1``) or down (``by=1``) among the active ones."""
    pipeline = lock_pipeline(stage.pipeline)
    ids = [row.pk for row in _active_in_order(pipeline, stage)]
    return _reorder_stages(user=user, pipeline=pipeline, stage_ids=shifted(ids, stage.pk, by))


@transaction.atomic
def stage_place(*, user: User, stage: Stage, order: int) -> bool:
    """Put an active stage where the order number ``order`` puts it among the active ones
    (the API's ``order``); the stages are then numbered 10, 20, 30… again."""
    pipeline = lock_pipeline(stage.pipeline)
    ids = placed(_active_in_order(pipeline, stage), stage.pk, order)
    return _reorder_stages(user=user, pipeline=pipeline, stage_ids=ids)


# --- exit checks ------------------------------------------------------------------------------


def _check_subject(check: ExitCheck, before: bool = False) -> list:
    """What a check requires, as log changes (added: before → None; removed: None → after)."""
    values = [("requirement", check.requirement), ("checklist_item", check.checklist_item_id)]
    return [[name, value, None] if before else [name, None, value] for name, value in values if value not in (None, "")]


def _record_check(*, user, check, stage, action, changes=()):
    record(
        user=user,
        kind=SettingsKind.EXIT_CHECK,
        action=action,
        subject=stage,
        pipeline=stage.pipeline,
        object_id=check.pk,
        changes=changes,
    )


@transaction.atomic
def exit_check_add(
    *,
    user: User,
    stage: Stage,
    requirement: str = "",
    checklist_item: ChecklistItem | None = None,
    severity: str = Severity.WARN,
) -> ExitCheck:
    """Require something before a project leaves ``stage``: a named requirement
    (``exit_checks.REQUIREMENTS``) or a checklist item; a missing one warns or blocks."""
    lock_pipeline(stage.pipeline)
    check = ExitCheck(stage=stage, requirement=requirement or "", checklist_item=checklist_item, severity=severity)
    errors = collect_errors(lambda: validated(check, exclude=["stage"]))
    if check.requirement and check.requirement not in exit_checks.REQUIREMENTS:
        errors["requirement"] = [_("Choose one of the listed requirements.")]
    if checklist_item is not None and not checklist_item.is_active:
        errors["checklist_item"] = [_("This checklist item is no longer in use.")]
    duplicate = stage.exit_checks.filter(requirement=check.requirement, checklist_item=checklist_item).exists()
    if duplicate and not errors:
        errors["checklist_item" if checklist_item is not None else "requirement"] = [
            _("This stage already checks that.")
        ]
    if errors:
        raise DomainError(errors)
    check.save()
    _record_check(
        user=user,
        check=check,
        stage=stage,
        action=SettingsAction.CREATED,
        changes=[*_check_subject(check), ["severity", None, check.severity]],
    )
    return check


@transaction.atomic
def exit_check_set_severity(*, user: User, check: ExitCheck, severity: str) -> ExitCheck:
    lock_pipeline(check.stage.pipeline)
    check = ExitCheck.objects.select_related("stage__pipeline").get(pk=check.pk)
    before = check.severity
    check.severity = severity
    validated(check, exclude=["stage"])
    if severity != before:
        check.save(update_fields=["severity"])
        _record_check(
            user=user,
            check=check,
            stage=check.stage,
            action=SettingsAction.CHANGED,
            changes=[["severity", before, severity]],
        )
    return check


@transaction.atomic
def exit_check_remove(*, user: User, check: ExitCheck) -> None:
    lock_pipeline(check.stage.pipeline)
    check = ExitCheck.objects.select_related("stage__pipeline").get(pk=check.pk)
    _record_check(
        user=user,
        check=check,
        stage=check.stage,
        action=SettingsAction.DELETED,
        changes=_check_subject(check, before=True),
    )
    check.delete()


@transaction.atomic
def exit_checks_replace(*, user: User, stage: Stage, checks: list[dict], prefix: str = "checks.") -> list[ExitCheck]:
    """Make the stage's exit checks exactly ``checks`` (each a ``requirement`` or a
    ``checklist_item``, and a ``severity``): the ones left out are removed, new ones
    added, kept ones take the severity given; each change is logged. Every bad check
    is named at once, as ``<prefix><index>`` or ``<prefix><index>.<field>``."""
    lock_pipeline(stage.pipeline)
    current = {(check.requirement, check.checklist_item_id): check for check in stage.exit_checks.all()}
    wanted = [
        (((check.get("requirement") or "").strip(), getattr(check.get("checklist_item"), "pk", None)), check)
        for check in checks
    ]
    wanted_keys = {key for key, _check in wanted}
    for key, check in current.items():
        if key not in wanted_keys:
            exit_check_remove(user=user, check=check)
    errors, kept = {}, set()
    for index, (key, check) in enumerate(wanted):
        severity = check.get("severity") or Severity.WARN
        try:
            if key in current and key not in kept:
                kept.add(key)
                exit_check_set_severity(user=user, check=current[key], severity=severity)
            else:
                exit_check_add(
                    user=user,
                    stage=stage,
                    requirement=key[0],
                    checklist_item=check.get("checklist_item"),
                    severity=severity,
                )
        except DomainError as error:
            for name, messages in error.message_dict.items():
                errors[f"{prefix}{index}" if name == NON_FIELD_ERRORS else f"{prefix}{index}.{name}"] = messages
    if errors:
        raise DomainError(errors)
    return list(stage.exit_checks.select_related("checklist_item"))
