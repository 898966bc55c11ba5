"""Building blocks of the project-page tests: a project entered through the service,
and contacts logged through it."""

from datetime import timedelta

from django.utils import timezone

from pipeline import services
from projects import services as project_services
from tests.factories import CustomerFactory


def create_project(user, customer=None, **data):
    """A project of ``user`` that entered the funnel 60 days ago (unless ``opened_at`` says otherwise)."""
    customer = customer or CustomerFactory(owner=user)
    opened = data.pop("opened_at", timezone.now() - timedelta(days=60))
    return project_services.project_create(
        user=user, customer=customer, data={"name": "智慧园区一期", "opened_at": opened, **data}
    )


def log_contacts(project, user, moments, *, summary="消息{i}", kind="message", contacts=()):
    """One contact at each moment, ``summary`` numbered, the next contact today."""
    return [
        services.activity_log(
            user=user,
            kind=kind,
            occurred_at=moment,
            summary=summary.format(i=i),
            project=project,
            contacts=contacts,
            next_contact_on=timezone.localdate() + timedelta(days=3),
        )
        for i, moment in enumerate(moments)
    ]
