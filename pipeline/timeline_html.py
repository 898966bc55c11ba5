"""The project timeline's events and the contact log's activities as HTML, built here rather
than by a template: the project page shows 20 of each (and "Load more" 50 / 20), and a template
with a branch per kind cost more than the reads behind them. The markup, classes and texts
(msgids) are those the templates had; ``timeline_items.html`` and ``activity_items.html`` loop
over these rows (``pipeline_rows`` template tags), so the page and its "Load more" answers
share them. An event of a higher app (``event.template``) is left to its own template.

Every value is escaped; texts of ``{% translate %}`` are escaped as the template escaped them,
those of ``{% blocktranslate %}`` are not (only their values), as there. Dates: Django's formats
of the active language, read once per list, in the current time zone."""

import datetime

from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teams import typography
from teams.templatetags.ui import money


def _text(value) -> str:
    """``{{ value }}``: '' for None, else escaped."""
    return "" if value is None else conditional_escape(value)


def _labelled(label, value) -> str:
    """``{% translate label %}{% colon %}{{ value }}``: both escaped (an HTML value stays as it is)."""
    return f"{_text(label)}{typography.colon()}{_text(value)}"


def _badge(html: str, css="badge warn") -> str:
    """A ``<span>`` around HTML built here (escaped already)."""
    return f'<span class="{css}">{html}</span>'


def _safe(html: str):
    return mark_safe(html)  # noqa: S308 — built by this module from escaped values and fixed markup


class Dates:
    """``|date:"DATETIME_FORMAT"`` / ``"DATE_FORMAT"`` / ``'c'`` as a template writes them (aware
    moments in the current time zone), the formats read once."""

    def __init__(self):
        self.datetime_format, self.date_format = get_format("DATETIME_FORMAT"), get_format("DATE_FORMAT")

    @staticmethod
    def _format(value, form) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value)
        return dateformat.format(value, form)

    def moment(self, value) -> str:
        return self._format(value, self.datetime_format)

    def day(self, value) -> str:
        return self._format(value, self.date_format)

    def iso(self, value) -> str:
        return self._format(value, "c")


# --- the timeline -----------------------------------------------------------------------------

KIND_LABELS = {
    "stage": gettext_lazy("Stage"),
    "budget": gettext_lazy("Budget"),
    "competitor": gettext_lazy("Competitor"),
    "key_date": gettext_lazy("Key date"),
    "activity": gettext_lazy("Contact log"),
    "owner": gettext_lazy("Owner"),
}
OTHER_LABEL = gettext_lazy("Conflict")  # conflict_detected, conflict_resolved


def _stage(event, dates) -> list[str]:
    row = event.row
    if row.from_stage:
        main = f"{_text(row.from_stage.name)} → {_text(row.to_stage.name)}"
        if row.from_tier != row.to_tier:
            values = {"old": _text(row.get_from_tier_display()), "new": _text(row.get_to_tier_display())}
            tiers = _("%(old)s → %(new)s") % values
            main += f'<span class="muted">{_text(typography.bracketed(tiers))}</span>'
    else:
        main = _("Entered the funnel in %(stage)s") % {"stage": _text(row.to_stage.name)}
    parts = [main]
    if row.lost_reason:
        parts.append("<br>" + _labelled(_("Lost reason"), row.lost_reason.name))
    if row.note:
        parts.append(f"<br>{_text(typography.quoted(row.note))}")
    return parts


def _budget(event, dates) -> list[str]:
    row = event.row
    old = f"{_text(money(row.old))} → " if row.old is not None else ""
    parts = [_labelled(_("Budget"), "") + old + _text(money(row.new))]
    if row.is_drop:
        parts.append(_badge(_text(_("drop"))))
    if row.reason:
        parts.append("<br>" + _labelled(_("Why"), row.reason))
    return parts


def _competitor(event, dates) -> list[str]:
    row = event.row
    name = _text(row.name)
    if row.history_type == "+":
        values = {"name": name, "kind": _text(row.get_kind_display()), "threat": _text(row.get_threat_display())}
        return [_("Added %(name)s (%(kind)s, threat: %(threat)s)") % values]
    if row.history_type == "-":
        return [_("Removed %(name)s") % {"name": name}]
    changes = "".join(
        f"<li>{_labelled(capfirst(label), Truncator(before).chars(40))} → {_text(Truncator(after).chars(40))}</li>"
        for label, before, after in event.changes
    )
    changes = changes or "<li>" + _text(_("saved without changes")) + "</li>"
    return [_("Changed %(name)s") % {"name": name}, f'<ul class="event-changes">{changes}</ul>']


def _key_date(event, dates) -> list[str]:
    row = event.row
    title = _text(row.milestone.title)
    if row.old_due_on is None:
        return [_("%(title)s planned for %(date)s") % {"title": title, "date": _text(dates.day(row.new_due_on))}]
    values = {"title": title, "old": _text(dates.day(row.old_due_on)), "new": _text(dates.day(row.new_due_on))}
    if row.is_slip:
        return [_("%(title)s put off from %(old)s to %(new)s") % values, _badge(_text(_("slip")))]
    return [_("%(title)s brought forward from %(old)s to %(new)s") % values]


def _activity(event, dates) -> list[str]:
    row = event.row
    parts = [_labelled(row.get_kind_display(), Truncator(row.summary).chars(140))]
    if row.next_contact_on:
        parts.append("<br>" + _badge(_labelled(_("Next contact"), dates.day(row.next_contact_on)), "muted"))
    return parts


def _owner(event, dates) -> list[str]:
    row = event.row
    names = {"old": _text(_name(row.from_user)), "new": _text(_name(row.to_user))}
    reason = _labelled("", row.reason) if row.reason else ""
    return [(_("Handed over from %(old)s to %(new)s") % names) + reason]


def _conflict_detected(event, dates) -> list[str]:
    return [_labelled(_("Conflict detected"), event.row.get_kind_display())]


def _conflict_resolved(event, dates) -> list[str]:
    row = event.row
    note = f" — {_text(row.resolution_note)}" if row.resolution_note else ""
    return [_labelled(_("Conflict resolved"), row.get_resolution_display()) + note]


WHAT = {
    "stage": _stage,
    "budget": _budget,
    "competitor": _competitor,
    "key_date": _key_date,
    "activity": _activity,
    "owner": _owner,
    "conflict_detected": _conflict_detected,
}


def _name(user) -> str:
    """``{{ user.name }}``: '' for nobody."""
    return "" if user is None else user.name


def _merged(merged_from, badge_class) -> str:
    if not merged_from:
        return ""
    return _badge(_("from merged project #%(id)s") % {"id": _text(merged_from)}, badge_class)


def event_html(event, dates: Dates) -> str:
    """One event of the timeline as its ``<li>`` (not for an event with a ``template``)."""
    kind = event.kind
    label = _text(KIND_LABELS.get(kind, OTHER_LABEL))
    shown = dates.day(event.row.effective_on) if kind == "budget" else dates.moment(event.when)
    what = "\n".join(WHAT.get(kind, _conflict_resolved)(event, dates))
    if event.by:
        by = _text(event.by.name)
    else:
        by = _text(_("detected automatically") if kind == "conflict_detected" else _("system"))
    meta = [by]
    if event.recorded:
        recorded = _("recorded")
        meta.append(f"· {_text(recorded)} {_text(dates.moment(event.recorded))}")
    merged = _merged(event.merged_from, "badge merged")
    if merged:
        meta.append(merged)
    return (
        f'<li class="event event-{_text(kind)}">\n<div class="event-head">\n'
        f'<span class="badge event-kind">{label}</span>\n'
        f'<time datetime="{_text(dates.iso(event.when))}">{_text(shown)}</time>\n</div>\n'
        f'<div class="event-what">\n{what}\n</div>\n'
        f'<p class="event-meta muted small">\n{chr(10).join(meta)}\n</p>\n</li>\n'
    )


def timeline_rows(events) -> list[tuple]:
    """(event, its ``<li>``) for each event; None for an event with its own template."""
    dates = Dates()
    return [(event, None if event.template else _safe(event_html(event, dates))) for event in events]


# --- the contact log --------------------------------------------------------------------------


def activity_html(activity, dates: Dates) -> str:
    """One activity of the contact log as its ``<li>`` (its people prefetched)."""
    meta = []
    people = typography.listed(activity.contacts.all())
    if people:
        meta.append(_labelled(_("With whom"), people))
    if activity.next_contact_on:
        meta.append(_badge(_labelled(_("Next contact"), dates.day(activity.next_contact_on)), "next-contact"))
    merged = _merged(activity.merged_from, "badge")
    if merged:
        meta.append(merged)
    when = activity.occurred_at
    return (
        f'<li class="activity" id="activity-{_text(activity.pk)}">\n<div class="card-head">\n'
        f'<span><span class="badge kind-{_text(activity.kind)}">{_text(activity.get_kind_display())}</span> '
        f'<time datetime="{_text(dates.iso(when))}">{_text(dates.moment(when))}</time></span>\n'
        f'<span class="muted small">{_text(_name(activity.by))}</span>\n</div>\n'
        f'<p class="prewrap">{_text(activity.summary)}</p>\n'
        f'<p class="card-meta">\n{chr(10).join(meta)}\n</p>\n</li>\n'
    )


def activity_rows(activities) -> list:
    """Each activity's ``<li>``."""
    dates = Dates()
    return [_safe(activity_html(activity, dates)) for activity in activities]
