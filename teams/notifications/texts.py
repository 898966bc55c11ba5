"""What each kind of notification says. The text is rendered when it is shown
(in the reader's language) from ``Notification.data``, kept as it was when it
happened; a notification whose target the reader can no longer see says so
and shows nothing of it."""

from collections import defaultdict

from django.utils.translation import get_language, ngettext
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
        # data["mentioned"]: whether the note @mentions the reader; a 1:1 note on a rep
        # that does not still tells the rep. Older notifications (no key): mentioned.
        {
            "mentioned": _("%(author)s mentioned you in a coaching note"),
            "wrote": _("%(author)s wrote you a coaching note"),
        },
        "%(excerpt)s",
    ),
    NotificationKind.POOL_WARNING: (
        _("%(customer)s returns to the pool in %(days)s day(s)"),
        _("Log a contact or move a project forward to keep it (it returns on %(due)s)."),
    ),
    NotificationKind.POOL_CONSENT: (
        _("%(rep)s's customer %(customer)s is due to return to the pool"),
        _("It has an open high-intent project, so it stays until you release it or lock it."),
    ),
}
# Which data key picks the title of a kind whose title is a dict (default: the first).
TITLE_KEYS = {NotificationKind.CLOSED: "tier", NotificationKind.MENTION: "title"}
GONE = (_("A record you can no longer see"), _("It was handed over, merged or deleted."))


def render(notification, *, visible: bool = True) -> tuple[str, str]:
    """(title, body) in the active language; names stay hidden when the target is gone."""
    if not visible:
        return str(GONE[0]), str(GONE[1])
    title, body = TEXTS.get(notification.kind, ("%(kind)s", ""))
    if isinstance(title, dict):  # one title per outcome (data[TITLE_KEYS[kind]])
        choice = (notification.data or {}).get(TITLE_KEYS.get(notification.kind, "tier"))
        title = title.get(choice, next(iter(title.values())))
    values = defaultdict(lambda: "—", dict(notification.data or {}))
    values.setdefault("kind", notification.get_kind_display())
    return str(title) % values, str(body) % values


# The sections of a rep's digest (``data["sections"]``, written by pipeline.digests).
SECTION_HEADINGS = {
    "overdue": _("Overdue next contacts (%(total)s)"),
    "today": _("Due today (%(total)s)"),
    "stale": _("Stale projects (%(total)s)"),
}


def _item_line(item, url, *, stale=False) -> str:
    """ "- customer — project · stage · days" and the project's address below it."""
    stage = item.get("stage_zh") if (get_language() or "").startswith("zh") else item.get("stage_en")
    parts = [f"{item['customer']} — {item['project']}", stage or "—"]
    days = item.get("days")
    if days is not None and stale:
        parts.append(ngettext("%(days)s day in this stage", "%(days)s days in this stage", days) % {"days": days})
    elif days is not None:
        parts.append(ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": days})
    return f"- {' · '.join(parts)}\n  {url(item['path'])}"


def _more_line(total, shown, path, url) -> str:
    if total <= shown:
        return ""
    return str(_("… and %(count)s more: %(url)s")) % {"count": total - shown, "url": url(path)}


def listing(notification, *, url) -> str:
    """The projects a digest's e-mail lists, with links (``url``: path → absolute
    address), in the active language; "" for other kinds and for digests written
    before they carried their projects."""
    data = notification.data or {}
    blocks = []
    if notification.kind == NotificationKind.DIGEST:
        for section in data.get("sections", []):
            lines = [str(SECTION_HEADINGS.get(section["key"], "%(total)s")) % {"total": section["total"]}]
            for item in section["items"]:
                lines.append(_item_line(item, url, stale=section["key"] == "stale"))
            lines.append(_more_line(section["total"], len(section["items"]), section["path"], url))
            blocks.append("\n".join(line for line in lines if line))
    elif notification.kind == NotificationKind.TEAM_DIGEST:
        for rep in data.get("reps", []):
            heading = str(_("%(rep)s: %(count)s overdue, the oldest %(days)s days")) % rep
            lines = [f"{heading}\n  {url(rep['path'])}"]
            lines += [_item_line(item, url) for item in rep["items"]]
            lines.append(_more_line(rep["count"], len(rep["items"]), rep["path"], url))
            blocks.append("\n".join(line for line in lines if line))
    return "\n\n".join(blocks)
