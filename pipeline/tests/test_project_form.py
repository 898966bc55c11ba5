"""The new-project form asks for the starting stage, the budget and the next
contact (the pipeline's fields, added through projects.forms.PROJECT_FORM_EXTENSIONS);
the edit form shows neither the budget nor the stage: they change in their sections."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from pipeline.models import BudgetChange, StageChange
from projects.models import Project
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _new_url(customer):
    return f"{reverse('projects:project_create')}?customer={customer.pk}"


def test_the_new_project_form_asks_for_stage_budget_and_next_contact(rep_client, rep):
    html = rep_client.get(_new_url(CustomerFactory(owner=rep)), **EN).content.decode()
    stage = re.search(r'<select name="stage".*?</select>', html, re.S).group(0)
    assert '<option value="" selected>The first stage of its pipeline</option>' in stage
    assert '<optgroup label="New business">' in stage and '<optgroup label="Renewal">' in stage
    assert 'value="need_confirmed"' in stage and 'value="won"' not in stage and 'value="lost"' not in stage
    assert 'name="budget"' in html and 'inputmode="decimal"' in html
    next_contact = re.search(r'<input type="date" name="next_contact_on"[^>]*>', html).group(0)
    assert "required" in next_contact


def test_a_deal_under_way_is_entered_with_its_stage_budget_and_next_contact(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    soon = timezone.localdate() + timedelta(days=2)
    opened = timezone.localtime(timezone.now() - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    response = rep_client.post(
        _new_url(customer),
        {
            "customer": customer.pk,
            "name": "园区安防二期",
            "kind": "new",
            "opened_at": opened,
            "stage": "proposal_accepted",
            "budget": "2,400,000",
            "next_contact_on": soon.isoformat(),
        },
    )
    project = Project.objects.get()
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    assert project.state.stage.key == "proposal_accepted"
    assert (project.budget, project.next_contact_on) == (Decimal("2400000"), soon)
    assert StageChange.objects.get(project=project).at == project.opened_at
    assert BudgetChange.objects.get(project=project).effective_on == timezone.localdate(project.opened_at)


def test_without_a_stage_a_project_starts_in_the_first_stage_of_its_kinds_pipeline(rep_client, rep):
    customer = CustomerFactory(owner=rep)
    soon = (timezone.localdate() + timedelta(days=1)).isoformat()
    rep_client.post(_new_url(customer), {"name": "年度续约", "kind": "renewal", "stage": "", "next_contact_on": soon})
    assert Project.objects.get().state.stage.key == "renewal_due"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"next_contact_on": ""}, "next_contact_on", "This field is required."),
        ({"next_contact_on": "2020-01-01"}, "next_contact_on", "The next contact cannot be in the past."),
        ({"budget": "-3"}, "budget", "The budget cannot be negative."),
        ({"budget": "一百万"}, "budget", "Enter the amount in yuan"),
        ({"stage": "won"}, "stage", "Select a valid choice."),
    ],
)
def test_bad_start_data_shows_beside_the_field_and_saves_nothing(rep_client, rep, fields, field, message):
    customer = CustomerFactory(owner=rep)
    soon = (timezone.localdate() + timedelta(days=1)).isoformat()
    data = {"name": "园区安防二期", "kind": "new", "next_contact_on": soon, **fields}
    response = rep_client.post(_new_url(customer), data, **EN)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Project.objects.exists()


def test_the_edit_form_leaves_budget_and_stage_to_their_sections(rep_client, rep):
    project = ProjectFactory(customer=CustomerFactory(owner=rep))
    form = rep_client.get(reverse("projects:project_update", args=[project.pk])).context["form"]
    assert not {"budget", "stage", "next_contact_on"} & set(form.fields)
