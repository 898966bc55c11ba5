"""The API's projects with their pipeline data: stage, tier and lost reason
joined, and the key dates of the customer's process loaded for a whole page at once."""

from projects import selectors as project_selectors
from projects.models import Milestone, MilestoneKind

KEY_DATES = ("proposal_accepted_on", "contract_started_on", "payment_due_on", "paid_on")


def project_api_rows():
    """The projects API's rows (``projects.selectors.project_api_rows``) with the
    state, its stage and its lost reason joined: still one query per page."""
    return project_selectors.project_api_rows().select_related("state__stage", "state__lost_reason")


def projects_attach_key_dates(*, projects) -> None:
    """Set ``key_dates`` on each project (one query for any number): when the
    proposal was formally accepted and the contract review started (actual
    dates), and the payment's planned and actual dates."""
    missing = {project.pk: project for project in projects if not hasattr(project, "key_dates")}
    if not missing:
        return
    found = {pk: dict.fromkeys(KEY_DATES) for pk in missing}
    milestones = Milestone.objects.filter(
        project_id__in=missing,
        kind__in=[MilestoneKind.PROPOSAL_ACCEPTED, MilestoneKind.CONTRACT_REVIEW, MilestoneKind.PAYMENT],
    ).values_list("project_id", "kind", "due_on", "done_on")
    for project_id, kind, due_on, done_on in milestones:
        dates = found[project_id]
        if kind == MilestoneKind.PROPOSAL_ACCEPTED:
            dates["proposal_accepted_on"] = done_on
        elif kind == MilestoneKind.CONTRACT_REVIEW:
            dates["contract_started_on"] = done_on
        else:
            dates["payment_due_on"], dates["paid_on"] = due_on, done_on
    for pk, project in missing.items():
        project.key_dates = found[pk]
