"""The checklist items that follow the pipeline's data (``projects.checklist``)."""

from django.utils.translation import gettext_lazy as _

from projects import checklist
from projects.models import MilestoneKind

# The customer's buying process is known when its three key dates are planned.
KEY_DATES = {MilestoneKind.PROPOSAL_ACCEPTED, MilestoneKind.CONTRACT_REVIEW, MilestoneKind.PAYMENT}


def competitors_recorded(project) -> bool:
    return checklist.has_related(project, "competitors")


def buying_process_known(project) -> bool:
    rows = checklist.related_rows(project, "milestones")
    if rows is None:
        rows = project.milestones.filter(kind__in=KEY_DATES).only("kind")
    return {row.kind for row in rows} >= KEY_DATES


def register():
    checklist.register_rule(
        "competitors", _("Competitors are recorded"), competitors_recorded, related=("competitors",)
    )
    checklist.register_rule(
        "buying_process",
        _("The customer's key dates (proposal, contract, payment) are planned"),
        buying_process_known,
        related=("milestones",),
    )
