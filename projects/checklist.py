"""The project checklist (the surgeon's instrument count of a deal).

Items are rows of ``ChecklistItem`` (admins edit them). An item with a
``rule`` is ticked automatically when the data is there; the others are ticked
by hand, with who and when. Later apps add rules with :func:`register_rule`
(the pipeline knows budgets and competitors).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.choices import BuyingRole

RULES: dict[str, tuple[str, Callable]] = {}


def register_rule(key: str, label, check: Callable) -> None:
    """``check(project) -> bool``; ``label`` explains the rule to admins."""
    RULES[key] = (label, check)


register_rule("scope", _("Scope is written down"), lambda p: bool(p.scope and p.scope.strip()))
register_rule("lead_contact", _("A customer-side lead is named"), lambda p: p.lead_contact_id is not None)
register_rule(
    "decision_maker",
    _("A decision maker is on the buying committee"),
    lambda p: p.stakeholders.filter(role=BuyingRole.DECISION_MAKER).exists(),
)
register_rule(
    "key_person",
    _("A key person is on the buying committee"),
    lambda p: p.stakeholders.filter(role=BuyingRole.KEY_PERSON).exists(),
)
register_rule("procurement", _("The procurement list has items"), lambda p: p.procurement_items.exists())
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
    ticks = {tick.item_id: tick for tick in project.ticks.select_related("ticked_by")}
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


def score(lines) -> int:
    if not lines:
        return 100
    return round(100 * sum(line.done for line in lines) / len(lines))
