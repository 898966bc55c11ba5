"""Book transfer: move a rep's customers and their open projects to other reps in one
all-or-nothing step (issue 12, point 2). ``POST /api/v1/transfers/`` and the transfer
page call :func:`book_transfer`; big books run it as the background job
``projects.book_transfer``."""

from collections import defaultdict
from itertools import cycle

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Customer
from accounts.services import customers_owner_changed
from projects.models import OwnerChange, Project
from teams.audit import audit_record
from teams.audit_models import AuditAction
from teams.errors import DomainError
from teams.models import Role, User
from teams.notifications.models import NotificationKind
from teams.notifications.services import notify

MODES = ("round_robin", "by_region", "by_hand")
FILTERS = ("level", "region", "industry", "stage")
BATCH = 500
# Through the API a transfer of more customers than this runs as the background job the page starts (202).
JOB_THRESHOLD = 1000


def transfer_may(*, actor: User) -> bool:
    return actor.is_active and (actor.is_admin or (actor.is_lead and actor.team_id is not None))


def _check_people(*, actor: User, from_user: User, to_users: list[User]) -> None:
    if not transfer_may(actor=actor):
        raise DomainError(_("Only an admin, or a lead within the own team, can transfer a book."))
    if actor.is_lead and from_user.team_id != actor.team_id:
        raise DomainError({"from_user": _("A lead transfers books within the own team only.")})
    if not to_users:
        raise DomainError({"to_users": _("Choose at least one new owner.")})
    for user in to_users:
        if user.pk == from_user.pk:
            raise DomainError({"to_users": _("The new owners must be other people than the current one.")})
        if not user.is_active:
            raise DomainError({"to_users": _("%(name)s is inactive and cannot own records.") % {"name": user.name}})
        if user.role == Role.ADMIN:
            raise DomainError({"to_users": _("Customers and projects are owned by reps or leads: choose one.")})
        if actor.is_lead and user.team_id != actor.team_id:
            raise DomainError({"to_users": _("%(name)s is not in your team.") % {"name": user.name}})


def transfer_selection(*, actor: User, from_user: User, customers=None, filters=None):
    """The customers of ``from_user`` that would move (a queryset), narrowed by ids and filters."""
    selection = Customer.objects.editable_by(actor).filter(owner=from_user)
    if customers is not None:
        ids = {int(pk) for pk in customers}
        found = set(selection.filter(pk__in=ids).values_list("pk", flat=True))
        if ids - found:
            raise DomainError(
                {"customers": _("Some of these customers are not owned by %(name)s.") % {"name": from_user.name}}
            )
        selection = selection.filter(pk__in=ids)
    filters = {key: value for key, value in (filters or {}).items() if value not in (None, "", [])}
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise DomainError({"filters": _("Unknown filter: %(name)s.") % {"name": ", ".join(sorted(unknown))}})
    if "level" in filters:
        selection = selection.filter(level=filters["level"])
    if "industry" in filters:
        selection = selection.filter(industry=filters["industry"])
    if "region" in filters:
        selection = selection.filter(province=filters["region"])
    if "stage" in filters:
        # Stages belong to the pipeline app; a lookup by name keeps this app free of it.
        selection = selection.filter(
            projects__owner=from_user, projects__closed_at__isnull=True, projects__state__stage_id=filters["stage"]
        ).distinct()
    return selection.order_by("pk")


def _assign(rows: list[Customer], to_users: list[User], mode: str, assignments) -> dict[int, User]:
    if mode not in MODES:
        raise DomainError({"mode": _("Choose round robin, by region or by hand.")})
    if mode == "round_robin":
        return {customer.pk: user for customer, user in zip(rows, cycle(to_users), strict=False)}
    if mode == "by_region":
        # Whole provinces go to one owner each, the biggest first to whoever has fewest so far.
        by_province = defaultdict(list)
        for customer in rows:
            by_province[customer.province].append(customer)
        load = {user.pk: 0 for user in to_users}
        users = {user.pk: user for user in to_users}
        result = {}
        for _province, group in sorted(by_province.items(), key=lambda item: (-len(item[1]), item[0])):
            target = min(load, key=lambda pk: (load[pk], pk))
            load[target] += len(group)
            result.update({customer.pk: users[target] for customer in group})
        return result
    users = {user.pk: user for user in to_users}
    assignments = {int(k): int(v) for k, v in (assignments or {}).items()}
    result = {}
    for customer in rows:
        target = assignments.get(customer.pk)
        if target is None:
            raise DomainError({"assignments": _("Choose a new owner for %(name)s.") % {"name": customer.name}})
        if target not in users:
            raise DomainError({"assignments": _("Assign %(name)s to one of the new owners.") % {"name": customer.name}})
        result[customer.pk] = users[target]
    return result


def _move(model, rows, plan, *, actor, reason, now):
    """One UPDATE per new owner (owner, team, version + 1) for the locked ``rows``, and
    their history rows in bulk, each naming ``actor`` and ``reason``."""
    by_owner = defaultdict(list)
    for row in rows:
        row.owner = plan[row.pk]
        row.team_id = row.owner.team_id
        row.version += 1
        row.updated_at = now
        by_owner[row.owner].append(row.pk)
    for owner, pks in by_owner.items():
        model.objects.filter(pk__in=pks).update(
            owner=owner, team_id=owner.team_id, version=F("version") + 1, updated_at=now
        )
    model.history.bulk_history_create(
        rows, batch_size=BATCH, update=True, default_user=actor, default_change_reason=reason, default_date=now
    )


def book_transfer(
    *,
    actor: User,
    from_user: User,
    to_users: list[User],
    customers=None,
    filters=None,
    mode: str = "round_robin",
    assignments=None,
    reason: str,
    dry_run: bool = False,
    run=None,
    request=None,
    client: dict | None = None,
) -> dict:
    """Move ``from_user``'s customers (all, the ids in ``customers``, narrowed by
    ``filters``) and their open projects owned by ``from_user`` to ``to_users``.

    All or nothing: the rows are locked, so an edit running now finishes first and
    its version then no longer matches (the editor gets the usual conflict; nothing
    is lost); each moved record's history names ``actor`` and ``reason``; each new
    owner gets one notification; one audit entry records the move (with ``request``'s
    IP and user agent when there is one, or ``client``'s, which a job carries from the
    page that started it). ``dry_run`` writes nothing and answers the same
    report. ``run`` (a ``teams.jobs.JobRun``) gets progress; cancelling is honoured
    only before the write starts."""
    reason = (reason or "").strip()
    _check_people(actor=actor, from_user=from_user, to_users=to_users)
    if not reason:
        raise DomainError({"reason": _("Say why the book changes hands.")})
    with transaction.atomic():
        selection = transfer_selection(actor=actor, from_user=from_user, customers=customers, filters=filters)
        rows = list(selection.select_for_update(of=("self",)) if not dry_run else selection)
        if not rows:
            raise DomainError(
                {"customers": _("%(name)s has no customers to transfer here.") % {"name": from_user.name}}
            )
        plan = _assign(rows, to_users, mode, assignments)
        projects = list(
            Project.objects.filter(customer__in=[c.pk for c in rows], owner=from_user, closed_at__isnull=True)
            .order_by("pk")
            .select_for_update(of=("self",))
            if not dry_run
            else Project.objects.filter(customer__in=[c.pk for c in rows], owner=from_user, closed_at__isnull=True)
        )
        project_plan = {p.pk: plan[p.customer_id] for p in projects}
        # Open projects of other owners on the moved customers: each becomes a shared customer.
        others = list(
            Project.objects.filter(customer__in=[c.pk for c in rows], closed_at__isnull=True)
            .exclude(owner=from_user)
            .values("pk", "name", "customer_id", "owner_id")
        )
        conflicts = [
            {
                "project": other["pk"],
                "name": other["name"],
                "customer": other["customer_id"],
                "owner": other["owner_id"],
            }
            for other in others
            if other["owner_id"] != plan[other["customer_id"]].pk
        ]
        report = {
            "dry_run": dry_run,
            "from_user": from_user.pk,
            "mode": mode,
            "customers": [{"id": c.pk, "name": c.name, "to_user": plan[c.pk].pk} for c in rows],
            "projects": [{"id": p.pk, "name": p.name, "to_user": project_plan[p.pk].pk} for p in projects],
            "conflicts": conflicts,
            "counts": {
                str(user.pk): {
                    "customers": sum(1 for c in rows if plan[c.pk].pk == user.pk),
                    "projects": sum(1 for p in projects if project_plan[p.pk].pk == user.pk),
                }
                for user in to_users
            },
        }
        if dry_run:
            return report
        if run is not None:
            run.set_total(len(rows) + len(projects), _("Moving customers and projects"))
            run.check_cancel()  # the last safe point: nothing is written yet
        now = timezone.now()
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            _move(Customer, batch, plan, actor=actor, reason=reason, now=now)
            customers_owner_changed(customer_ids=[c.pk for c in batch])
            if run is not None:
                run.advance(len(batch))
        for start in range(0, len(projects), BATCH):
            batch = projects[start : start + BATCH]
            _move(Project, batch, project_plan, actor=actor, reason=reason, now=now)
            if run is not None:
                run.advance(len(batch))
        OwnerChange.objects.bulk_create(
            [
                OwnerChange(project=p, from_user=from_user, to_user=project_plan[p.pk], changed_by=actor, reason=reason)
                for p in projects
            ],
            batch_size=BATCH,
        )
        audit_record(
            actor=actor,
            action=AuditAction.TRANSFER,
            target=from_user,
            summary=(
                _("%(customers)d customers and %(projects)d open projects of %(name)s moved: %(reason)s")
                % {"customers": len(rows), "projects": len(projects), "name": from_user.name, "reason": reason}
            )[:500],
            detail={
                "from_user": from_user.pk,
                "mode": mode,
                "counts": report["counts"],
                "customers": [c.pk for c in rows],
                "projects": [p.pk for p in projects],
            },
            request=request,
            client=client,
        )
        for user in to_users:
            counts = report["counts"][str(user.pk)]
            if counts["customers"]:
                record = ngettext("%(count)d customer", "%(count)d customers", counts["customers"]) % {
                    "count": counts["customers"]
                }
                notify(
                    user=user,
                    kind=NotificationKind.HANDOVER,
                    data={"record": f"{record} ({from_user.name})", "by": actor.name, "reason": reason},
                )
    return report


def book_transfer_start(
    *, actor: User, preview: dict, to_users: list[User], reason: str, assignments=None, client=None
):
    """Queue the move ``preview`` (``book_transfer``'s dry run) describes as the ``projects.book_transfer``
    job: the customers it listed, their open projects moving with them. Returns the job."""
    from teams.jobs import job_create

    return job_create(
        kind="projects.book_transfer",
        created_by=actor,
        params={
            "from_user": preview["from_user"],
            "to_users": [u.pk for u in to_users],
            "customers": [c["id"] for c in preview["customers"]],
            "mode": preview["mode"],
            "assignments": {str(k): v for k, v in (assignments or {}).items()},
            "reason": reason,
            "client": client or {},  # the audit entry names the IP and browser of who started it
        },
        total=len(preview["customers"]) + len(preview["projects"]),
    )


def book_transfer_job(run) -> dict:
    """The runner of the ``projects.book_transfer`` background job (params as the API's)."""
    params = run.params
    from_user = User.objects.get(pk=params["from_user"])
    to_users = list(User.objects.filter(pk__in=params["to_users"]))
    report = book_transfer(
        actor=run.user,
        from_user=from_user,
        to_users=to_users,
        customers=params.get("customers"),
        filters=params.get("filters"),
        mode=params.get("mode", "round_robin"),
        assignments=params.get("assignments"),
        reason=params.get("reason", ""),
        run=run,
        client=params.get("client"),
    )
    names = {user.pk: user.name for user in to_users}
    report["summary"] = [
        _("%(name)s: %(customers)d customers, %(projects)d open projects") % {"name": names[int(pk)], **counts}
        for pk, counts in report["counts"].items()
    ]
    if report["conflicts"]:
        report["summary"].append(
            ngettext("%(count)d conflict to resolve.", "%(count)d conflicts to resolve.", len(report["conflicts"]))
            % {"count": len(report["conflicts"])}
        )
    return report
