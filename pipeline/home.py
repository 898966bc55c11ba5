"""My day on the start page (registered in pipeline.apps): a rep's start page
is their day; a lead's shows the team's day per rep."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from pipeline.views.my_day import Day


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
