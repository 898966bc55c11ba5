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
    ("pools:pool_list", _("Pool"), ALL),
    ("projects:conflict_list", _("Conflicts"), (Role.LEAD, Role.ADMIN)),
    # One entry for the coaching pages (a lead's dashboard, a rep's own funnel); the
    # pages themselves are tabs under it (COACHING_TABS), active anywhere under /coaching/.
    ("coaching:dashboard", _("Coaching"), (Role.LEAD, Role.ADMIN), "/coaching/"),
    ("coaching:me", _("Coaching"), (Role.REP,), "/coaching/"),
    ("teams:team_list", _("Teams"), (Role.ADMIN,)),
    ("teams:user_list", _("Users"), (Role.ADMIN,)),
    # One entry for every settings page (company, checklist, pipelines, lost reasons, robots):
    # the pages are tabs under it (SETTINGS_TABS), active anywhere under /settings/.
    ("settings:general", _("Settings"), (Role.ADMIN,), "/settings/"),
]

# The tab bar of the settings pages (admins; under /settings/): (key, url name, label).
# A page passes ``settings_tab`` (its key) so pages deeper than a tab's URL (a stage
# of a pipeline) still mark their tab. Entries show once their app provides the URL.
SETTINGS_TABS = [
    ("general", "settings:general", _("Reminders")),
    ("checklist", "projects:settings_checklist", _("Project checklist")),
    ("pipelines", "pipeline:settings", _("Pipelines and stages")),
    ("lost_reasons", "pipeline:settings_lost_reasons", _("Lost reasons")),
    ("robots", "settings:robots", _("Chat robots")),
    ("changes", "pipeline:settings_changes", _("All changes")),
]


# The tab bar on the coaching pages (under /coaching/), same shape as NAVIGATION.
COACHING_TABS = [
    ("coaching:dashboard", _("Team dashboard"), (Role.LEAD, Role.ADMIN)),
    ("coaching:me", _("My funnel"), (Role.REP,)),
    ("coaching:trend", {Role.REP: _("My trend"), Role.LEAD: _("Trend"), Role.ADMIN: _("Trend")}, ALL),
    ("coaching:review", _("Weekly review"), (Role.LEAD, Role.ADMIN)),
    ("coaching:targets", _("Targets"), (Role.LEAD, Role.ADMIN)),
    ("coaching:note_list", _("Coaching notes"), (Role.LEAD, Role.ADMIN)),
    ("coaching:note_mine", _("My coaching"), (Role.REP,)),
]


def _entries(request, entries) -> list[dict]:
    """The entries ``request.user``'s role sees, with their URL and whether the page is
    theirs (its URL, or the entry's own path prefix, starts the request's path)."""
    user = request.user
    items = []
    for url_name, label, roles, *prefix in entries:
        if user.role not in roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        if isinstance(label, dict):
            label = label[user.role]
        within = prefix[0] if prefix else url
        active = request.path == url if within == "/" else request.path.startswith(within)
        items.append({"url": url, "label": label, "active": active})
    return items


def _most_specific(items: list[dict]) -> list[dict]:
    """Keep one active tab: the longest URL that matches (/coaching/ vs /coaching/notes/mine/)."""
    active = [item for item in items if item["active"]]
    if len(active) > 1:
        keep = max(active, key=lambda item: len(item["url"]))
        for item in active:
            item["active"] = item is keep
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"navigation": _entries(request, NAVIGATION)}
    try:
        coaching = reverse("coaching:dashboard")
    except NoReverseMatch:
        coaching = None
    if coaching and request.path.startswith(coaching):
        context["coaching_tabs"] = _most_specific(_entries(request, COACHING_TABS))
    if user.is_admin and request.path.startswith("/settings/"):
        context["settings_tabs"] = settings_tabs(request)
    return context


def settings_tabs(request) -> list[dict]:
    tabs = []
    for key, url_name, label in SETTINGS_TABS:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        tabs.append({"key": key, "url": url, "label": label, "active": request.path == url})
    return tabs
