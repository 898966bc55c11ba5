"""What each kind of notification says. The text is rendered when it is shown
(in the reader's language) from ``Notification.data``, kept as it was when it
happened; a notification whose target the reader can no longer see says so
and shows nothing of it."""

from collections import defaultdict

from django.utils.translation import gettext_lazy as _

from teams.notifications.models import NotificationKind

TEXTS = {
    NotificationKind.OVERDUE: (
        _("Next contact overdue: %(project)s"),
        _("%(customer)s · planned for %(due)s, %(days)s day(s) ago"),
    ),
    NotificationKind.DIGEST: (
        _("Your day: %(overdue)s overdue, %(today)s due today, %(stale)s stale"),
        _("Open My day to work through them."),
    ),
    NotificationKind.TEAM_DIGEST: (
        _("Your team: %(overdue)s overdue next contacts"),
        "%(summary)s",
    ),
    NotificationKind.ESCALATION: (
        _("%(rep)s's next contact is %(days)s days overdue: %(project)s"),
        _("%(customer)s · planned for %(due)s"),
    ),
    NotificationKind.HANDOVER: (
        _("You now own %(record)s"),
        _("Handed over by %(by)s: %(reason)s"),
    ),
    NotificationKind.CONFLICT: (
        _("Conflict on %(project)s"),
        _("It collides with an open project of %(other)s; your lead will resolve it."),
    ),
    NotificationKind.CLOSED: (
        {"won": _("Won: %(project)s"), "lost": _("Lost: %(project)s")},
        _("%(rep)s · %(customer)s"),
    ),
    NotificationKind.MENTION: (
        _("%(author)s mentioned you"),
        "%(excerpt)s",
    ),
}
GONE = (_("A record you can no longer see"), _("It was handed over, merged or deleted."))


def render(notification, *, visible: bool = True) -> tuple[str, str]:
    """(title, body) in the active language; names stay hidden when the target is gone."""
    if not visible:
        return str(GONE[0]), str(GONE[1])
    title, body = TEXTS.get(notification.kind, ("%(kind)s", ""))
    if isinstance(title, dict):  # one title per outcome (data["tier"])
        title = title.get((notification.data or {}).get("tier"), next(iter(title.values())))
    values = defaultdict(lambda: "—", dict(notification.data or {}))
    values.setdefault("kind", notification.get_kind_display())
    return str(title) % values, str(body) % values
