"""Reads with a business rule about projects, used by the pages and the API:
the list's annotations, the conflicts a project is part of, the conflict queue
and what of a conflict's two sides the requester may open, the customer a new
project may be created on, the committee picker, and the projects block of a
customer's page."""

from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import Contact, Customer
from projects.models import Conflict, ProcurementItem, Project


def _procurement_total():
    return Sum(F("quantity") * F("unit_price"), output_field=models.DecimalField())


def _open_conflict_exists():
    """``Exists`` of an unresolved conflict involving the outer project."""
    return Exists(Conflict.objects.unresolved().filter(Q(project_a=OuterRef("pk")) | Q(project_b=OuterRef("pk"))))


def project_list_rows(*, queryset):
    """The list page's rows: customer and owner joined, and whether an open conflict exists (one query)."""
    return queryset.select_related("customer", "owner").annotate(has_conflict=_open_conflict_exists())


def project_api_rows():
    """The API's projects: the customer joined and the procurement total as a subquery, so a page
    costs the same queries whatever its size (scoping is applied by the viewset)."""
    total = Subquery(
        ProcurementItem.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=_procurement_total())
        .values("total")[:1],
        output_field=models.DecimalField(),
    )
    return Project.objects.select_related("customer", "owner").annotate(
        procurement_sum=Coalesce(total, Value(0), output_field=models.DecimalField())
    )


def projects_attach_procurement_totals(*, projects) -> None:
    """Projects not loaded through ``project_api_rows`` (just created or saved) get their total here."""
    missing = [project for project in projects if not hasattr(project, "procurement_sum")]
    if not missing:
        return
    totals = dict(
        ProcurementItem.objects.filter(project__in=missing)
        .values("project")
        .annotate(total=_procurement_total())
        .values_list("project", "total")
    )
    for project in missing:
        project.procurement_sum = totals.get(project.pk) or 0


def project_ids_visible_to(*, user, ids) -> set[int]:
    """Which of these projects the user may open (one query; none for no ids)."""
    if not ids:
        return set()
    return set(Project.objects.visible_to(user).filter(pk__in=ids).order_by().values_list("pk", flat=True))


def projects_attach_open_conflicts(*, projects, user) -> None:
    """Set ``_open_conflicts`` on each project: two queries for any number of projects.
    The other project is named only by its owner, and by id when ``user`` may open it."""
    by_project = {project.pk: [] for project in projects}
    if not by_project:
        return
    conflicts = list(
        Conflict.objects.unresolved()
        .filter(Q(project_a_id__in=by_project) | Q(project_b_id__in=by_project))
        .select_related("project_a__owner", "project_b__owner")
        .order_by("created_at", "id")
    )
    pairs = [
        (conflict, side, other)
        for conflict in conflicts
        for side, other in ((conflict.project_a, conflict.project_b), (conflict.project_b, conflict.project_a))
        if side.pk in by_project and side.pk != other.pk
    ]
    others = {other.pk for _conflict, _side, other in pairs}
    visible = project_ids_visible_to(user=user, ids=others)
    for conflict, side, other in pairs:
        by_project[side.pk].append(
            {
                "id": conflict.pk,
                "kind": conflict.kind,
                "other_owner_name": other.owner.name,
                "other_project": other.pk if other.pk in visible else None,
            }
        )
    for project in projects:
        project._open_conflicts = by_project[project.pk]


def project_conflicts(*, project: Project, user) -> list[Conflict]:
    """Every conflict the project is part of, open ones first, each with ``other`` set to the
    other project and ``other_openable`` to whether ``user`` may open it (else it is named
    only by its owner)."""
    conflicts = list(
        Conflict.objects.filter(Q(project_a=project) | Q(project_b=project))
        .select_related("project_a__owner", "project_b__owner", "contact", "resolved_by")
        .order_by("resolved_at", "-created_at")
    )
    for conflict in conflicts:
        conflict.other = conflict.other_project(project)
    openable = project_ids_visible_to(user=user, ids={conflict.other.pk for conflict in conflicts})
    for conflict in conflicts:
        conflict.other_openable = conflict.other.pk in openable
    return conflicts


def customer_for_new_project(*, user, customer_id) -> Customer | None:
    """A customer the user sees, or one a duplicate warning disclosed to them; None otherwise."""
    if not str(customer_id or "").isdigit():
        return None
    return Customer.objects.attachable_by(user).filter(pk=int(customer_id)).select_related("owner").first()


def customer_is_visible(*, user, customer_id: int) -> bool:
    """Whether the user may open the customer's page (a customer reached only through a
    duplicate warning is shown by name, not linked)."""
    return Customer.objects.visible_to(user).filter(pk=customer_id).exists()


def customer_projects(*, user, customer: Customer) -> tuple[list[Project], list[dict]]:
    """The projects block of a customer's page: the user's visible projects on it (with the
    open-conflict flag), and for the open projects the user cannot see, only who owns how many."""
    mine = list(
        Project.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("owner")
        .annotate(has_conflict=_open_conflict_exists())
        .order_by("closed_at", "-updated_at")
    )
    others = (
        Project.objects.open()
        .filter(customer=customer)
        .exclude(pk__in={project.pk for project in mine})
        .values("owner__display_name", "owner__username")
        .annotate(count=Count("pk"))
    )
    other_owners = [
        {"name": row["owner__display_name"] or row["owner__username"], "count": row["count"]} for row in others
    ]
    return mine, other_owners


def committee_candidates(*, user, project):
    """People ``user`` may put on ``project``'s buying committee: those of the
    project's own customer whom they see (all of them on a customer of their
    own scope; on someone else's, those on their committees)."""
    return Contact.objects.of_customer_visible_to(project.customer, user)


def project_people(*, user, project) -> list[Contact]:
    """The project's customer's current people ``user`` sees, by name (one query): the
    committee picker's choices; the project page leaves them in
    ``project.page_rows["people"]`` so its other sections (the pipeline's key dates and
    contact log) do not read them again."""
    return list(committee_candidates(user=user, project=project).filter(has_left=False).order_by("name", "id"))


def conflict_queue(*, user):
    """Conflicts touching the user's own scope, with what the queue shows of them.

    For a lead or rep the scope's ids are read first (one index-backed query): given
    the ``pk IN (… UNION …)`` directly, PostgreSQL joined every conflict of the
    company to its projects, owners, customer and contact before keeping the team's
    few (94 ms at 2,520 conflicts, growing with the company); with the ids it is a
    handful of primary-key lookups."""
    scoped = Conflict.objects.visible_to(user)
    if not user.is_admin:
        scoped = Conflict.objects.filter(pk__in=list(scoped.values_list("pk", flat=True)))
    return scoped.select_related(
        "project_a__owner", "project_a__customer", "project_b__owner", "contact", "resolved_by"
    )


def conflict_sides_mark(conflicts, *, user) -> None:
    """Set ``sides`` on each conflict: its projects (once, if a merge left one),
    those ``user`` may open first, each as ``{"project", "openable", "side"}``.
    A side one may not open is named only by its owner, and a form picks it by
    ``side`` (``a``/``b``), not by its id. One query for any number of conflicts."""
    ids = {pk for conflict in conflicts for pk in (conflict.project_a_id, conflict.project_b_id)}
    visible = project_ids_visible_to(user=user, ids=ids)
    for conflict in conflicts:
        # A merged conflict points at the kept project twice.
        sides = [conflict.project_a]
        if conflict.project_b_id != conflict.project_a_id:
            sides.append(conflict.project_b)
        conflict.sides = [
            {"project": project, "openable": project.pk in visible, "side": side}
            for project, side in sorted(zip(sides, "ab", strict=False), key=lambda pair: pair[0].pk not in visible)
        ]
