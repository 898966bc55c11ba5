"""Writes on the pipeline settings: pipelines, their stages and exit checks, the
lost reasons and each team's default pipeline (the admins' settings pages).

Every function is one transaction, locks the rows its rules read (a pipeline's
row for any change of its stages, so two admins cannot each archive "the other"
won stage), raises ``DomainError`` naming every bad field at once, and records a
``SettingsChange`` (who, when, each field before and after).

History is never rewritten: a stage change keeps the tiers it was made with,
and a project standing in a stage keeps the tier it entered with; a stage's new
tier applies to the moves made from then on.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pipeline import exit_checks
from pipeline.models import (
    OPEN_TIERS,
    ExitCheck,
    LostReason,
    Pipeline,
    ProjectState,
    SettingsAction,
    SettingsChange,
    SettingsKind,
    Severity,
    Stage,
    StageChange,
    TeamPipeline,
    Tier,
)
from projects.models import ChecklistItem
from teams.errors import DomainError, collect_errors, validated
from teams.models import User
from teams.typography import listed

PIPELINE_FIELDS = ("name_zh", "name_en", "kind", "is_default")
STAGE_FIELDS = ("name_zh", "name_en", "tier", "probability", "expected_days")
LOST_REASON_FIELDS = ("name_zh", "name_en")

# The stages a new pipeline starts with, so it is usable at once (an open, a won
# and a lost stage); admins rename them and add the steps between.
STARTER_STAGES = [
    ("prospect", "潜客", "Prospect", Tier.PROSPECT, 10, 30),
    ("won", "赢单", "Won", Tier.WON, 100, None),
    ("lost", "输单", "Lost", Tier.LOST, 0, None),
]
ORDER_STEP = 10


# --- the change log ---------------------------------------------------------------------------


def _values(instance, fields) -> dict:
    return {name: getattr(instance, name) for name in fields}


def _record(*, user: User, kind: str, action: str, subject, pipeline=None, object_id=None, changes=()):
    """Log one settings change; ``subject`` gives the names shown (a team gives its one name)."""
    names = (subject.name_zh, subject.name_en) if hasattr(subject, "name_zh") else (str(subject),) * 2
    return SettingsChange.objects.create(
        by=user,
        kind=kind,
        action=action,
        object_id=object_id if object_id is not None else subject.pk,
        name_zh=names[0][:100],
        name_en=names[1][:100],
        pipeline=pipeline,
        changes=[list(change) for change in changes],
    )


def _record_diff(*, user, kind, subject, before: dict, pipeline=None) -> bool:
    """Log the fields that differ from ``before``; nothing when none does."""
    changes = [[name, old, getattr(subject, name)] for name, old in before.items() if getattr(subject, name) != old]
    if changes:
        _record(
            user=user, kind=kind, action=SettingsAction.CHANGED, subject=subject, pipeline=pipeline, changes=changes
        )
    return bool(changes)


def _created(instance, fields) -> list:
    return [[name, None, getattr(instance, name)] for name in fields if getattr(instance, name) not in (None, "")]


# --- shared rules -----------------------------------------------------------------------------


def _clean(data: dict, fields) -> dict:
    """The given fields of ``data``, text stripped (a field left out keeps its value)."""
    return {name: data[name].strip() if isinstance(data[name], str) else data[name] for name in fields if name in data}


def _refuse(message, field=NON_FIELD_ERRORS):
    raise DomainError({field: [message]})


def _shifted(ids: list, pk, by: int) -> list:
    """``ids`` with ``pk`` moved ``by`` places (-1 up, +1 down), kept within the list."""
    ids = list(ids)
    position = ids.index(pk)
    target = min(max(position + by, 0), len(ids) - 1)
    ids.insert(target, ids.pop(position))
    return ids


def _renumber(model, rows: list) -> None:
    """Give ``rows`` the orders 10, 20, 30… in list order, in one statement."""
    for position, row in enumerate(rows, 1):
        row.order = position * ORDER_STEP
    model.objects.bulk_update(rows, ["order"])


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


def _lock_pipeline(pipeline: Pipeline) -> Pipeline:
    """Every change of a pipeline's stages holds its row: the rules over several stages
    (keep a won stage, one order) then see no half-done change of another admin."""
    return Pipeline.objects.select_for_update().get(pk=pipeline.pk)


def _lock_pipelines() -> dict[int, Pipeline]:
    """A change of the company default or of a kind reads every pipeline: hold them all
    (always in id order, so two admins cannot deadlock)."""
    return {pipeline.pk: pipeline for pipeline in Pipeline.objects.select_for_update().order_by("pk")}


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
    The caller holds every pipeline's row (``_lock_pipelines``)."""
    for previous in Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk):
        previous.is_default = False
        previous.save(update_fields=["is_default"])
        _record(
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
    _lock_pipelines()
    values = _clean(data, ("key", *PIPELINE_FIELDS))
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
    _record(
        user=user,
        kind=SettingsKind.PIPELINE,
        action=SettingsAction.CREATED,
        subject=pipeline,
        pipeline=pipeline,
        changes=_created(pipeline, ("key", *PIPELINE_FIELDS)),
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
        _record_stage_created(user=user, stage=stage)
    _renumber(Stage, list(pipeline.stages.order_by("pk")))
    return pipeline


@transaction.atomic
def pipeline_update(*, user: User, pipeline: Pipeline, data: dict) -> Pipeline:
    """Rename a pipeline, change the kind of project it takes, or make it the company default."""
    pipeline = _lock_pipelines()[pipeline.pk]
    before = _values(pipeline, PIPELINE_FIELDS)
    values = _clean(data, PIPELINE_FIELDS)
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
    if _record_diff(user=user, kind=SettingsKind.PIPELINE, subject=pipeline, before=before, pipeline=pipeline):
        pipeline.save()
    return pipeline


@transaction.atomic
def pipeline_archive(*, user: User, pipeline: Pipeline) -> Pipeline:
    """Stop using a pipeline: no project starts in it any more. Refused while it is the
    company default, a team's default, or has open projects (they finish where they are)."""
    pipeline = _lock_pipeline(pipeline)
    if pipeline.is_archived:
        return pipeline
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
    _record(user=user, kind=SettingsKind.PIPELINE, action=SettingsAction.ARCHIVED, subject=pipeline, pipeline=pipeline)
    return pipeline


@transaction.atomic
def pipeline_restore(*, user: User, pipeline: Pipeline) -> Pipeline:
    pipeline = _lock_pipeline(pipeline)
    if not pipeline.is_archived:
        return pipeline
    pipeline.is_archived = False
    errors = _kind_error(pipeline)
    if errors:
        raise DomainError(errors)
    pipeline.save(update_fields=["is_archived"])
    _record(user=user, kind=SettingsKind.PIPELINE, action=SettingsAction.RESTORED, subject=pipeline, pipeline=pipeline)
    return pipeline


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
        _record(
            user=user,
            kind=SettingsKind.TEAM_DEFAULT,
            action=SettingsAction.CHANGED,
            subject=team,
            changes=[["pipeline", old, new]],
        )
        changed += 1
    return changed


# --- stages -----------------------------------------------------------------------------------


def _record_stage_created(*, user, stage):
    _record(
        user=user,
        kind=SettingsKind.STAGE,
        action=SettingsAction.CREATED,
        subject=stage,
        pipeline=stage.pipeline,
        changes=_created(stage, ("key", *STAGE_FIELDS)),
    )


def _ordered(pipeline: Pipeline) -> list[Stage]:
    return list(pipeline.stages.order_by("order", "id"))


@transaction.atomic
def stage_create(*, user: User, pipeline: Pipeline, data: dict) -> Stage:
    """Add a stage: an open one goes after the pipeline's last active open stage, a won
    or lost one at the end (the arrows move it from there)."""
    pipeline = _lock_pipeline(pipeline)
    values = _clean(data, ("key", *STAGE_FIELDS))
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
    _renumber(Stage, stages)
    _record_stage_created(user=user, stage=stage)
    return stage


@transaction.atomic
def stage_update(*, user: User, stage: Stage, data: dict) -> Stage:
    """Rename a stage or change its tier, probability or expected days. A tier change
    applies from now on; it cannot turn a stage projects stand in from open to won or
    lost (or back): their outcome is set by moves only."""
    pipeline = _lock_pipeline(stage.pipeline)
    stage = Stage.objects.get(pk=stage.pk)
    before = _values(stage, STAGE_FIELDS)
    for name, value in _clean(data, STAGE_FIELDS).items():
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
    if _record_diff(user=user, kind=SettingsKind.STAGE, subject=stage, before=before, pipeline=pipeline):
        stage.save()
    return stage


@transaction.atomic
def stage_archive(*, user: User, stage: Stage) -> Stage:
    """Retire a stage: no project moves into it any more; its history stays. Refused
    while open projects stand in it, or when the pipeline would lose its last active
    open, won or lost stage."""
    pipeline = _lock_pipeline(stage.pipeline)
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
    _renumber(Stage, [row for row in stages if not row.is_archived] + [row for row in stages if row.is_archived])
    _record(user=user, kind=SettingsKind.STAGE, action=SettingsAction.ARCHIVED, subject=stage, pipeline=pipeline)
    return stage


@transaction.atomic
def stage_restore(*, user: User, stage: Stage) -> Stage:
    """Use an archived stage again; it comes back last (move it with the arrows)."""
    pipeline = _lock_pipeline(stage.pipeline)
    stage = Stage.objects.get(pk=stage.pk)
    if not stage.is_archived:
        return stage
    stage.is_archived = False
    stage.save(update_fields=["is_archived"])
    _record(user=user, kind=SettingsKind.STAGE, action=SettingsAction.RESTORED, subject=stage, pipeline=pipeline)
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
    pipeline = _lock_pipeline(stage.pipeline)
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
    _record(
        user=user,
        kind=SettingsKind.STAGE,
        action=SettingsAction.DELETED,
        subject=stage,
        pipeline=pipeline,
        changes=[["key", stage.key, None]],
    )
    stage.delete()
    _renumber(Stage, _ordered(pipeline))


def _reorder_stages(*, user: User, pipeline: Pipeline, stage_ids: list) -> bool:
    stages = _ordered(pipeline)
    active = [stage for stage in stages if not stage.is_archived]
    try:
        stage_ids = [int(pk) for pk in stage_ids]
    except (TypeError, ValueError):
        stage_ids = []
    if sorted(stage_ids) != sorted(stage.pk for stage in active):
        _refuse(_("The stages changed meanwhile: reload the page and order them again."), "order")
    before = [stage.pk for stage in active]
    if stage_ids == before:
        return False
    by_pk = {stage.pk: stage for stage in stages}
    _renumber(Stage, [by_pk[pk] for pk in stage_ids] + [stage for stage in stages if stage.is_archived])
    _record(
        user=user,
        kind=SettingsKind.STAGE,
        action=SettingsAction.REORDERED,
        subject=pipeline,
        pipeline=pipeline,
        changes=[["order", before, stage_ids]],
    )
    return True


@transaction.atomic
def stages_reorder(*, user: User, pipeline: Pipeline, stage_ids: list) -> bool:
    """Put the pipeline's active stages in the order of ``stage_ids`` (all of them, each
    once), archived ones after; all or nothing. False when the order did not change."""
    return _reorder_stages(user=user, pipeline=_lock_pipeline(pipeline), stage_ids=stage_ids)


@transaction.atomic
def stage_shift(*, user: User, stage: Stage, by: int) -> bool:
    """Move an active stage one place up (``by=-1``) or down (``by=1``) among the active ones."""
    pipeline = _lock_pipeline(stage.pipeline)
    ids = list(pipeline.stages.filter(is_archived=False).order_by("order", "id").values_list("pk", flat=True))
    if stage.pk not in ids:
        _refuse(_("An archived stage has no place in the order: restore it first."), "order")
    return _reorder_stages(user=user, pipeline=pipeline, stage_ids=_shifted(ids, stage.pk, by))


# --- exit checks ------------------------------------------------------------------------------


def _check_subject(check: ExitCheck, before: bool = False) -> list:
    """What a check requires, as log changes (added: before → None; removed: None → after)."""
    values = [("requirement", check.requirement), ("checklist_item", check.checklist_item_id)]
    return [[name, value, None] if before else [name, None, value] for name, value in values if value not in (None, "")]


def _record_check(*, user, check, stage, action, changes=()):
    _record(
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
    _lock_pipeline(stage.pipeline)
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
    _lock_pipeline(check.stage.pipeline)
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
    _lock_pipeline(check.stage.pipeline)
    check = ExitCheck.objects.select_related("stage__pipeline").get(pk=check.pk)
    _record_check(
        user=user,
        check=check,
        stage=check.stage,
        action=SettingsAction.DELETED,
        changes=_check_subject(check, before=True),
    )
    check.delete()


# --- lost reasons -----------------------------------------------------------------------------


def _lock_lost_reasons() -> list[LostReason]:
    return list(LostReason.objects.select_for_update().order_by("order", "id"))


@transaction.atomic
def lost_reason_create(*, user: User, data: dict) -> LostReason:
    """A new reason to choose when a project is lost; it comes last in the list."""
    reasons = _lock_lost_reasons()
    values = _clean(data, ("key", *LOST_REASON_FIELDS))
    reason = LostReason(**values, order=(reasons[-1].order if reasons else 0) + ORDER_STEP)
    validated(reason)
    reason.save()
    _record(
        user=user,
        kind=SettingsKind.LOST_REASON,
        action=SettingsAction.CREATED,
        subject=reason,
        changes=_created(reason, ("key", *LOST_REASON_FIELDS)),
    )
    return reason


@transaction.atomic
def lost_reason_update(*, user: User, reason: LostReason, data: dict) -> LostReason:
    """Rename a reason (its key, used by the API, stays)."""
    _lock_lost_reasons()
    reason = LostReason.objects.get(pk=reason.pk)
    before = _values(reason, LOST_REASON_FIELDS)
    for name, value in _clean(data, LOST_REASON_FIELDS).items():
        setattr(reason, name, value)
    validated(reason)
    if _record_diff(user=user, kind=SettingsKind.LOST_REASON, subject=reason, before=before):
        reason.save()
    return reason


@transaction.atomic
def lost_reason_set_active(*, user: User, reason: LostReason, active: bool) -> LostReason:
    """Offer a reason again, or stop offering it (projects lost for it keep it)."""
    reasons = _lock_lost_reasons()
    reason = next(row for row in reasons if row.pk == reason.pk)
    if reason.is_active == active:
        return reason
    if not active and not any(row.is_active for row in reasons if row.pk != reason.pk):
        _refuse(_("Moving a project to lost needs a reason: keep at least one reason active."))
    before = _values(reason, ("is_active",))
    reason.is_active = active
    reason.save(update_fields=["is_active"])
    _record_diff(user=user, kind=SettingsKind.LOST_REASON, subject=reason, before=before)
    return reason


def lost_reason_in_use(reason: LostReason) -> bool:
    return (
        ProjectState.objects.filter(lost_reason=reason).exists()
        or StageChange.objects.filter(lost_reason=reason).exists()
    )


@transaction.atomic
def lost_reason_delete(*, user: User, reason: LostReason) -> None:
    """Delete a reason no project was ever lost for (one in use can only be deactivated)."""
    reasons = _lock_lost_reasons()
    reason = next(row for row in reasons if row.pk == reason.pk)
    problems = []
    if lost_reason_in_use(reason):
        problems.append(_("Projects were lost for this reason and their history keeps it: deactivate it instead."))
    if reason.is_active and not any(row.is_active for row in reasons if row.pk != reason.pk):
        problems.append(_("Moving a project to lost needs a reason: keep at least one reason active."))
    if problems:
        raise DomainError({NON_FIELD_ERRORS: problems})
    _record(
        user=user,
        kind=SettingsKind.LOST_REASON,
        action=SettingsAction.DELETED,
        subject=reason,
        changes=[["key", reason.key, None]],
    )
    reason.delete()
    _renumber(LostReason, [row for row in reasons if row.pk != reason.pk])


def _reorder_reasons(*, user: User, reasons: list, reason_ids: list) -> bool:
    try:
        reason_ids = [int(pk) for pk in reason_ids]
    except (TypeError, ValueError):
        reason_ids = []
    before = [reason.pk for reason in reasons]
    if sorted(reason_ids) != sorted(before):
        _refuse(_("The reasons changed meanwhile: reload the page and order them again."), "order")
    if reason_ids == before:
        return False
    by_pk = {reason.pk: reason for reason in reasons}
    _renumber(LostReason, [by_pk[pk] for pk in reason_ids])
    SettingsChange.objects.create(
        by=user,
        kind=SettingsKind.LOST_REASON,
        action=SettingsAction.REORDERED,
        name_zh="",
        name_en="",
        changes=[["order", before, reason_ids]],
    )
    return True


@transaction.atomic
def lost_reasons_reorder(*, user: User, reason_ids: list) -> bool:
    """Put every lost reason in the order of ``reason_ids``; all or nothing."""
    return _reorder_reasons(user=user, reasons=_lock_lost_reasons(), reason_ids=reason_ids)


@transaction.atomic
def lost_reason_shift(*, user: User, reason: LostReason, by: int) -> bool:
    reasons = _lock_lost_reasons()
    ids = [row.pk for row in reasons]
    return _reorder_reasons(user=user, reasons=reasons, reason_ids=_shifted(ids, reason.pk, by))
