"""Absurd dates (0001-01-01, 9999-12-31) are refused in every date a person
types, naming the field, by the services, the pages and the API alike."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.models import Milestone, Project
from teams.errors import DomainError
from teams.validators import validate_sane_date
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ABSURD = ["0001-01-01", "9999-12-31"]
RANGE = "between 1990-01-01 and 2100-12-31"


@pytest.fixture
def project(rep):
    return ProjectFactory(customer=CustomerFactory(owner=rep))


def test_the_bounds_themselves_are_accepted():
    validate_sane_date(date(1990, 1, 1))
    validate_sane_date(date(2100, 12, 31))
    validate_sane_date(timezone.make_aware(datetime(2100, 12, 31, 23, 59)))


@pytest.mark.parametrize("value", ABSURD)
@pytest.mark.parametrize("field", ["start_on", "end_on"])
def test_project_create_refuses_an_absurd_date(rep, field, value):
    with pytest.raises(DomainError) as refused:
        services.project_create(
            user=rep, customer=CustomerFactory(owner=rep), data={"name": "ERP", field: date.fromisoformat(value)}
        )
    assert RANGE in " ".join(refused.value.message_dict[field])
    assert not Project.objects.exists()


def test_project_create_refuses_a_funnel_entry_in_year_one(rep):
    opened = timezone.make_aware(datetime(1, 1, 2))
    with pytest.raises(DomainError) as refused:
        services.project_create(
            user=rep, customer=CustomerFactory(owner=rep), data={"name": "ERP", "opened_at": opened}
        )
    assert RANGE in " ".join(refused.value.message_dict["opened_at"])


@pytest.mark.parametrize("value", ABSURD)
@pytest.mark.parametrize("field", ["due_on", "done_on"])
def test_milestone_save_refuses_an_absurd_date(rep, project, field, value):
    data = {"name": "验收", "due_on": date(2027, 3, 1), field: date.fromisoformat(value)}
    with pytest.raises(DomainError) as refused:
        services.milestone_save(user=rep, project=project, data=data)
    assert field in refused.value.message_dict
    assert not Milestone.objects.exists()


# --- pages ---


@pytest.mark.parametrize("value", ABSURD)
def test_project_page_shows_the_range_beside_the_date(rep_client, rep, value):
    customer = CustomerFactory(owner=rep)
    response = rep_client.post(
        f"{reverse('projects:project_create')}?customer={customer.pk}",
        {
            "name": "ERP",
            "kind": "new",
            "start_on": value,
            "opened_at": f"{value}T09:00",
            "next_contact_on": "2030-01-01",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert RANGE in " ".join(errors["start_on"]) and RANGE in " ".join(errors["opened_at"])
    assert not Project.objects.exists()


def test_date_inputs_carry_the_range(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    page = rep_client.get(f"{reverse('projects:project_create')}?customer={customer.pk}").content.decode()
    assert 'type="date"' in page and 'min="1990-01-01"' in page and 'max="2100-12-31"' in page
    assert 'min="1990-01-01T00:00"' in page


@pytest.mark.parametrize("value", ABSURD)
def test_milestone_page_refuses_an_absurd_date(rep_client, project, value):
    response = rep_client.post(
        reverse("projects:milestone_create", args=[project.pk]),
        {"name": "验收", "due_on": value},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "due_on" in response.context["milestone_form"].errors
    assert not Milestone.objects.exists()


# --- API ---


@pytest.mark.parametrize("value", ABSURD)
def test_api_project_create_names_the_absurd_dates(rep_api, rep, value):
    customer = CustomerFactory(owner=rep)
    response = rep_api.post(
        "/api/v1/projects/",
        {"customer": customer.pk, "name": "ERP", "end_on": value, "opened_at": f"{value}T09:00:00+08:00"},
        format="json",
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert "end_on" in str(body) and "opened_at" in str(body)
    assert not Project.objects.exists()


@pytest.mark.parametrize("value", ABSURD)
def test_api_project_patch_refuses_an_absurd_date_and_keeps_the_stored_one(rep_api, project, value):
    project.start_on = date(2026, 5, 1)
    project.save()
    response = rep_api.patch(f"/api/v1/projects/{project.pk}/", {"start_on": value, "version": 1}, format="json")
    assert response.status_code == 400 and "start_on" in str(response.json())
    project.refresh_from_db()
    assert (project.start_on, project.version) == (date(2026, 5, 1), 1)


@pytest.mark.parametrize("value", ABSURD)
def test_api_milestone_refuses_an_absurd_date(rep_api, project, value):
    response = rep_api.post(
        "/api/v1/milestones/", {"project": project.pk, "name": "验收", "due_on": value}, format="json"
    )
    assert response.status_code == 400 and "due_on" in str(response.json())
    assert not Milestone.objects.exists()
