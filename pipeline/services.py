"""Writes on a project's dynamic data. Every function is one transaction, locks
the project row it changes, and raises ``DomainError`` naming each bad field
(nothing is half-saved). Pages, the API, the board, the import and the demo all
come through here, so every change of stage writes its stage change.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer
from pipeline import defaults, exit_checks
from pipeline.models import (
    CLOSED_TIERS,
    OPEN_TIERS,
    Activity,
    BudgetChange,
    Competitor,
    ExitCheck,
    LostReason,
    Pipeline,
    ProjectState,
    Stage,
    StageChange,
    TeamPipeline,
    stale_from,
    tiers_reached,
)
from pipeline.pools.rules import returns_on_refresh
from projects.models import MAX_BUDGET, Conflict, Project, Resolution
from projects.services import BULK_BATCH_SIZE, project_detect_conflicts, project_refresh_checklist
from teams.errors import DomainError, collect_errors, validated
from teams.models import User
from teams.notifications.models import NotificationKind
from teams.notifications.services import notify
from teams.versioning import check_version


def today() -> datetime.date:
    """Today in the company's time zone (Asia/Shanghai)."""
    return timezone.localdate()


# --- stages -----------------------------------------------------------------------------------


def pipeline_for(*, owner: User | None = None, kind: str = "", team_id: int | None = None) -> Pipeline:
    """The pipeline a new project starts in: the one for its kind, else the
    owner's team default, else the company default. Without an owner, the
    default of team ``team_id`` (the board of a team)."""
    pipelines = Pipeline.objects.filter(is_archived=False)
    if kind:
        for_kind = pipelines.filter(kind=kind).first()
        if for_kind is not None:
            return for_kind
    if owner is not None:
        team_id = owner.team_id
    if team_id is not None:
        chosen = TeamPipeline.objects.filter(team_id=team_id, pipeline__is_archived=False).first()
        if chosen is not None:
            return chosen.pipeline
    default = pipelines.filter(is_default=True).first() or pipelines.first()
    if default is None and _reinstall_defaults():
        default = Pipeline.objects.get(is_default=True)
    if default is None:
        raise DomainError({"stage": _("No pipeline is set up. Ask an admin to create one.")})
    return default


def _reinstall_defaults() -> bool:
    """A database emptied after migrating (a flush) gets the shipped pipelines back."""
    if Pipeline.objects.exists():
        return False
    defaults.install(Pipeline=Pipeline, Stage=Stage, ExitCheck=ExitCheck, LostReason=LostReason)
    return True


def first_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.active().filter(tier__in=OPEN_TIERS).order_by("order", "id").first()
    if stage is None:
        raise DomainError({"stage": _("The pipeline has no open stage. Ask an admin to add one.")})
    return stage


def stage_by_key(key, *, field_name="stage") -> Stage:
    if isinstance(key, Stage):
        return key
    stage = Stage.objects.select_related("pipeline").filter(key=str(key or "").strip()).first()
    if stage is None and _reinstall_defaults():
        stage = Stage.objects.select_related("pipeline").filter(key=str(key or "").strip()).first()
    if stage is None:
        raise DomainError({field_name: _("Unknown stage “%(key)s”.") % {"key": key}})
    return stage


def lost_reason_by_key(key) -> LostReason | None:
    if isinstance(key, LostReason) or key in (None, ""):
        return key or None
    reason = LostReason.objects.filter(key=str(key).strip(), is_active=True).first()
    if reason is None:
        raise DomainError({"lost_reason": _("Choose one of the listed reasons.")})
    return reason


class ProjectStartHook:
    """Registered in ``projects.services.PROJECT_CREATE_HOOKS``: every new project
    gets its stage (``data["stage"]``, a key, or the first stage of its pipeline)
    with a first stage change at ``opened_at``, and optionally its first budget
    and next contact (``data["budget"]``, ``data["next_contact_on"]``)."""

    def check(self, *, data):
        errors = {}
        if data.get("stage"):
            try:
                stage = stage_by_key(data["stage"])
            except DomainError as error:
                errors.update(error.message_dict)
            else:
                if stage.is_archived or stage.pipeline.is_archived:
                    errors["stage"] = [_("This stage is archived; choose another.")]
                elif stage.tier not in OPEN_TIERS:
                    errors["stage"] = [_("A new project starts in an open stage; move it to won or lost afterwards.")]
        if data.get("budget") not in (None, ""):
            try:
                _check_amount(data["budget"])
            except DomainError as error:
                errors.update(error.message_dict)
        if data.get("next_contact_on") and data["next_contact_on"] < today():
            errors["next_contact_on"] = [_("The next contact cannot be in the past.")]
        if errors:
            raise DomainError(errors)

    def apply(self, *, user, project, data):
        state = project_state_ensure(project=project, user=user)
        if data.get("stage"):
            stage = stage_by_key(data["stage"])
            if stage.pk != state.stage_id:
                # Still the moment of creation: the project starts in the chosen stage.
                reached = tiers_reached(stage.tier, project.opened_at)
                ProjectState.objects.filter(pk=project.pk).update(stage=stage, tier=stage.tier, **reached)
                StageChange.objects.filter(project=project).update(to_stage=stage, to_tier=stage.tier)
                # ``project.state`` is this object (cached when it was created): keep it true.
                state.stage, state.tier = stage, stage.tier
                for field, value in reached.items():
                    setattr(state, field, value)
        updates = {}
        if state.stale_from() != project.stale_at:
            updates["stale_at"] = project.stale_at = state.stale_from()
        if data.get("budget") not in (None, ""):
            amount = _check_amount(data["budget"])
            BudgetChange.objects.create(
                project=project,
                old=None,
                new=amount,
                effective_on=timezone.localtime(project.opened_at).date(),
                by=user,
            )
            updates["budget"] = project.budget = amount
        if data.get("next_contact_on"):
            updates["next_contact_on"] = project.next_contact_on = data["next_contact_on"]
        if updates:
            Project.objects.filter(pk=project.pk).update(**updates)
        # A new open project changes which return rules apply to its customer.
        returns_on_refresh(customers=[project.customer_id])

    def bulk_prepare(self, *, user, projects, data):
        """``apply`` for many projects not saved yet (``projects.services.projects_bulk_create``): each
        one's starting stage (kept on it for ``bulk_apply``), stale date, budget and next contact set on
        the project itself, so the insert writes them. The first stage of a pipeline is asked once."""
        firsts: dict[tuple, Stage] = {}
        for project, values in zip(projects, data, strict=True):
            stage = values.get("stage")
            if stage:
                stage = stage_by_key(stage)
            else:
                key = (project.owner.team_id, project.kind)
                if key not in firsts:
                    firsts[key] = first_stage(pipeline_for(owner=project.owner, kind=project.kind))
                stage = firsts[key]
            project._start_stage = stage
            project.stale_at = stale_from(
                expected_days=stage.expected_days, tier=stage.tier, entered_at=project.opened_at
            )
            if values.get("budget") not in (None, ""):
                project.budget = _check_amount(values["budget"])
            if values.get("next_contact_on"):
                project.next_contact_on = values["next_contact_on"]

    def bulk_apply(self, *, user, projects, data):
        """``apply``'s rows for the saved ``projects``: each one's stage standing and first stage change at
        its opened date, its first budget change; then its customer's return date, once per batch."""
        states, changes, budgets = [], [], []
        for project, values in zip(projects, data, strict=True):
            stage = project._start_stage
            state = ProjectState(project=project, stage=stage, tier=stage.tier, entered_at=project.opened_at)
            state.mark_reached(stage.tier, project.opened_at)
            states.append(state)
            changes.append(
                StageChange(project=project, to_stage=stage, to_tier=stage.tier, at=project.opened_at, by=user)
            )
            if values.get("budget") not in (None, ""):
                budgets.append(
                    BudgetChange(
                        project=project,
                        old=None,
                        new=project.budget,
                        effective_on=timezone.localtime(project.opened_at).date(),
                        by=user,
                    )
                )
        ProjectState.objects.bulk_create(states, batch_size=BULK_BATCH_SIZE)
        StageChange.objects.bulk_create(changes, batch_size=BULK_BATCH_SIZE)
        BudgetChange.objects.bulk_create(budgets, batch_size=BULK_BATCH_SIZE)
        returns_on_refresh(customers=[project.customer_id for project in projects])


project_start_hook = ProjectStartHook()


def project_state_ensure(*, project: Project, user: User | None = None, stage=None) -> ProjectState:
    """Give a project without a stage its first one (``stage``, a key chosen at
    creation, or the first stage of its pipeline), entered at ``opened_at``, with
    its stage change. Runs for every new project, whatever created it
    (``pipeline.signals``)."""
    state = ProjectState.objects.filter(pk=project.pk).select_related("stage").first()
    if state is not None:
        return state
    stage = stage_by_key(stage) if stage else first_stage(pipeline_for(owner=project.owner, kind=project.kind))
    state = ProjectState(project=project, stage=stage, tier=stage.tier, entered_at=project.opened_at)
    state.mark_reached(stage.tier, project.opened_at)
    state.save(force_insert=True)
    StageChange.objects.create(project=project, to_stage=stage, to_tier=stage.tier, at=project.opened_at, by=user)
    stale_at = state.stale_from()
    if stale_at != project.stale_at:
        project.stale_at = stale_at
        Project.objects.filter(pk=project.pk).update(stale_at=stale_at)
    return state


# ``ProjectState.stale_from`` in SQL, set-wise, for the open projects standing in some stages
# (``{stages}``: a condition on ``st``). Only rows whose value changes are written.
STALE_REFRESH_SQL = """
UPDATE projects_project p SET stale_at = fresh.stale_at
FROM (
    SELECT s.project_id,
           CASE WHEN st.expected_days > 0 AND s.tier IN %s
                THEN s.entered_at + (st.expected_days + 1) * interval '1 day' END AS stale_at
    FROM pipeline_projectstate s JOIN pipeline_stage st ON st.id = s.stage_id
    WHERE {stages}
) fresh
WHERE p.id = fresh.project_id AND p.closed_at IS NULL AND p.stale_at IS DISTINCT FROM fresh.stale_at
"""


def stale_refresh(*, stages=None) -> int:
    """Set ``Project.stale_at`` of the open projects standing in ``stages`` (Stage objects
    or ids; every stage when None) from their stage's expected days: one UPDATE (on
    PostgreSQL), run when a stage's expected days or tier change. Answers how many
    projects changed."""
    ids = None if stages is None else [getattr(stage, "pk", stage) for stage in stages]
    if ids == []:
        return 0
    if connection.vendor != "postgresql":
        changed = 0
        states = ProjectState.objects.filter(project__closed_at__isnull=True).select_related("stage", "project")
        for state in states if ids is None else states.filter(stage__in=ids):
            if state.project.stale_at != state.stale_from():
                changed += Project.objects.filter(pk=state.project_id).update(stale_at=state.stale_from())
        return changed
    condition, params = ("TRUE", []) if ids is None else ("st.id = ANY(%s)", [ids])
    with connection.cursor() as cursor:
        cursor.execute(STALE_REFRESH_SQL.format(stages=condition), [tuple(tier.value for tier in OPEN_TIERS), *params])
        return cursor.rowcount


@dataclass
class MoveResult:
    project: Project
    change: StageChange
    warnings: list[str] = field(default_factory=list)


def _lock(project: Project) -> Project:
    """The project row, locked, with what every write here reads of it: its stage (and
    pipeline), its customer and its owner (``Project.save`` reads the owner's team) in
    the same query."""
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("state__stage__pipeline", "customer", "owner")
        .get(pk=project.pk)
    )


def exit_warnings(*, project: Project, to_stage: Stage) -> list[exit_checks.Result]:
    """The exit checks of the project's current stage that fail, when the move goes
    forward (to a later stage of an open or won tier); moving back or to lost
    never needs them."""
    current = project.state.stage
    if to_stage.is_lost or to_stage.order <= current.order:
        return []
    return exit_checks.evaluate(project, current)


@transaction.atomic
def project_move(
    *,
    user: User,
    project: Project,
    stage,
    at: datetime.datetime | None = None,
    note: str = "",
    lost_reason=None,
    lost_note: str = "",
    version: int | None = None,
) -> MoveResult:
    """Move the project to ``stage`` (a Stage or its key), effective ``at`` (now, or
    back-dated: never in the future, never before the previous change). Moving to
    a lost stage needs a reason; closing sets ``closed_at`` and retires the
    project's open conflicts; moving out of won/lost re-opens it. A failing
    blocking exit check refuses the move; warnings come back with the result."""
    locked = _lock(project)
    check_version(current=locked.version, expected=version, current_data={"stage": locked.state.stage.key})
    state = locked.state
    now = timezone.now()
    at = at or now
    note = (note or "").strip()
    errors = {}
    try:
        target = stage_by_key(stage)
    except DomainError as error:
        raise DomainError(error.message_dict) from error
    if target.pipeline_id != state.stage.pipeline_id:
        errors["stage"] = [
            _("Choose a stage of this project's pipeline (%(pipeline)s).") % {"pipeline": state.stage.pipeline}
        ]
    elif target.is_archived:
        errors["stage"] = [_("This stage is archived; choose another.")]
    elif target.pk == state.stage_id:
        errors["stage"] = [_("The project is already in this stage.")]
    if at > now:
        errors["at"] = [_("A move cannot take effect in the future.")]
    elif at < now:
        # A move effective now follows every change before it (none is in the future):
        # only a back-dated one reads the previous change.
        previous = StageChange.objects.filter(project=locked, merged_from__isnull=True).order_by("-at", "-id").first()
        if previous is not None and at < previous.at:
            errors["at"] = [
                _("A move cannot take effect before the previous one (%(when)s).")
                % {"when": timezone.localtime(previous.at).strftime("%Y-%m-%d %H:%M")}
            ]
    reason = None
    if target.is_lost and "stage" not in errors:
        try:
            reason = lost_reason_by_key(lost_reason)
        except DomainError as error:
            errors.update(error.message_dict)
        else:
            if reason is None:
                errors["lost_reason"] = [_("Say why the project was lost.")]
    if len(note) > 500:
        errors["note"] = [_("Keep the note under 500 characters.")]
    warnings = []
    if not errors:
        failing = exit_warnings(project=locked, to_stage=target)
        blocking = [result.label for result in failing if result.blocks]
        if blocking:
            errors["stage"] = [
                _("Before leaving “%(stage)s”: %(missing)s.") % {"stage": state.stage, "missing": "；".join(blocking)}
            ]
        warnings = [result.label for result in failing if not result.blocks]
    if errors:
        raise DomainError(errors)
    change = StageChange.objects.create(
        project=locked,
        from_stage=state.stage,
        to_stage=target,
        # The tier the project stood in, which its stage may no longer have (settings changed it since).
        from_tier=state.tier,
        to_tier=target.tier,
        at=at,
        by=user,
        note=note,
        lost_reason=reason,
    )
    was_open = locked.closed_at is None
    state.stage, state.tier, state.entered_at = target, target.tier, at
    state.mark_reached(target.tier, at)
    state.lost_reason = reason
    state.lost_note = (lost_note or "").strip()[:500] if reason else ""
    state.save()
    closed_at = at if target.tier in CLOSED_TIERS else None
    # The row is locked: the next version is known without reading it back.
    locked.version += 1
    locked.stale_at = state.stale_from()
    if closed_at != locked.closed_at:
        # Closing or re-opening is a change of the project itself: saved with its history row.
        locked.closed_at = closed_at
        locked.save(update_fields=["closed_at", "stale_at", "version", "updated_at"])
    else:
        # A move between open stages changes only the stage (its own history, the stage
        # change above): the project counts its version up, without an empty history row.
        locked.updated_at = now
        Project.objects.filter(pk=locked.pk).update(version=locked.version, stale_at=locked.stale_at, updated_at=now)
    if was_open and locked.closed_at is not None:
        conflicts_retire(user=user, project=locked)
        _tell_the_lead(project=locked, tier=target.tier, by=user)
    elif not was_open and locked.closed_at is None:
        project_detect_conflicts(project=locked)
    # Stage progress (or a close) resets the customer's countdown to the pool.
    returns_on_refresh(customers=[locked.customer_id])
    return MoveResult(project=locked, change=change, warnings=warnings)


def _tell_the_lead(*, project: Project, tier: str, by: User) -> None:
    """A project won or lost on a team reaches its lead (unless the lead closed it)."""
    lead = project.team.lead if project.team_id else None
    if lead is None or lead.pk == by.pk:
        return
    notify(
        user=lead,
        kind=NotificationKind.CLOSED,
        target=project,
        data={"project": project.name, "tier": tier, "rep": project.owner.name, "customer": project.customer.name},
    )


def conflicts_retire(*, user: User, project: Project) -> int:
    """A won or lost project's open conflicts are kept, marked closed, so the
    lead's queue shows only live ones."""
    return (
        Conflict.objects.unresolved()
        .filter(Q(project_a=project) | Q(project_b=project))
        .update(resolution=Resolution.CLOSED, resolved_by=user, resolved_at=timezone.now())
    )


# --- budget -----------------------------------------------------------------------------------


def _check_amount(value, field_name="budget") -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise DomainError({field_name: _("Enter the amount in yuan, e.g. 1200000.")}) from None
    if not amount.is_finite():
        raise DomainError({field_name: _("Enter the amount in yuan, e.g. 1200000.")})
    if amount < 0:
        raise DomainError({field_name: _("The budget cannot be negative.")})
    if amount > MAX_BUDGET:
        raise DomainError({field_name: _("The budget cannot exceed 1,000,000,000,000 yuan.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError({field_name: _("Use at most two decimal places.")})
    return amount


@transaction.atomic
def budget_change(
    *,
    user: User,
    project: Project,
    amount,
    effective_on: datetime.date | None = None,
    reason: str = "",
    version: int | None = None,
) -> BudgetChange:
    """Set the customer's budget; the old amount, who, when and why are kept. A
    drop needs its reason; the effective date is not in the future."""
    locked = _lock(project)
    check_version(current=locked.version, expected=version, current_data={"budget": locked.budget})
    reason = (reason or "").strip()
    effective_on = effective_on or today()
    errors = {}
    try:
        amount = _check_amount(amount)
    except DomainError as error:
        errors.update(error.message_dict)
    else:
        if locked.budget is not None and amount == locked.budget:
            errors["budget"] = [_("The budget is already this amount.")]
        elif locked.budget is not None and amount < locked.budget and not reason:
            errors["reason"] = [_("Say why the budget dropped.")]
    if effective_on > today():
        errors["effective_on"] = [_("The change cannot take effect in the future.")]
    if len(reason) > 500:
        errors["reason"] = [_("Keep the reason under 500 characters.")]
    if errors:
        raise DomainError(errors)
    change = BudgetChange(
        project=locked, old=locked.budget, new=amount, effective_on=effective_on, by=user, reason=reason
    )
    change.save()
    locked.budget = amount
    locked.version = F("version") + 1
    locked.save(update_fields=["budget", "version", "updated_at"])
    return change


# --- contact log ------------------------------------------------------------------------------


@transaction.atomic
def activity_log(
    *,
    user: User,
    kind: str,
    occurred_at: datetime.datetime,
    summary: str,
    project: Project | None = None,
    customer: Customer | None = None,
    contacts=(),
    next_contact_on: datetime.date | None = None,
    move_to=None,
    lost_reason=None,
    lost_note: str = "",
) -> Activity:
    """Log a contact on a project (or on a customer alone). On a project it sets
    the project's last contact and next contact in the same transaction; an open
    project needs its next contact date, today or later, unless the contact
    closes it. ``move_to`` (a stage) also moves the project, effective when the
    contact happened — to a lost stage with ``lost_reason`` (a key) and
    ``lost_note``, as ``project_move`` needs. A customer's own activity counts as
    the last contact of the customer's open projects."""
    if project is not None:
        project = _lock(project)
        customer = project.customer
    if customer is None:
        raise DomainError({"project": _("Choose the project or the customer you contacted.")})
    errors = {}
    closing = False
    if project is not None and move_to:
        try:
            closing = stage_by_key(move_to).is_closed
        except DomainError as error:
            errors.update(error.message_dict)
    contacts = list(contacts or [])
    activity = Activity(
        customer=customer,
        project=project,
        kind=kind or "",
        occurred_at=occurred_at,
        summary=(summary or "").strip(),
        next_contact_on=next_contact_on,
        by=user,
    )
    errors.update(collect_errors(lambda: validated(activity, exclude=["customer", "project", "by"])))
    if occurred_at and occurred_at > timezone.now():
        errors["occurred_at"] = [_("A contact cannot be logged in the future.")]
    if next_contact_on is not None and next_contact_on < today():
        errors["next_contact_on"] = [_("The next contact cannot be in the past.")]
    elif next_contact_on is None and project is not None and project.closed_at is None and not closing:
        errors["next_contact_on"] = [_("Plan the next contact: every open project needs one.")]
    if any(contact.customer_id != customer.pk for contact in contacts):
        errors["contacts"] = [_("Choose people of this customer.")]
    if errors:
        raise DomainError(errors)
    activity.save()
    if contacts:
        # A new activity has no people yet: one INSERT (``contacts.set`` would read them first).
        links = Activity.contacts.through
        people = {contact.pk: contact for contact in contacts}
        links.objects.bulk_create([links(activity=activity, contact=contact) for contact in people.values()])
    if project is not None:
        updates = {"updated_at": timezone.now()}
        if project.last_contact_at is None or occurred_at > project.last_contact_at:
            updates["last_contact_at"] = occurred_at
        if next_contact_on is not None:
            updates["next_contact_on"] = next_contact_on
        Project.objects.filter(pk=project.pk).update(**updates)
        if move_to:
            project_move(
                user=user,
                project=project,
                stage=move_to,
                at=occurred_at,
                note=activity.summary[:500],
                lost_reason=lost_reason,
                lost_note=lost_note,
            )
    else:
        Project.objects.open().filter(customer=customer).filter(
            Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=occurred_at)
        ).update(last_contact_at=occurred_at)
    # Logging a contact resets the customer's countdown to the pool at once.
    returns_on_refresh(customers=[customer.pk])
    return activity


@transaction.atomic
def next_contact_set(*, user: User, project: Project, on: datetime.date | None, version: int | None = None) -> Project:
    """Plan (or re-plan) the next contact without logging one. A stale ``version``
    is refused (409) like every project write; planning does not count it up."""
    locked = _lock(project)
    check_version(current=locked.version, expected=version, current_data={"next_contact_on": locked.next_contact_on})
    if on is None and locked.closed_at is None:
        raise DomainError({"next_contact_on": _("Plan the next contact: every open project needs one.")})
    if on is not None and on < today():
        raise DomainError({"next_contact_on": _("The next contact cannot be in the past.")})
    Project.objects.filter(pk=locked.pk).update(next_contact_on=on, updated_at=timezone.now())
    locked.next_contact_on = on
    return locked


# --- competitors ------------------------------------------------------------------------------

COMPETITOR_FIELDS = ("kind", "name", "offering", "threat", "status", "notes")


@transaction.atomic
def competitor_save(
    *, user: User, project: Project, data: dict, competitor: Competitor | None = None, version: int | None = None
) -> Competitor:
    """Record a competitor or change one (every change kept in its history)."""
    if competitor is not None:
        competitor = Competitor.objects.select_for_update().get(pk=competitor.pk)
        check_version(
            current=competitor.version,
            expected=version,
            current_data={name: getattr(competitor, name) for name in COMPETITOR_FIELDS},
        )
        competitor.version = competitor.version + 1
    else:
        competitor = Competitor(project=project)
    for name in COMPETITOR_FIELDS:
        if name in data:
            value = data[name]
            setattr(competitor, name, (value or "").strip() if value is None or isinstance(value, str) else value)
    validated(competitor, exclude=["project"])
    competitor._history_user = user
    competitor.save()
    Project.objects.filter(pk=competitor.project_id).update(updated_at=timezone.now())
    project_refresh_checklist(project=competitor.project)
    return competitor


@transaction.atomic
def competitor_delete(*, user: User, competitor: Competitor) -> None:
    project = competitor.project
    competitor._history_user = user
    competitor.delete()
    project_refresh_checklist(project=project)


# --- merge ------------------------------------------------------------------------------------


def project_pipeline_merge(*, user: User, target: Project, source: Project) -> None:
    """Registered in ``projects.services.PROJECT_MERGE_HOOKS``. The kept project
    keeps its own stage, budget and stage history; the merged-away project's
    stage and budget changes move over marked ``merged_from`` (kept, not counted
    in the funnel or the budget), and its activities and competitors become the
    kept project's. The last and next contact take the later of the two."""
    StageChange.objects.filter(project=source).update(project=target, merged_from=source.pk)
    BudgetChange.objects.filter(project=source).update(project=target, merged_from=source.pk)
    Activity.objects.filter(project=source).update(project=target, merged_from=source.pk)
    Competitor.objects.filter(project=source).update(project=target)
    pair = Project.objects.filter(pk__in=[source.pk, target.pk])
    rows = {row["id"]: row for row in pair.values("id", "last_contact_at", "next_contact_on")}
    kept, gone = rows[target.pk], rows[source.pk]
    updates = {}
    if gone["last_contact_at"] and (
        kept["last_contact_at"] is None or gone["last_contact_at"] > kept["last_contact_at"]
    ):
        updates["last_contact_at"] = gone["last_contact_at"]
    if kept["next_contact_on"] is None and gone["next_contact_on"] is not None:
        updates["next_contact_on"] = gone["next_contact_on"]
    if updates:
        Project.objects.filter(pk=target.pk).update(**updates)
