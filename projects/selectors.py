"""Reads with a business rule on projects: the conflict queue and what of a
conflict's two sides the requester may open (pages and API share them)."""

from accounts.models import Contact
from projects.models import Conflict, Project


def committee_candidates(*, user, project):
    """People ``user`` may put on ``project``'s buying committee: those of the
    project's own customer whom they see (all of them on a customer of their
    own scope; on someone else's, those on their committees)."""
    return Contact.objects.visible_to(user).filter(customer_id=project.customer_id)


def conflict_queue(*, user):
    """Conflicts touching the user's own scope, with what the queue shows of them."""
    return Conflict.objects.visible_to(user).select_related(
        "project_a__owner", "project_a__customer", "project_b__owner", "contact", "resolved_by"
    )


def conflict_sides_mark(conflicts, *, user) -> None:
    """Set ``sides`` on each conflict: its projects (once, if a merge left one),
    those ``user`` may open first, each as ``{"project", "openable", "side"}``.
    A side one may not open is named only by its owner, and a form picks it by
    ``side`` (``a``/``b``), not by its id. One query for any number of conflicts."""
    ids = {pk for conflict in conflicts for pk in (conflict.project_a_id, conflict.project_b_id)}
    visible = set(Project.objects.visible_to(user).filter(pk__in=ids).order_by().values_list("pk", flat=True))
    for conflict in conflicts:
        # A merged conflict points at the kept project twice.
        sides = [conflict.project_a]
        if conflict.project_b_id != conflict.project_a_id:
            sides.append(conflict.project_b)
        conflict.sides = [
            {"project": project, "openable": project.pk in visible, "side": side}
            for project, side in sorted(zip(sides, "ab", strict=False), key=lambda pair: pair[0].pk not in visible)
        ]
