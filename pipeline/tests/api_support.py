"""What the pipeline's API tests share: a project made through the service, dates from today, English answers."""

from datetime import timedelta

from django.utils import timezone

from projects import services as project_services
from tests.factories import CustomerFactory

# Tests asserting English text ask for it; the default UI language is Chinese.
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def create_project(user, name="智慧园区一期", customer=None, **data):
    """A project of ``user`` (on a new customer of theirs unless given), through
    ``project_create``, so it has its stage, first stage change and budget."""
    customer = customer or CustomerFactory(owner=user)
    return project_services.project_create(user=user, customer=customer, data={"name": name, **data})


def in_days(days):
    """The date ``days`` from today (company time)."""
    return timezone.localdate() + timedelta(days=days)
