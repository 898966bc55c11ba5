"""The projects part of the start page (registered in projects.apps)."""

from django.db.models import Q

from projects.models import Conflict, Project


def projects_section(request):
    user = request.user
    if user.is_admin:
        return None
    conflicts = Conflict.objects.visible_to(user).unresolved()
    section = {
        "template": "projects/includes/home_projects.html",
        "open_conflicts": conflicts.count(),
        "is_lead": user.is_lead,
    }
    if not user.is_lead:
        mine = Project.objects.visible_to(user).open()
        section["conflicted"] = mine.filter(
            Q(pk__in=conflicts.values("project_a")) | Q(pk__in=conflicts.values("project_b"))
        ).select_related("customer")[:5]
        section["to_complete"] = (
            mine.filter(checklist_score__lt=60)
            .select_related("customer")
            .order_by("checklist_score", "-updated_at")[:5]
        )
    return section
