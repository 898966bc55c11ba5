"""The project checklist (the surgeon's instrument count of a deal).

Items are rows of ``ChecklistItem`` (admins edit them). An item with a
``rule`` is ticked automatically when the data is there; the others are ticked
by hand, with who and when. Later apps add rules with :func:`register_rule`
(the pipeline knows budgets and competitors).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from accounts.choices import BuyingRole
from teams.compiled import CompiledQuery
from teams.json_rows import USER_FIELDS, JSONList, Packed, json_list, packed, set_prefetched, unpacked

RULES: dict[str, tuple[str, Callable]] = {}
# The project's related rows the rules read (``has_related``): the project page prefetches
# them once (``prefetch``) and every rule and exit check answers from those rows.
RELATED: list = ["stakeholders", "procurement_items", "milestones"]


def register_rule(key: str, label, check: Callable, *, related: tuple = ()) -> None:
    """``check(project) -> bool``; ``label`` explains the rule to admins; ``related`` names the
    project's reverse relations it reads through :func:`has_related` (prefetched by the page)."""
    RULES[key] = (label, check)
    for name in related:
        if name not in RELATED:
            RELATED.append(name)


# What the key dates show of the people present.
ATTENDEE_FIELDS = ("id", "customer_id", "name")


def attendees_from_row(milestone) -> bool:
    """Set the milestone's ``attendees`` from the list ``prefetch`` read with it (no query);
    False when it was not read so."""
    if not hasattr(milestone, "attendees_packed"):
        return False
    from accounts.models import Contact

    set_prefetched(milestone, "attendees", Contact, milestone.attendees_packed, ATTENDEE_FIELDS)
    return True


def _reverse(name: str):
    """The model of the project's reverse relation ``name`` and the name of its foreign key."""
    from projects.models import Project

    relation = Project._meta.get_field(name)
    if not relation.one_to_many:
        raise ValueError(f"checklist rules read the project's reverse foreign keys, not {name!r}")
    return relation.related_model, relation.field.name


@cache
def _related_rows_of() -> dict:
    """The rows packed with each relation's (``packed``'s ``related``): the committee's people,
    who ticked."""
    from accounts.models import Contact

    contact = [f.name for f in Contact._meta.concrete_fields]
    return {"stakeholders": {"contact": contact}, "ticks": {"ticked_by": USER_FIELDS}}


def _packing() -> dict:
    """How ``prefetch`` packs each relation it reads (``teams.json_rows.packed``): the committee
    with its people and their departments (as the page shows them), the milestones with how
    often each was put off and who was present (``attendees_packed``: the key dates section
    shows them), the ticks with who ticked; the other relations the rules read, their rows."""
    from accounts.models import Department
    from projects.models import Milestone, MilestoneChange

    department = {
        f"department__{f.attname}": F(f"contact__department__{f.attname}") for f in Department._meta.concrete_fields
    }
    present = Milestone.attendees.through.objects.filter(milestone_id=OuterRef("pk")).values(
        people=JSONList(Packed(**{name: F(f"contact__{name}") for name in ATTENDEE_FIELDS}))
    )
    slips = MilestoneChange.objects.filter(milestone=OuterRef("pk"), is_slip=True).order_by()
    counted = slips.values(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
    packing = {name: {"related": _related_rows_of().get(name)} for name in ("ticks", *RELATED)}
    packing["stakeholders"]["extra"] = department
    packing["milestones"]["extra"] = {"slips": Subquery(counted), "attendees_packed": Subquery(present)}
    return packing


def _project_rows(project_id):
    """The project's rows ``prefetch`` reads, each relation as one JSON list (``<name>_rows``),
    and whether it is part of any conflict (``any_conflict``)."""
    from projects.models import Conflict, Project

    lists = {}
    for name, packing in _packing().items():
        model, key = _reverse(name)
        rows = model._default_manager.filter(**{key: OuterRef("pk")}).order_by()
        lists[f"{name}_rows"] = Subquery(rows.values(rows=JSONList(packed(model, **packing))))
    conflicts = Conflict.objects.filter(Q(project_a=OuterRef("pk")) | Q(project_b=OuterRef("pk")))
    return Project.objects.filter(pk=project_id).order_by().only("pk").annotate(any_conflict=Exists(conflicts), **lists)


@cache
def _project_rows_query():
    from projects.models import Project

    return CompiledQuery(_project_rows, Project, project_id=int)


def _ordered(objects: list, model) -> list:
    """``objects`` in the model's ``Meta.ordering``, NULLs as PostgreSQL sorts them."""
    for key in reversed(model._meta.ordering or ()):
        name = model._meta.get_field(key.lstrip("-")).attname
        objects.sort(key=lambda obj, name=name: (getattr(obj, name) is None, getattr(obj, name)), reverse=key[0] == "-")
    return objects


def _unpacked_rows(project, name: str, value) -> list:
    from accounts.models import Department

    model, key = _reverse(name)
    related = _related_rows_of().get(name)
    objects = []
    for data in json_list(value):
        row = unpacked(model, data, related=related)
        setattr(row, key, project)
        if name == "stakeholders":
            department = {k.removeprefix("department__"): v for k, v in data.items() if k.startswith("department__")}
            row.contact.department = unpacked(Department, department) if department.get("id") is not None else None
        elif name == "milestones":
            row.slips, row.attendees_packed = data["slips"], data["attendees_packed"]
        objects.append(row)
    return _ordered(objects, model)


def prefetch(project, *lookups) -> None:
    """Load in ONE query (its SQL compiled once) the rows every rule reads — the committee with
    its people, the procurement list, the milestones (with their slips and people present) and
    what later apps' rules registered (``RELATED``) — and the ticks, as if prefetched (relations
    already loaded are kept), plus whether the project is part of any conflict
    (``project.any_conflict``: the page reads its conflicts only then); ``lookups`` are
    prefetched as well."""
    found = _project_rows_query().rows(tuple(RELATED), project_id=project.pk)
    row = found[0] if found else None
    loaded = project.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in ("ticks", *RELATED):
        if name not in loaded:
            model, _key = _reverse(name)
            queryset = model._default_manager.none()
            queryset._result_cache = _unpacked_rows(project, name, getattr(row, f"{name}_rows", None))
            queryset._prefetch_done = True
            loaded[name] = queryset
    project.any_conflict = bool(row and row.any_conflict)
    if lookups:
        prefetch_related_objects([project], *lookups)


def _matches(row, filters) -> bool:
    for lookup, value in filters.items():
        name, _sep, op = lookup.partition("__")
        field = getattr(row, name)
        if op == "in":
            ok = field in value
        elif op == "isnull":
            ok = (field is None) == value
        elif op == "":
            ok = field == value
        else:
            raise ValueError(f"has_related supports exact, in and isnull, not {lookup!r}")
        if not ok:
            return False
    return True


def related_rows(project, relation):
    """The project's ``relation`` rows when they were prefetched, else None."""
    return getattr(project, "_prefetched_objects_cache", {}).get(relation)


def has_related(project, relation: str, **filters) -> bool:
    """Whether the project has ``relation`` rows matching ``filters`` (exact, ``__in``,
    ``__isnull``): from the prefetched rows when the page loaded them, else one EXISTS."""
    rows = related_rows(project, relation)
    if rows is not None:
        return any(_matches(row, filters) for row in rows)
    return getattr(project, relation).filter(**filters).exists()


register_rule("scope", _("Scope is written down"), lambda p: bool(p.scope and p.scope.strip()))
register_rule("lead_contact", _("A customer-side lead is named"), lambda p: p.lead_contact_id is not None)
register_rule(
    "decision_maker",
    _("A decision maker is on the buying committee"),
    lambda p: has_related(p, "stakeholders", role=BuyingRole.DECISION_MAKER),
)
register_rule(
    "key_person",
    _("A key person is on the buying committee"),
    lambda p: has_related(p, "stakeholders", role=BuyingRole.KEY_PERSON),
)
register_rule("procurement", _("The procurement list has items"), lambda p: has_related(p, "procurement_items"))
register_rule("timeline", _("Start and end dates are set"), lambda p: bool(p.start_on and p.end_on))
register_rule("funding_source", _("The funding source is known"), lambda p: bool(p.funding_source))
register_rule("budget", _("The budget is known"), lambda p: p.budget is not None)


def rule_choices():
    return [("", _("Ticked by hand"))] + [(key, label) for key, (label, _check) in RULES.items()]


@dataclass
class Line:
    item: object
    done: bool
    tick: object | None  # the ChecklistTick of a hand-ticked item

    @property
    def derived(self):
        return bool(self.item.rule)


def evaluate(project, items=None) -> list[Line]:
    from projects.models import ChecklistItem

    items = list(items if items is not None else ChecklistItem.objects.filter(is_active=True))
    rows = related_rows(project, "ticks")
    if rows is None:
        rows = project.ticks.select_related("ticked_by")
    ticks = {tick.item_id: tick for tick in rows}
    lines = []
    for item in items:
        if item.rule:
            rule = RULES.get(item.rule)
            done = bool(rule and rule[1](project))
            lines.append(Line(item, done, None))
        else:
            tick = ticks.get(item.pk)
            lines.append(Line(item, tick is not None, tick))
    return lines


def active_items() -> list:
    """The active checklist items, in order, as this process keeps them (``teams.config_cache``):
    the project page reads them on every view, admins change them rarely."""
    from teams.config_cache import config

    return config("checklist_items")


def load_active_items() -> list:
    from projects.models import ChecklistItem

    return list(ChecklistItem.objects.filter(is_active=True))


def score(lines) -> int:
    if not lines:
        return 100
    return round(100 * sum(line.done for line in lines) / len(lines))
