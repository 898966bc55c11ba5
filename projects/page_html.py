"""The project page's procurement list and buying committee as HTML built here: the same
markup the templates wrote (the list component's table and cards, the committee's roles),
without a template include per row — those were most of the page's own template time.
Every value is escaped (``format_html``); only the finished strings are marked safe."""

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from teams.templatetags.ui import money, number
from teams.typography import join_nonempty

_REMOVE = (
    '<form method="post" action="{url}" hx-post="{url}" hx-target="#{target}" hx-swap="outerHTML" class="inline">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<button type="submit" class="remove-button" aria-label="{label}">✕</button></form>'
)


def _remove_form(url, target, name, csrf) -> str:
    return format_html(_REMOVE, url=url, target=target, csrf=csrf, label=_("Remove %(name)s") % {"name": name})


def procurement_list_html(request, project, items) -> str:
    """The procurement list as the list component shows it (``includes/list.html`` with a
    card partial): a table on wide screens and cards on phones, each item in both."""
    csrf = get_token(request)
    head = format_html(
        '\n<th class="name">{}</th><th class="numeric">{}</th><th>{}</th>'
        '\n<th class="numeric">{}</th><th class="numeric">{}</th><th>{}</th>'
        '\n<th><span class="visually-hidden">{}</span></th>\n',
        _("Item"),
        _("Quantity"),
        _("Unit"),
        _("Est. unit price"),
        _("Subtotal"),
        _("Notes"),
        _("Actions"),
    )
    rows, cards = [], []
    for item in items:
        url = reverse("projects:procurement_delete", args=[project.pk, item.pk])
        remove = _remove_form(url, "procurement", item.item, csrf)
        price, total = money(item.unit_price), money(item.total)
        rows.append(
            format_html(
                '<tr>\n<td class="name">{}</td><td class="numeric">{}</td><td>{}</td>'
                '\n<td class="numeric">{}</td><td class="numeric">{}</td><td class="wrap">{}</td>'
                "\n<td>{}</td>\n</tr>",
                item.item,
                number(item.quantity),
                item.unit or "—",
                price,
                total,
                item.notes or "—",
                remove,
            )
        )
        cards.append(
            format_html(
                '<li class="list-card">\n<div class="card-head"><span class="card-title">{}</span> <strong>{}</strong>'
                '</div>\n<div class="card-foot"><span class="card-meta">{} × {}{}</span>{}</div>\n</li>',
                item.item,
                total,
                join_nonempty(number(item.quantity), item.unit),
                price,
                format_html(" · {}", item.notes) if item.notes else "",
                remove,
            )
        )
    return mark_safe(  # noqa: S308 — every part above is built by format_html (values escaped)
        '\n<div class="list">\n<table class="list-table striped">\n<thead><tr>'
        + head
        + "</tr></thead>\n<tbody>\n"
        + "".join(rows)
        + '\n</tbody>\n</table>\n<ul class="list-cards">\n'
        + "".join(cards)
        + "\n</ul>\n</div>\n"
    )


def committee_html(request, project, chain) -> str:
    """The buying committee by role (``chain``: each role's label and people, in order)."""
    csrf = get_token(request)
    parts = []
    for level in chain:
        people = []
        for s in level["people"]:
            contact = s.contact
            url = reverse("projects:stakeholder_delete", args=[project.pk, s.pk])
            people.append(
                format_html(
                    '\n<li class="stance-{stance}">\n<span class="item-main">{name}{title}{notes}</span>'
                    '\n<span class="item-side">\n<span class="badge stance {stance}">{stance_label}</span>'
                    "\n{remove}\n</span>\n</li>",
                    stance=s.stance,
                    name=contact.name,
                    title=format_html(' <span class="muted">{}</span>', contact.title) if contact.title else "",
                    notes=format_html(' <span class="muted small">{}</span>', s.notes) if s.notes else "",
                    stance_label=s.get_stance_display(),
                    remove=_remove_form(url, "committee", contact.name, csrf),
                )
            )
        parts.append(
            format_html('\n<div class="committee-role">\n<h3>{}</h3>\n<ul class="work-list">', level["label"])
            + "".join(people)
            + "\n</ul>\n</div>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 — every part above is built by format_html (values escaped)
