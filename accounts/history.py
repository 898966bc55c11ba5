"""A customer's edit history: who changed what and when, across the customer,
its departments and its people (django-simple-history rows, diffed in memory)."""

from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from django.utils.translation import gettext_lazy as _

from accounts.models import Contact, Customer, Department
from teams.models import Team, User

HIDDEN_FIELDS = {
    "id",
    "customer",
    "normalized_name",
    "core_name",
    "version",
    "updated_at",
    "created_at",
    "completeness",
    # The pool's countdown fields change with every contact and are not kept in the history.
    "returns_on",
    "taken_at",
    "released_at",
}
ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: datetime
    user: User | None
    kind: str
    subject: str
    action: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def field_display(model, name, value, lookups):
    """A stored value as people read it: a choice's label, a related row's name from
    ``lookups`` ({(model, pk): name}), yes/no, or "—" for nothing."""
    if value in (None, ""):
        return "—"
    model_field = model._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        return str(lookups.get((model_field.related_model, value), f"#{value}"))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _entries(model, records, kind, lookups):
    by_object = {}
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    entries = []
    for versions in by_object.values():
        versions.sort(key=lambda r: r.history_date)
        for previous, current in [(None, versions[0]), *pairwise(versions)]:
            changes = []
            if previous is not None and current.history_type == "~":
                for name in [f.name for f in model._meta.fields if f.name not in HIDDEN_FIELDS]:
                    attname = model._meta.get_field(name).attname
                    old, new = getattr(previous, attname), getattr(current, attname)
                    if old != new:
                        changes.append(
                            Change(
                                label=str(model._meta.get_field(name).verbose_name),
                                old=field_display(model, name, old, lookups),
                                new=field_display(model, name, new, lookups),
                            )
                        )
                if not changes:
                    continue
            entries.append(
                HistoryEntry(
                    when=current.history_date,
                    user=current.history_user,
                    kind=kind,
                    subject=current.name,
                    action=str(ACTIONS.get(current.history_type, "")),
                    reason=current.history_change_reason or "",
                    changes=changes,
                )
            )
    return entries


def customer_history(customer: Customer, *, limit: int = 40, users=(), departments=None) -> list[HistoryEntry]:
    """The newest ``limit`` changes; a fixed number of queries whatever the history length.
    ``users`` and ``departments`` (the customer's current ones) are rows the page has read:
    names found there are not read again (a department's newest history row holds its
    current name)."""
    window = limit * 3
    customer_rows = list(customer.history.select_related("history_user").order_by("-history_date")[:window])
    department_rows = list(
        Department.history.filter(customer_id=customer.pk)
        .select_related("history_user")
        .order_by("-history_date")[:window]
    )
    contact_rows = list(
        Contact.history.filter(customer_id=customer.pk)
        .select_related("history_user")
        .order_by("-history_date")[:window]
    )
    user_ids = {r.owner_id for r in customer_rows}
    department_ids = {r.department_id for r in contact_rows if r.department_id} | {
        r.parent_id for r in department_rows if r.parent_id
    }
    lookups = {(User, u.pk): u.name for u in users if u.pk in user_ids}
    if user_ids - {pk for _model, pk in lookups}:
        lookups = {(User, u.pk): u.name for u in User.objects.filter(pk__in=user_ids)}
    # A team move shows as a change of team (teams.team_moves writes those rows);
    # names are needed only when the rows hold more than one team.
    team_ids = {r.team_id for r in customer_rows}
    if len(team_ids) > 1:
        teams = Team.objects.filter(pk__in=team_ids - {None}).values_list("pk", "name")
        lookups.update({(Team, pk): name for pk, name in teams})
    current = {department.pk: department.name for department in departments or ()}
    if department_ids <= set(current):
        lookups.update({(Department, pk): current[pk] for pk in department_ids})
    else:  # a department since deleted: its last name
        lookups.update(
            {
                (Department, pk): name
                for pk, name in Department.history.filter(id__in=department_ids)
                .order_by("id", "history_date")
                .values_list("id", "name")
            }
        )
    entries = (
        _entries(Customer, customer_rows, _("Customer"), lookups)
        + _entries(Department, department_rows, _("Department"), lookups)
        + _entries(Contact, contact_rows, _("Person"), lookups)
    )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
