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
    return lambda project: project.milestones.filter(kind=kind, done_on__isnull=False).exists()


REQUIREMENTS = {
    "budget": (_("The budget is known"), lambda p: p.budget is not None),
    "next_contact": (_("A next contact is planned"), lambda p: p.next_contact_on is not None),
    "decision_maker": (
        _("A decision maker is on the buying committee"),
        lambda p: p.stakeholders.filter(role=BuyingRole.DECISION_MAKER).exists(),
    ),
    "key_person": (
        _("A key person is on the buying committee"),
        lambda p: p.stakeholders.filter(role=BuyingRole.KEY_PERSON).exists(),
    ),
    "competitors": (_("Competitors are recorded"), lambda p: p.competitors.exists()),
    "procurement": (_("The procurement list has items"), lambda p: p.procurement_items.exists()),
    "proposal_accepted": (
        _("The proposal was formally accepted"),
        _key_date_done(MilestoneKind.PROPOSAL_ACCEPTED),
    ),
    "contract_review": (_("Contract and legal review started"), _key_date_done(MilestoneKind.CONTRACT_REVIEW)),
    "payment_planned": (
        _("The payment date is planned"),
        lambda p: p.milestones.filter(kind=MilestoneKind.PAYMENT).exists(),
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


def evaluate(project, stage) -> list[Result]:
    """The exit checks of ``stage`` that ``project`` does not meet."""
    from pipeline.models import Severity

    checks = list(stage.exit_checks.select_related("checklist_item"))
    if not checks:
        return []
    lines = None
    failing = []
    for check in checks:
        if check.checklist_item_id:
            if lines is None:
                lines = {line.item.pk: line.done for line in checklist.evaluate(project)}
            done = lines.get(check.checklist_item_id, False)
            label = check.checklist_item.label
        else:
            label, test = REQUIREMENTS.get(check.requirement, (check.requirement, None))
            done = test is None or test(project)
        if not done:
            failing.append(Result(check, str(label), check.severity == Severity.BLOCK))
    return failing
