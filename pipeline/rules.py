"""The checklist items that follow the pipeline's data (``projects.checklist``)."""

from django.utils.translation import gettext_lazy as _

from projects import checklist
from projects.models import MilestoneKind

# The customer's buying process is known when its three key dates are planned.
KEY_DATES = {MilestoneKind.PROPOSAL_ACCEPTED, MilestoneKind.CONTRACT_REVIEW, MilestoneKind.PAYMENT}


def competitors_recorded(project) -> bool:
    return project.competitors.exists()


def buying_process_known(project) -> bool:
    return set(project.milestones.filter(kind__in=KEY_DATES).values_list("kind", flat=True)) >= KEY_DATES


def register():
    checklist.register_rule("competitors", _("Competitors are recorded"), competitors_recorded)
    checklist.register_rule(
        "buying_process", _("The customer's key dates (proposal, contract, payment) are planned"), buying_process_known
    )
