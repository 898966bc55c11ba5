"""My day on the start page (registered in pipeline.apps): a rep's start page
is their day; a lead's shows the team's day per rep."""

from datetime import timedelta

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from pipeline import services
from pipeline.views.my_day import Day
from projects.models import Project
from teams.company_settings import company_settings


def my_day_section(request):
    user = request.user
    if user.is_admin:
        return None
    day = Day(request)
    if not user.is_rep:
        return {"template": "pipeline/includes/home_team_day.html", "day": day}
    return {"template": "pipeline/includes/home_my_day.html", "day": day, "quick_actions": [log_contact_action(day)]}


def log_contact_action(day: Day) -> dict:
    """ "Log contact": the first overdue row's form in the dialog (the standalone
    page for that project without JavaScript), or the page to pick a project."""
    overdue = day.sections[0]["rows"]
    url = reverse("pipeline:activity_create")
    if not overdue:
        return {"url": f"{url}?{urlencode({'next': day.url})}", "label": _("Log contact"), "icon": "✎"}
    first = overdue[0]
    return {
        "url": f"{url}?{urlencode({'project': first.pk, 'next': day.url})}",
        "label": _("Log contact"),
        "icon": "✎",
        "hx_get": reverse("pipeline:my_day_log", args=[first.pk]),
        "hx_target": "#log-contact",
    }


ESCALATIONS_SHOWN = 10


def escalations_section(request):
    """A lead's start page: the team's next contacts overdue by more than
    the escalation days of /settings/ (the ones the reminder pass escalated), oldest first."""
    user = request.user
    if not user.is_lead:
        return None
    today = services.today()
    days = company_settings().escalation_days
    overdue = (
        Project.objects.visible_to(user)
        .open()
        .filter(next_contact_on__lt=today - timedelta(days=days))
        .select_related("owner", "customer")
        .order_by("next_contact_on", "pk")
    )
    rows = list(overdue[: ESCALATIONS_SHOWN + 1])
    for project in rows:
        project.days_overdue = (today - project.next_contact_on).days
    return {
        "template": "pipeline/includes/home_escalations.html",
        "rows": rows[:ESCALATIONS_SHOWN],
        "more": len(rows) > ESCALATIONS_SHOWN,
        "days": days,
    }
