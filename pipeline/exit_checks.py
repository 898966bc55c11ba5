"""What an exit check may require before a project leaves a stage.

A requirement is a named test on the project (``REQUIREMENTS``); an exit check
names one of them or a checklist item, and says whether a missing one warns or
blocks the move. :func:`evaluate` answers, for a project's current stage, which
checks fail, reading only rows the project already has.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.choices import BuyingRole
from projects import checklist
from projects.models import MilestoneKind


def _key_date_done(kind):
    return lambda project: checklist.has_related(project, "milestones", kind=kind, done_on__isnull=False)


REQUIREMENTS = {
    "budget": (_("The budget is known"), lambda p: p.budget is not None),
    "next_contact": (_("A next contact is planned"), lambda p: p.next_contact_on is not None),
    "decision_maker": (
        _("A decision maker is on the buying committee"),
        lambda p: checklist.has_related(p, "stakeholders", role=BuyingRole.DECISION_MAKER),
    ),
    "key_person": (
        _("A key person is on the buying committee"),
        lambda p: checklist.has_related(p, "stakeholders", role=BuyingRole.KEY_PERSON),
    ),
    "competitors": (_("Competitors are recorded"), lambda p: checklist.has_related(p, "competitors")),
    "procurement": (_("The procurement list has items"), lambda p: checklist.has_related(p, "procurement_items")),
    "proposal_accepted": (
        _("The proposal was formally accepted"),
        _key_date_done(MilestoneKind.PROPOSAL_ACCEPTED),
    ),
    "contract_review": (_("Contract and legal review started"), _key_date_done(MilestoneKind.CONTRACT_REVIEW)),
    "payment_planned": (
        _("The payment date is planned"),
        lambda p: checklist.has_related(p, "milestones", kind=MilestoneKind.PAYMENT),
    ),
}


def requirement_choices():
    return [(key, label) for key, (label, _check) in REQUIREMENTS.items()]


def requirement_label(key):
    return REQUIREMENTS.get(key, (key, None))[0]


@dataclass
class Result:
    check: object  # ExitCheck
    label: str
    blocks: bool


def evaluate(project, stage, *, checks=None, items=None) -> list[Result]:
    """The exit checks of ``stage`` that ``project`` does not meet. ``checks`` (the stage's,
    their checklist items joined) and ``items`` (the active checklist items): rows the
    caller has, else read."""
    from pipeline.models import Severity

    checks = list(checks if checks is not None else stage.exit_checks.select_related("checklist_item"))
    if not checks:
        return []
    lines = None
    failing = []
    for check in checks:
        if check.checklist_item_id:
            if lines is None:
                lines = {line.item.pk: line.done for line in checklist.evaluate(project, items)}
            done = lines.get(check.checklist_item_id, False)
            label = check.checklist_item.label
        else:
            label, test = REQUIREMENTS.get(check.requirement, (check.requirement, None))
            done = test is None or test(project)
        if not done:
            failing.append(Result(check, str(label), check.severity == Severity.BLOCK))
    return failing
