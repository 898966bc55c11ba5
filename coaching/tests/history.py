"""Stage histories for the funnel tests, written through the services a rep uses."""

from pipeline import services
from projects import services as project_services
from tests.factories import CustomerFactory


def enter(owner, opened_at, *, stage=None, budget=None, name="智慧园区一期"):
    """A project of ``owner`` that entered the funnel at ``opened_at`` (in ``stage``, default the first)."""
    data = {"name": name, "opened_at": opened_at}
    if stage:
        data["stage"] = stage
    if budget is not None:
        data["budget"] = budget
    return project_services.project_create(user=owner, customer=CustomerFactory(owner=owner), data=data)


def move(user, project, stage, at, *, lost_reason=None):
    return services.project_move(user=user, project=project, stage=stage, at=at, lost_reason=lost_reason).project
