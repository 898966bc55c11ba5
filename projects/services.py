"""Writes on projects: create/update with conflict detection, procurement list,
buying committee, milestones, checklist ticks, ownership transfer, conflict
resolution and project merge. Every function is one transaction."""

from difflib import SequenceMatcher
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import services as account_services
from accounts.models import Contact, Customer
from projects import checklist
from projects.models import (
    ChecklistItem,
    ChecklistTick,
    Conflict,
    ConflictKind,
    Milestone,
    MilestoneChange,
    MilestoneKind,
    OwnerChange,
    ProcurementItem,
    Project,
    Resolution,
    Stakeholder,
)
from teams.audit import audit_merge
from teams.bulk import history_rows_insert
from teams.errors import DomainError, collect_errors, validated
from teams.models import User
from teams.notifications.models import NotificationKind
from teams.notifications.services import notify, notify_many
from teams.ownership import check_owner, manages_team_of, record_hand_over
from teams.typography import bracketed
from teams.versioning import check_version

PROJECT_FIELDS = (
    "name",
    "scope",
    "kind",
    "funding_source",
    "funding_approved",
    "start_on",
    "end_on",
)
# Rows per INSERT of ``projects_bulk_create``.
BULK_BATCH_SIZE = 1000
# Names at least this similar (after normalisation) are "the same project".
NAME_SIMILARITY = 0.8

# Later apps add their part of a project. Each hook has ``check(*, data)``, which
# raises DomainError naming the bad fields of ``data`` (reported together with the
# project's own), and ``apply(*, user, project, data)``, run in the same
# transaction right after the project is saved (the pipeline: starting stage,
# budget, next contact). ``projects_bulk_create`` (the import) calls instead
# ``bulk_prepare(*, user, projects, data)`` on the projects not saved yet and
# ``bulk_apply(*, user, projects, data)`` once they are, writing the same rows
# set-wise. Registered in ``AppConfig.ready``.
PROJECT_CREATE_HOOKS = []
# ``hook(*, user, target, source)`` moves a later app's rows of the merged-away
# ``source`` onto ``target`` before ``source`` is deleted (each app decides what
# its rows mean after a merge; nothing is moved blindly).
PROJECT_MERGE_HOOKS = []
# Projects made in bulk (seed_demo's demo and benchmark teams) are neither saved one
# by one nor created through ``project_create``: a later app that keeps rows for
# every project (the pipeline: a stage, its history) registers here what it adds
# to them, written in the same bulk load. The protocol is in ``projects/demo.py``.
PROJECT_BULK_HOOKS = []


def _check_lead_contact(project: Project):
    if project.lead_contact_id and project.lead_contact.customer_id != project.customer_id:
        raise DomainError({"lead_contact": _("Choose a person of this project's customer.")})


def project_refresh_checklist(*, project: Project) -> int:
    value = checklist.score(checklist.evaluate(project))
    if value != project.checklist_score:
        Project.objects.filter(pk=project.pk).update(checklist_score=value)
        project.checklist_score = value
    return value


# --- conflicts --------------------------------------------------------------------------------


def _names_alike(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    matcher = SequenceMatcher(None, a, b)
    # The quick ratios are upper bounds of ratio(): most pairs are told apart without computing it.
    return (
        matcher.real_quick_ratio() >= NAME_SIMILARITY
        and matcher.quick_ratio() >= NAME_SIMILARITY
        and matcher.ratio() >= NAME_SIMILARITY
    )


def _committee(project: Project) -> set[int]:
    ids = set(project.stakeholders.values_list("contact_id", flat=True))
    if project.lead_contact_id:
        ids.add(project.lead_contact_id)
    return ids


def _record(kind, project, other, contact_id=None) -> Conflict | None:
    low, high = sorted([project.pk, other.pk])
    key = f"{kind}:{low}-{high}:{contact_id or ''}"
    try:
        with transaction.atomic():
            conflict, created = Conflict.objects.get_or_create(
                key=key,
                defaults={"kind": kind, "project_a": project, "project_b": other, "contact_id": contact_id},
            )
    except IntegrityError:  # recorded by a concurrent transaction a moment ago
        return None
    return conflict if created else None


def project_detect_conflicts(*, project: Project) -> list[Conflict]:
    """Record what collides with ``project`` now. The customer row is locked by
    the caller, so two changes on one customer are checked one after the other.

    Per pair of open projects, the most specific kind is recorded: a duplicate
    project name; otherwise each contact on both buying committees (different
    owners); otherwise, for different owners, the shared customer.
    """
    if not project.is_open:
        return []
    others = list(
        Project.objects.open().filter(customer_id=project.customer_id).exclude(pk=project.pk).select_related("owner")
    )
    if not others:
        return []
    mine = _committee(project)
    committees = {}
    if mine:
        rows = Stakeholder.objects.filter(project__in=others, contact_id__in=mine).values_list(
            "project_id", "contact_id"
        )
        for project_id, contact_id in rows:
            committees.setdefault(project_id, set()).add(contact_id)
        for other in others:
            if other.lead_contact_id in mine:
                committees.setdefault(other.pk, set()).add(other.lead_contact_id)
    recorded, specific = [], []
    for other in others:
        if _names_alike(project.normalized_name, other.normalized_name):
            recorded.append(_record(ConflictKind.DUPLICATE_PROJECT, project, other))
            specific.append(other)
        elif other.owner_id != project.owner_id:
            shared = committees.get(other.pk, set())
            if shared:
                recorded += [_record(ConflictKind.SHARED_CONTACT, project, other, c) for c in sorted(shared)]
                specific.append(other)
            else:
                recorded.append(_record(ConflictKind.SHARED_CUSTOMER, project, other))
    _retire_shared_customer(project, specific)
    recorded = [conflict for conflict in recorded if conflict is not None]
    for conflict in recorded:
        _notify_conflict(conflict)
    return recorded


def _notify_conflict(conflict: Conflict) -> None:
    """Each owner hears of a new conflict on their project (the other side named
    by its owner only, as the project page does)."""
    a, b = conflict.project_a, conflict.project_b
    for mine, other in ((a, b), (b, a)):
        notify(
            user=mine.owner,
            kind=NotificationKind.CONFLICT,
            target=mine,
            data={"project": mine.name, "other": other.owner.name},
        )


def _retire_shared_customer(project, others):
    """A pair now known to share a contact or a project name no longer needs its
    open, vaguer "shared customer" conflict: the lead resolves the specific one."""
    if not others:
        return
    pairs = Q()
    for other in others:
        pairs |= Q(project_a=project, project_b=other) | Q(project_a=other, project_b=project)
    Conflict.objects.unresolved().filter(pairs, kind=ConflictKind.SHARED_CUSTOMER).delete()


def projects_recheck_after_customer_merge(*, user: User, target: Customer, moved: dict) -> list[Conflict]:
    """Registered in ``accounts.services.CUSTOMER_MERGE_HOOKS``: the open projects
    that moved onto the kept customer now meet its projects, so each is checked
    for conflicts (the merge holds the customer's lock)."""
    recorded = []
    for project in Project.objects.open().filter(pk__in=moved.get(Project, []), customer=target).order_by("pk"):
        recorded += project_detect_conflicts(project=project)
    return recorded


def _lock_customer(customer_id: int) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer_id)


# --- projects ---------------------------------------------------------------------------------


def project_prepare(
    *,
    user: User,
    customer: Customer,
    data: dict,
    owner: User | None = None,
    lead_contact: Contact | None = None,
    procurement: list[dict] | None = None,
    validate_constraints: bool = True,
) -> tuple[Project, list[ProcurementItem]]:
    """The unsaved project (and procurement items) ``project_create`` would save, checked by the same
    rules, the create hooks' included: a DomainError names every bad field at once. Writes nothing, so
    an import's dry run checks its rows with it (``validate_constraints=False`` spares it the database's
    round trip per check constraint)."""
    owner = owner or user
    project = Project(customer=customer, owner=owner, lead_contact=lead_contact)
    for field, value in data.items():
        if field in PROJECT_FIELDS or field == "opened_at":
            setattr(project, field, value)
    items = [ProcurementItem(project=project, **item) for item in procurement or []]
    errors = collect_errors(
        partial(check_owner, user=user, owner=owner),
        partial(_check_not_in_future, project),
        partial(
            validated,
            project,
            exclude=["customer", "owner", "team", "lead_contact"],
            validate_constraints=validate_constraints,
        ),
        partial(_check_lead_contact, project),
        *[partial(validated, item, exclude=["project"], prefix=f"procurement.{i}.") for i, item in enumerate(items)],
        *[partial(hook.check, data=data) for hook in PROJECT_CREATE_HOOKS],
    )
    if errors:
        raise DomainError(errors)
    return project, items


@transaction.atomic
def project_create(
    *,
    user: User,
    customer: Customer,
    data: dict,
    owner: User | None = None,
    lead_contact: Contact | None = None,
    procurement: list[dict] | None = None,
) -> Project:
    """Create a project on ``customer``. The caller decides whether the user may
    reach the customer: a rep may add a project to a customer found through the
    duplicate warning without seeing its other data."""
    customer = _lock_customer(customer.pk)
    project, items = project_prepare(
        user=user, customer=customer, data=data, owner=owner, lead_contact=lead_contact, procurement=procurement
    )
    project._history_user = user
    project._create_data = data  # what later apps' signals may read (the pipeline: the starting stage)
    project.save()
    for item in items:
        item.project = project
    ProcurementItem.objects.bulk_create(items)
    for hook in PROJECT_CREATE_HOOKS:
        hook.apply(user=user, project=project, data=data)
    project_detect_conflicts(project=project)
    project_refresh_checklist(project=project)
    return project


def projects_bulk_create(*, user: User, projects: list[Project], data: list[dict]) -> list[Project]:
    """``project_create`` for many projects at once (the project import's commit, a batch at a time), in the
    caller's transaction: the same rows — each project with its history row naming ``user``, what the create
    hooks add (``hook.bulk_prepare`` before the insert, ``hook.bulk_apply`` after it), the conflicts each new
    project meets with the open projects before it (those stored and those earlier in ``projects``), their
    owners' notifications, the checklist scores — written set-wise, so the queries do not grow with the
    projects. ``projects`` are unsaved and checked by ``project_prepare`` (with ``data``, what each was
    prepared with); like an import's they have no procurement items, committee or customer-side lead yet,
    so their checklist is scored before the insert. Their customers are locked, as ``project_create``
    locks each. Answers ``projects``, saved."""
    if not projects:
        return []
    if any(project.lead_contact_id for project in projects):
        raise ValueError("projects_bulk_create makes projects without a customer-side lead")
    customer_ids = sorted({project.customer_id for project in projects})
    list(Customer.objects.select_for_update().filter(pk__in=customer_ids).order_by("pk").values_list("pk"))
    for project in projects:
        project.normalize()
    for hook in PROJECT_CREATE_HOOKS:
        hook.bulk_prepare(user=user, projects=projects, data=data)
    items = list(ChecklistItem.objects.filter(is_active=True))
    for project in projects:
        # A project not saved yet has no rows of its own: every rule answers from the project's fields.
        project._prefetched_objects_cache = {name: [] for name in ("ticks", *checklist.RELATED)}
        project.checklist_score = checklist.score(checklist.evaluate(project, items))
        del project._prefetched_objects_cache
    Project.objects.bulk_create(projects, batch_size=BULK_BATCH_SIZE)
    history_rows_insert(Project, [project.pk for project in projects], user=user)
    for hook in PROJECT_CREATE_HOOKS:
        hook.bulk_apply(user=user, projects=projects, data=data)
    _detect_conflicts_of_new(projects)
    return projects


def _detect_conflicts_of_new(projects: list[Project]) -> list[Conflict]:
    """``project_detect_conflicts`` for each of the new ``projects`` in turn, set-wise: each meets the open
    projects of its customer stored before it. A new project has no committee, so no contact is shared;
    and no conflict of it exists yet, so none is retired and no other transaction can record one first."""
    order = {project.pk: index for index, project in enumerate(projects)}
    by_customer: dict[int, list[Project]] = {}
    # Only what a conflict and its notifications read; the owners apart, one instance per user.
    stored = Project.objects.open().filter(customer_id__in={p.customer_id for p in projects})
    for other in stored.only("id", "customer_id", "name", "normalized_name", "owner_id").order_by("pk"):
        by_customer.setdefault(other.customer_id, []).append(other)
    owners = {project.owner_id: project.owner for project in projects}
    missing = {other.owner_id for others in by_customer.values() for other in others} - set(owners)
    owners.update((user.pk, user) for user in User.objects.filter(pk__in=missing))
    for others in by_customer.values():
        for other in others:
            other.owner = owners[other.owner_id]
    conflicts = []
    for project in projects:
        if not project.is_open:
            continue
        for other in by_customer.get(project.customer_id, []):
            if other.pk == project.pk or order.get(other.pk, -1) > order[project.pk]:
                continue  # itself, or a project of this batch created after it
            if _names_alike(project.normalized_name, other.normalized_name):
                kind = ConflictKind.DUPLICATE_PROJECT
            elif other.owner_id != project.owner_id:
                kind = ConflictKind.SHARED_CUSTOMER
            else:
                continue
            low, high = sorted([project.pk, other.pk])
            conflicts.append(
                Conflict(key=f"{kind}:{low}-{high}:", kind=kind, project_a=project, project_b=other, contact_id=None)
            )
    Conflict.objects.bulk_create(conflicts, batch_size=BULK_BATCH_SIZE)
    notify_many(
        kind=NotificationKind.CONFLICT,
        rows=[
            {
                "user": mine.owner,
                "target": mine,
                "due_on": None,
                "data": {"project": mine.name, "other": other.owner.name},
            }
            for conflict in conflicts
            for mine, other in ((conflict.project_a, conflict.project_b), (conflict.project_b, conflict.project_a))
        ],
    )
    return conflicts


def _check_not_in_future(project: Project):
    if project.opened_at and project.opened_at > timezone.now():
        raise DomainError({"opened_at": _("The project cannot enter the funnel in the future.")})


def _locked_project(project: Project) -> Project:
    _lock_customer(project.customer_id)
    return Project.objects.select_for_update().select_related("customer", "owner").get(pk=project.pk)


@transaction.atomic
def project_update(
    *, user: User, project: Project, data: dict, version: int | None = None, lead_contact=...
) -> Project:
    """Change basic fields; a stale ``version`` raises ConflictError (409) and writes nothing."""
    locked = _locked_project(project)
    check_version(
        current=locked.version, expected=version, current_data={f: getattr(locked, f) for f in PROJECT_FIELDS}
    )
    for field, value in data.items():
        if field in PROJECT_FIELDS:
            setattr(locked, field, value)
    if lead_contact is not ...:
        locked.lead_contact = lead_contact
    validated(locked, exclude=["customer", "owner", "team", "lead_contact"])
    _check_lead_contact(locked)
    locked.version = F("version") + 1
    locked._history_user = user
    locked.save()
    locked.refresh_from_db()
    project_detect_conflicts(project=locked)
    project_refresh_checklist(project=locked)
    return locked


@transaction.atomic
def project_transfer(*, user: User, project: Project, to_user: User, reason: str) -> Project:
    """Lead (within the team) or admin moves a project to another owner, with the reason."""
    locked = _locked_project(project)
    from_user = locked.owner
    locked = record_hand_over(user=user, record=locked, to_user=to_user, reason=reason)
    OwnerChange.objects.create(
        project=locked, from_user=from_user, to_user=to_user, changed_by=user, reason=reason.strip()
    )
    project_detect_conflicts(project=locked)
    return locked


# --- procurement list, milestones, committee, checklist -----------------------------------------


@transaction.atomic
def procurement_item_save(
    *, user: User, project: Project, data: dict, item: ProcurementItem | None = None
) -> ProcurementItem:
    item = item or ProcurementItem(project=project)
    for field in ("item", "quantity", "unit", "unit_price", "notes"):
        if field in data:
            setattr(item, field, data[field] if data[field] is not None else "")
    validated(item, exclude=["project"])
    item.save()
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    project_refresh_checklist(project=project)
    return item


@transaction.atomic
def procurement_item_delete(*, user: User, item: ProcurementItem) -> None:
    project = item.project
    item.delete()
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    project_refresh_checklist(project=project)


@transaction.atomic
def milestone_save(*, user: User, project: Project, data: dict, milestone: Milestone | None = None) -> Milestone:
    """Create or change a milestone (a key date of the customer's process, or a
    step of our own). Every change of the planned date is kept; a later date is
    a slip. ``attendees`` (people present) must be the customer's."""
    if milestone is not None:
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
    milestone = milestone or Milestone(project=project)
    planned_before = milestone.due_on if milestone.pk else None
    for field in ("kind", "name", "due_on", "done_on"):
        if field in data:
            setattr(milestone, field, data[field] if data[field] is not None or field == "done_on" else "")
    attendees = data.get("attendees")
    errors = collect_errors(partial(validated, milestone, exclude=["project"]))
    if attendees and any(contact.customer_id != project.customer_id for contact in attendees):
        errors["attendees"] = [_("Choose people of this project's customer.")]
    if errors:
        raise DomainError(errors)
    milestone.save()
    if attendees is not None:
        milestone.attendees.set(attendees)
    if milestone.due_on != planned_before:
        MilestoneChange.objects.create(
            milestone=milestone, old_due_on=planned_before, new_due_on=milestone.due_on, changed_by=user
        )
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    project_refresh_checklist(project=project)
    return milestone


@transaction.atomic
def milestone_delete(*, user: User, milestone: Milestone) -> None:
    project = milestone.project
    milestone.delete()
    project_refresh_checklist(project=project)


@transaction.atomic
def stakeholder_save(
    *,
    user: User,
    project: Project,
    contact: Contact | None = None,
    new_contact: dict | None = None,
    role: str,
    stance: str,
    notes: str = "",
    stakeholder: Stakeholder | None = None,
) -> Stakeholder:
    """Put a person of the customer on the buying committee (a new one is
    created on the customer first); a contact shared with another owner's open
    project raises a conflict."""
    locked = _locked_project(project)
    if stakeholder is None:
        if contact is None and new_contact:
            contact = account_services.contact_create(user=user, customer=locked.customer, data=new_contact)
        if contact is None:
            raise DomainError({"contact": _("Choose a person or enter a new one.")})
        if contact.customer_id != locked.customer_id:
            raise DomainError({"contact": _("Choose a person of this project's customer.")})
        if Stakeholder.objects.filter(project=locked, contact=contact).exists():
            raise DomainError({"contact": _("This person is already on the project.")})
        stakeholder = Stakeholder(project=locked, contact=contact)
    stakeholder.role, stakeholder.stance, stakeholder.notes = role, stance, notes or ""
    validated(stakeholder, exclude=["project", "contact"] if stakeholder.pk else None)
    stakeholder.save()
    project_detect_conflicts(project=locked)
    project_refresh_checklist(project=locked)
    return stakeholder


@transaction.atomic
def stakeholder_delete(*, user: User, stakeholder: Stakeholder) -> None:
    project = stakeholder.project
    stakeholder.delete()
    project_refresh_checklist(project=project)


@transaction.atomic
def checklist_tick(*, user: User, project: Project, item: ChecklistItem, done: bool) -> None:
    """Tick or untick a hand-ticked item; derived items follow the data."""
    if item.rule:
        raise DomainError({"item": _("This item is ticked automatically when the data is there.")})
    if done:
        ChecklistTick.objects.get_or_create(project=project, item=item, defaults={"ticked_by": user})
    else:
        ChecklistTick.objects.filter(project=project, item=item).delete()
    project_refresh_checklist(project=project)


def checklist_scores_refresh(*, chunk_size: int = 5_000, run=None) -> int:
    """Recompute every project's stored checklist score after the checklist itself
    changed (background job ``projects.checklist_scores``). Projects go in chunks of
    ``chunk_size`` by id, each chunk its own transaction with one bulk UPDATE of the
    changed scores, so a million projects never sit in one request, transaction or
    list. ``run`` (a ``teams.jobs.JobRun``) gets the progress and may stop the work
    between chunks (each chunk is complete on its own). Answers how many scores changed."""
    items = list(ChecklistItem.objects.filter(is_active=True))
    count, last_pk = 0, 0
    if run is not None:
        run.set_total(Project.objects.count(), _("Recomputing project checklist scores"))
    while True:
        if run is not None:
            run.check_cancel()
        with transaction.atomic():
            chunk = list(Project.objects.filter(pk__gt=last_pk).order_by("pk")[:chunk_size])
            if not chunk:
                return count
            changed = []
            for project in chunk:
                value = checklist.score(checklist.evaluate(project, items))
                if value != project.checklist_score:
                    project.checklist_score = value
                    changed.append(project)
            Project.objects.bulk_update(changed, ["checklist_score"], batch_size=1_000)
        count += len(changed)
        last_pk = chunk[-1].pk
        if run is not None:
            run.advance(len(chunk))


def checklist_scores_job(run) -> dict:
    """The runner of the ``projects.checklist_scores`` background job."""
    changed = checklist_scores_refresh(run=run)
    return {
        "changed": changed,
        "summary": [
            ngettext(
                "%(count)d project checklist score changed.", "%(count)d project checklist scores changed.", changed
            )
            % {"count": changed}
        ],
    }


def checklist_scores_schedule(*, actor):
    """Queue the recompute as a background job once the current transaction commits;
    answers the job. The checklist change is saved even if the broker is down then
    (logged, not raised); the next change of the checklist queues the recompute again."""
    from teams.jobs import job_create

    return job_create(kind="projects.checklist_scores", created_by=actor)


# --- conflict resolution and merge -------------------------------------------------------------


def _check_can_resolve(user: User, conflict: Conflict):
    teams = {conflict.project_a.team_id, conflict.project_b.team_id}
    if not (user.is_admin or (user.is_lead and user.team_id in teams)):
        raise DomainError(_("Only a lead of one of the teams involved, or an admin, can resolve this conflict."))


@transaction.atomic
def conflict_resolve(
    *,
    user: User,
    conflict: Conflict,
    resolution: str,
    owner: User | None = None,
    keep: Project | None = None,
    note: str = "",
) -> Conflict:
    """Resolve as: one owner for both projects, genuinely separate, or merged
    (``keep`` survives). The resolution is recorded with who and when."""
    conflict = Conflict.objects.select_for_update().select_related("project_a", "project_b").get(pk=conflict.pk)
    _check_can_resolve(user, conflict)
    if conflict.is_resolved:
        raise DomainError(_("This conflict was already resolved."))
    if resolution not in Resolution.values:
        raise DomainError({"resolution": _("Choose how to resolve the conflict.")})
    a, b = conflict.project_a, conflict.project_b
    reason = _("Conflict #%(id)s resolved: %(how)s") % {"id": conflict.pk, "how": Resolution(resolution).label}
    if note:
        reason = f"{reason}. {note}"[: OwnerChange._meta.get_field("reason").max_length]
    if resolution == Resolution.ASSIGN_OWNER:
        if owner is None or owner.pk not in {a.owner_id, b.owner_id}:
            raise DomainError({"owner": _("Choose one of the two owners.")})
        moving = [project for project in (a, b) if project.owner_id != owner.pk]
        if any(not manages_team_of(user=user, record=project) for project in moving):
            raise DomainError(
                {
                    "owner": _(
                        "A project of another team can only change hands by an admin; mark the conflict as "
                        "separate, or ask an admin."
                    )
                }
            )
        for project in (a, b):
            if project.owner_id != owner.pk:
                project_transfer(user=user, project=project, to_user=owner, reason=reason)
    elif resolution == Resolution.MERGED:
        if keep is None or keep.pk not in {a.pk, b.pk}:
            raise DomainError({"keep": _("Choose which of the two projects to keep.")})
        source = b if keep.pk == a.pk else a
        merged = _("(merged #%(id)s %(name)s)") % {"id": source.pk, "name": source.name}
        note = " ".join(filter(None, [note, merged]))[: Conflict._meta.get_field("resolution_note").max_length]
        # The record survives the merged project: it now points at the kept one only.
        conflict.project_a = conflict.project_b = keep
        conflict.save(update_fields=["project_a", "project_b"])
        project_merge(user=user, target=keep, source=source, reason=reason)
    elif resolution != Resolution.SEPARATE:
        raise DomainError({"resolution": _("Choose how to resolve the conflict.")})
    conflict.resolution = resolution
    conflict.resolved_by = user
    conflict.resolved_at = timezone.now()
    conflict.resolution_note = note or ""
    conflict.save(update_fields=["resolution", "resolved_by", "resolved_at", "resolution_note"])
    return conflict


@transaction.atomic
def project_merge(*, user: User, target: Project, source: Project, reason: str = "") -> Project:
    """Move the source's procurement items, committee, milestones, ticks and owner
    history into the target, let later apps move theirs (``PROJECT_MERGE_HOOKS``),
    and delete the source."""
    source_id, source_name = source.pk, source.name
    if target.pk == source.pk or target.customer_id != source.customer_id:
        raise DomainError(_("Only two different projects of the same customer can be merged."))
    if not manages_team_of(user=user, record=source):
        # The merged-away project disappears: only its own team's lead or an admin may do that.
        raise DomainError(
            {"keep": _("Only the lead of the team whose project is merged away, or an admin, can merge.")}
        )
    _lock_customer(target.customer_id)
    on_target = set(Stakeholder.objects.filter(project=target).values_list("contact_id", flat=True))
    Stakeholder.objects.filter(project=source, contact_id__in=on_target).delete()
    ticked = set(ChecklistTick.objects.filter(project=target).values_list("item_id", flat=True))
    ChecklistTick.objects.filter(project=source, item_id__in=ticked).delete()
    # A key date both projects have stays the target's; the source's becomes a named step.
    target_kinds = set(
        Milestone.objects.filter(project=target).exclude(kind=MilestoneKind.OTHER).values_list("kind", flat=True)
    )
    for milestone in Milestone.objects.filter(project=source, kind__in=target_kinds):
        milestone.name = f"{milestone.get_kind_display()}{bracketed('#%s' % source.pk)}"[:100]
        milestone.kind = MilestoneKind.OTHER
        milestone.save(update_fields=["name", "kind"])
    for model in (ProcurementItem, Stakeholder, Milestone, ChecklistTick, OwnerChange):
        model._base_manager.filter(project=source).update(project=target)
    for hook in PROJECT_MERGE_HOOKS:
        hook(user=user, target=target, source=source)
    Conflict.objects.filter(Q(project_a=source) | Q(project_b=source)).delete()
    source._history_user = user
    source._change_reason = reason or f"merged into #{target.pk}"
    source.delete()
    target = Project.objects.get(pk=target.pk)
    target._history_user = user
    target._change_reason = reason or f"merged #{source.pk}"
    target.version = F("version") + 1
    target.save()
    target.refresh_from_db()
    project_refresh_checklist(project=target)
    audit_merge(user=user, target=target, source_id=source_id, source_name=source_name)
    return target
