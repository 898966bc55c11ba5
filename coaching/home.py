"""The rep's own funnel on the rep's start page (registered in coaching.apps):
this month's steps against the team's median and the step to practise."""

from django.utils import timezone

from coaching.funnel import DEFAULT_PERIOD, named_period
from coaching.rep_view import RepView
from pipeline import services


def my_funnel_section(request):
    user = request.user
    if not user.is_rep or user.team_id is None:
        return None
    today = services.today()
    view = RepView(rep=user, period=named_period(DEFAULT_PERIOD, today), today=today, now=timezone.now())
    return {"template": "coaching/includes/home_my_funnel.html", "view": view}
