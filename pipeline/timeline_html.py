"""The project timeline's events and the contact log's activities as HTML, built here rather
than by a template: the project page shows 20 of each (and "Load more" 50 / 20), and the
templates' branch per kind, tags and filters for every event cost a few ms a list. The markup, classes and texts
(msgids) are those the templates had; ``timeline_items.html`` and ``activity_items.html`` loop
over these rows (``pipeline_rows`` template tags), so the page and its "Load more" answers
share them. An event of a higher app (``event.template``) is left to its own template.

Every value is escaped; texts of ``{% translate %}`` are escaped as the template escaped them,
those of ``{% blocktranslate %}`` are not (only their values), as there. Dates: Django's formats
of the active language, read once per list, in the current time zone."""

import datetime
import unicodedata

from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from teams import typography
from teams.templatetags.ui import money


def _text(value) -> str:
    """``{{ value }}``: '' for None, else escaped."""
    return "" if value is None else conditional_escape(value)


def _safe(html: str):
    return mark_safe(html)  # noqa: S308 — built by this module from escaped values and fixed markup


class Rendering:
    """What every row of one list shares, read once: the language's colon and date formats, the
    current time zone, and each text and choice label as translated (a list has few of them)."""

    def __init__(self):
        self.colon = typography.colon()
        self.zone = timezone.get_current_timezone()
        self.moment_format = _pieces(get_format("DATETIME_FORMAT"))
        self.day_format = _pieces(get_format("DATE_FORMAT"))
        self.texts, self.choices, self.labels = {}, {}, {}

    def gettext(self, msgid) -> str:
        """``msgid`` translated (a ``{% blocktranslate %}``'s text: not escaped)."""
        if msgid not in self.texts:
            self.texts[msgid] = _(msgid)
        return self.texts[msgid]

    def text(self, msgid) -> str:
        """``{% translate msgid %}``: translated and escaped."""
        return _text(self.gettext(msgid))

    def choice(self, row, name) -> str:
        """``{{ row.get_<name>_display }}``, escaped."""
        key = (type(row), name, getattr(row, name))
        if key not in self.choices:
            self.choices[key] = _text(getattr(row, f"get_{name}_display")())
        return self.choices[key]

    def label(self, label) -> str:
        """``{{ label|capfirst }}`` of a field's verbose name (lazy: translated once here)."""
        if label not in self.labels:
            self.labels[label] = _text(capfirst(str(label)))
        return self.labels[label]

    def labelled(self, label, value) -> str:
        """``{% translate label %}{% colon %}{{ value }}`` (an HTML value stays as it is)."""
        return f"{self.text(label)}{self.colon}{_text(value)}"

    def _local(self, value):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return value.astimezone(self.zone)
        return value

    def moment(self, value) -> str:
        """``|date:"DATETIME_FORMAT"``."""
        return "" if value is None else _formatted(self._local(value), self.moment_format)

    def day(self, value) -> str:
        """``|date:"DATE_FORMAT"``."""
        return "" if value is None else _formatted(self._local(value), self.day_format)

    def iso(self, value) -> str:
        """``|date:'c'``."""
        return "" if value is None else self._local(value).isoformat()


def _truncated(value, length: int) -> str:
    """``{{ value|truncatechars:length }}``: ``Truncator`` only for a text that may need it."""
    text = str(value)  # a choice's label (lazy) translated once
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text  # what Truncator answers for it: no character to cut
    return Truncator(text).chars(length)


def _pieces(form: str) -> list[tuple[bool, str]]:
    """A date format split once, as ``dateformat.format`` splits it on every call:
    (is a format character, the character or the literal text)."""
    pieces = []
    for i, piece in enumerate(dateformat.re_formatchars.split(str(form))):
        if i % 2:
            pieces.append((True, piece))
        elif piece:
            pieces.append((False, dateformat.re_escaped.sub(r"\1", piece)))
    return pieces


def _formatted(value, pieces) -> str:
    """``dateformat.format(value, form)`` from the split format."""
    formatter = dateformat.DateFormat(value)
    return "".join(str(getattr(formatter, piece)()) if special else piece for special, piece in pieces)


def _badge(html: str, css="badge warn") -> str:
    """A ``<span>`` around HTML built here (escaped already)."""
    return f'<span class="{css}">{html}</span>'


def _people(activity):
    """The activity's people as its prefetch left them (``activity.contacts.all()`` builds a manager)."""
    prefetched = getattr(activity, "_prefetched_objects_cache", {}).get("contacts")
    return activity.contacts.all() if prefetched is None else prefetched


# --- the timeline -----------------------------------------------------------------------------

KIND_LABELS = {
    "stage": gettext_noop("Stage"),
    "budget": gettext_noop("Budget"),
    "competitor": gettext_noop("Competitor"),
    "key_date": gettext_noop("Key date"),
    "activity": gettext_noop("Contact log"),
    "owner": gettext_noop("Owner"),
}
OTHER_LABEL = gettext_noop("Conflict")  # conflict_detected, conflict_resolved


def _stage(event, ctx) -> list[str]:
    row = event.row
    if row.from_stage:
        main = f"{_text(row.from_stage.name)} → {_text(row.to_stage.name)}"
        if row.from_tier != row.to_tier:
            values = {"old": ctx.choice(row, "from_tier"), "new": ctx.choice(row, "to_tier")}
            tiers = ctx.gettext(gettext_noop("%(old)s → %(new)s")) % values
            main += _badge(_text(typography.bracketed(tiers)), "muted")
    else:
        main = ctx.gettext(gettext_noop("Entered the funnel in %(stage)s")) % {"stage": _text(row.to_stage.name)}
    parts = [main]
    if row.lost_reason:
        parts.append("<br>" + ctx.labelled(gettext_noop("Lost reason"), row.lost_reason.name))
    if row.note:
        parts.append(f"<br>{_text(typography.quoted(row.note))}")
    return parts


def _budget(event, ctx) -> list[str]:
    row = event.row
    old = f"{_text(money(row.old))} → " if row.old is not None else ""
    parts = [ctx.labelled(gettext_noop("Budget"), "") + old + _text(money(row.new))]
    if row.is_drop:
        parts.append(_badge(ctx.text(gettext_noop("drop"))))
    if row.reason:
        parts.append("<br>" + ctx.labelled(gettext_noop("Why"), row.reason))
    return parts


def _competitor(event, ctx) -> list[str]:
    row = event.row
    name = _text(row.name)
    if row.history_type == "+":
        values = {"name": name, "kind": ctx.choice(row, "kind"), "threat": ctx.choice(row, "threat")}
        return [ctx.gettext(gettext_noop("Added %(name)s (%(kind)s, threat: %(threat)s)")) % values]
    if row.history_type == "-":
        return [ctx.gettext(gettext_noop("Removed %(name)s")) % {"name": name}]
    changes = "".join(
        f"<li>{ctx.label(label)}{ctx.colon}{_text(_truncated(before, 40))} → {_text(_truncated(after, 40))}</li>"
        for label, before, after in event.changes
    )
    changes = changes or "<li>" + ctx.text(gettext_noop("saved without changes")) + "</li>"
    return [ctx.gettext(gettext_noop("Changed %(name)s")) % {"name": name}, f'<ul class="event-changes">{changes}</ul>']


def _key_date(event, ctx) -> list[str]:
    row = event.row
    title = _text(row.milestone.title)
    if row.old_due_on is None:
        values = {"title": title, "date": _text(ctx.day(row.new_due_on))}
        return [ctx.gettext(gettext_noop("%(title)s planned for %(date)s")) % values]
    values = {"title": title, "old": _text(ctx.day(row.old_due_on)), "new": _text(ctx.day(row.new_due_on))}
    if row.is_slip:
        slip = _badge(ctx.text(gettext_noop("slip")))
        return [ctx.gettext(gettext_noop("%(title)s put off from %(old)s to %(new)s")) % values, slip]
    return [ctx.gettext(gettext_noop("%(title)s brought forward from %(old)s to %(new)s")) % values]


def _activity(event, ctx) -> list[str]:
    row = event.row
    parts = [f"{ctx.choice(row, 'kind')}{ctx.colon}{_text(_truncated(row.summary, 140))}"]
    if row.next_contact_on:
        next_contact = ctx.labelled(gettext_noop("Next contact"), ctx.day(row.next_contact_on))
        parts.append("<br>" + _badge(next_contact, "muted"))
    return parts


def _owner(event, ctx) -> list[str]:
    row = event.row
    names = {"old": _text(_name(row.from_user)), "new": _text(_name(row.to_user))}
    reason = f"{ctx.colon}{_text(row.reason)}" if row.reason else ""
    return [(ctx.gettext(gettext_noop("Handed over from %(old)s to %(new)s")) % names) + reason]


def _conflict_detected(event, ctx) -> list[str]:
    label = ctx.text(gettext_noop("Conflict detected"))
    return [f"{label}{ctx.colon}{ctx.choice(event.row, 'kind')}"]


def _conflict_resolved(event, ctx) -> list[str]:
    row = event.row
    note = f" — {_text(row.resolution_note)}" if row.resolution_note else ""
    label = ctx.text(gettext_noop("Conflict resolved"))
    return [f"{label}{ctx.colon}{ctx.choice(row, 'resolution')}{note}"]


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


def _merged(merged_from, ctx, badge_class) -> str:
    if not merged_from:
        return ""
    return _badge(ctx.gettext(gettext_noop("from merged project #%(id)s")) % {"id": _text(merged_from)}, badge_class)


def event_html(event, ctx: Rendering) -> str:
    """One event of the timeline as its ``<li>`` (not for an event with a ``template``)."""
    kind = event.kind
    label = ctx.text(KIND_LABELS.get(kind, OTHER_LABEL))
    shown = ctx.day(event.row.effective_on) if kind == "budget" else ctx.moment(event.when)
    what = "\n".join(WHAT.get(kind, _conflict_resolved)(event, ctx))
    if event.by:
        meta = [_text(event.by.name)]
    elif kind == "conflict_detected":
        meta = [ctx.text(gettext_noop("detected automatically"))]
    else:
        meta = [ctx.text(gettext_noop("system"))]
    if event.recorded:
        recorded = ctx.text(gettext_noop("recorded"))
        meta.append(f"· {recorded} {_text(ctx.moment(event.recorded))}")
    merged = _merged(event.merged_from, ctx, "badge merged")
    if merged:
        meta.append(merged)
    return (
        f'<li class="event event-{_text(kind)}">\n<div class="event-head">\n'
        f'<span class="badge event-kind">{label}</span>\n'
        f'<time datetime="{_text(ctx.iso(event.when))}">{_text(shown)}</time>\n</div>\n'
        f'<div class="event-what">\n{what}\n</div>\n'
        f'<p class="event-meta muted small">\n{chr(10).join(meta)}\n</p>\n</li>\n'
    )


def timeline_rows(events) -> list[tuple]:
    """(event, its ``<li>``) for each event; None for an event with its own template."""
    ctx = Rendering()
    return [(event, None if event.template else _safe(event_html(event, ctx))) for event in events]


# --- the contact log --------------------------------------------------------------------------


def activity_html(activity, ctx: Rendering) -> str:
    """One activity of the contact log as its ``<li>`` (its people prefetched)."""
    meta = []
    people = typography.listed(_people(activity))
    if people:
        meta.append(ctx.labelled(gettext_noop("With whom"), people))
    if activity.next_contact_on:
        next_contact = ctx.labelled(gettext_noop("Next contact"), ctx.day(activity.next_contact_on))
        meta.append(_badge(next_contact, "next-contact"))
    merged = _merged(activity.merged_from, ctx, "badge")
    if merged:
        meta.append(merged)
    when = activity.occurred_at
    return (
        f'<li class="activity" id="activity-{_text(activity.pk)}">\n<div class="card-head">\n'
        f'<span><span class="badge kind-{_text(activity.kind)}">{ctx.choice(activity, "kind")}</span> '
        f'<time datetime="{_text(ctx.iso(when))}">{_text(ctx.moment(when))}</time></span>\n'
        f'<span class="muted small">{_text(_name(activity.by))}</span>\n</div>\n'
        f'<p class="prewrap">{_text(activity.summary)}</p>\n'
        f'<p class="card-meta">\n{chr(10).join(meta)}\n</p>\n</li>\n'
    )


def activity_rows(activities) -> list:
    """Each activity's ``<li>``."""
    ctx = Rendering()
    return [_safe(activity_html(activity, ctx)) for activity in activities]
