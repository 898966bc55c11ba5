"""The project checklist (the surgeon's instrument count of a deal).

Items are rows of ``ChecklistItem`` (admins edit them). An item with a
``rule`` is ticked automatically when the data is there; the others are ticked
by hand, with who and when. Later apps add rules with :func:`register_rule`
(the pipeline knows budgets and competitors).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.utils.translation import gettext_lazy as _

from accounts.choices import BuyingRole
from teams.json_rows import JSONList, Packed, set_prefetched

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


def prefetch(project, *lookups) -> None:
    """Load the rows every rule reads in one query per relation (the committee with its people,
    as the page shows them), plus ``lookups``; relations already loaded are not read again."""
    from projects.models import Milestone, Stakeholder

    committee = Prefetch("stakeholders", Stakeholder.objects.select_related("contact", "contact__department"))
    # With how often each was put off and who was present (a JSON list, ``attendees_packed``):
    # the key dates section (pipeline) shows them from these rows.
    present = Milestone.attendees.through.objects.filter(milestone_id=OuterRef("pk")).values(
        people=JSONList(Packed(**{name: f"contact__{name}" for name in ATTENDEE_FIELDS}))
    )
    milestones = Prefetch(
        "milestones",
        Milestone.objects.annotate(
            slips=Count("changes", filter=Q(changes__is_slip=True)), attendees_packed=Subquery(present)
        ),
    )
    names = [committee, milestones, *(name for name in RELATED if name not in ("stakeholders", "milestones")), *lookups]
    prefetch_related_objects([project], *names)


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
