"""The projects part of the start page (registered in projects.apps)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

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
        in_conflict = Q(pk__in=conflicts.values("project_a")) | Q(pk__in=conflicts.values("project_b"))
        # The same rows as the project list and its "with a conflict" filter, which the figures link to.
        counts = Project.objects.visible_to(user).aggregate(
            total=Count("pk"), conflicted=Count("pk", filter=in_conflict)
        )
        list_url = reverse("projects:project_list")
        section["stats"] = [
            {"value": counts["total"], "label": _("My projects"), "url": list_url},
            {
                "value": counts["conflicted"],
                "label": _("Projects in a conflict"),
                "url": f"{list_url}?has_conflict=true",
            },
        ]
        mine = Project.objects.visible_to(user).open()
        section["conflicted"] = mine.filter(in_conflict).select_related("customer")[:5]
        section["to_complete"] = (
            mine.filter(checklist_score__lt=60)
            .select_related("customer")
            .order_by("checklist_score", "-updated_at")[:5]
        )
    return section
