from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from teams.models import Role

ALL = (Role.REP, Role.LEAD, Role.ADMIN)

# (url name, label, roles). An entry shows once its app provides the URL, so
# later apps add their pages here without touching the layout.
NAVIGATION = [
    ("home", {Role.REP: _("My day"), Role.LEAD: _("My team"), Role.ADMIN: _("Overview")}, ALL),
    ("pipeline:my_day", _("Team's day"), (Role.LEAD, Role.ADMIN)),
    ("accounts:customer_list", _("Customers"), ALL),
    ("projects:project_list", _("Projects"), ALL),
    ("pipeline:board", _("Board"), ALL),
    ("projects:conflict_list", _("Conflicts"), (Role.LEAD, Role.ADMIN)),
    ("coaching:dashboard", _("Team dashboard"), (Role.LEAD, Role.ADMIN)),
    ("coaching:me", _("My funnel"), (Role.REP,)),
    ("coaching:trend", {Role.REP: _("My trend"), Role.LEAD: _("Trend"), Role.ADMIN: _("Trend")}, ALL),
    ("coaching:review", _("Weekly review"), (Role.LEAD, Role.ADMIN)),
    ("coaching:targets", _("Targets"), (Role.LEAD, Role.ADMIN)),
    ("coaching:note_list", _("Coaching notes"), (Role.LEAD, Role.ADMIN)),
    ("coaching:note_mine", _("My coaching"), (Role.REP,)),
    ("teams:team_list", _("Teams"), (Role.ADMIN,)),
    ("teams:user_list", _("Users"), (Role.ADMIN,)),
    ("pipeline:settings", _("Pipelines"), (Role.ADMIN,)),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for url_name, label, roles in NAVIGATION:
        if user.role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        if isinstance(label, dict):
            label = label[user.role]
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"navigation": items}
