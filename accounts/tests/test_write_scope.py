"""Who may change customers, their departments and people (issue 7, holes 1
and 2): the permission matrix over the personas that found the holes — the
committee rep (sees another rep's customer and contact through a project of
theirs) and the lead who sees another team's customer through the team's
project. Every row checks the status AND the stored state."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Contact, Customer, Department
from teams.errors import DomainError
from tests.scenarios import Write, check_write, write_matrix

pytestmark = pytest.mark.django_db

NEW_OWNER = {"own": "other_rep", "other_reps": "rep", "other_teams": "other_lead"}


def _notes(world, key):
    return Customer.objects.get(pk=world.customers[key].pk).notes


def _owner(world, key):
    return Customer.objects.get(pk=world.customers[key].pk).owner_id


def _contact(world, key):
    contact = world.reload(world.contacts[key])
    return contact and (contact.name, contact.title)


def _department(world, key):
    department = world.reload(world.departments[key])
    return department and (department.name, department.kind)


def _people(world, key):
    return sorted(Contact.objects.filter(customer=world.customers[key]).values_list("name", flat=True))


def _departments(world, key):
    return sorted(Department.objects.filter(customer=world.customers[key]).values_list("name", flat=True))


def _transfer(world, key):
    return {"to_user": world.personas[NEW_OWNER[key]].pk, "reason": "客户要求换人对接"}


def _customer_form(world, key):
    customer = Customer.objects.get(pk=world.customers[key].pk)
    fields = ["name", "credit_code", "level", "industry", "source", "province", "city", "district", "address"]
    return {
        **{field: getattr(customer, field) for field in fields},
        "notes": "改过的备注",
        "owner": customer.owner_id,
        "version": customer.version,
    }


def _contact_form(world, key):
    return {"name": "改过的名字", "title": "处长", "buying_role": "influencer", "department": "采购部"}


WRITES = [
    # API
    Write("customer patch", "api", "patch", "/api/v1/customers/{customer}/", "customer", 200, _notes,
          body=lambda w, k: {"notes": "改过的备注"}),
    Write("customer transfer", "api", "post", "/api/v1/customers/{customer}/transfer/", "customer", 200, _owner,
          body=_transfer, leads_only="after"),
    Write("contact patch", "api", "patch", "/api/v1/contacts/{contact}/", "customer", 200, _contact,
          body=lambda w, k: {"title": "处长"}),
    Write("contact put", "api", "put", "/api/v1/contacts/{contact}/", "customer", 200, _contact,
          body=lambda w, k: {"customer": w.customers[k].pk, "name": "改过的名字", "title": "处长"}),
    Write("contact delete", "api", "delete", "/api/v1/contacts/{contact}/", "customer", 204, _contact),
    # A customer one only sees is answered like an unknown id: "invalid pk" (400).
    Write("contact create", "api", "post", "/api/v1/contacts/", "customer", 201, _people, refused=400,
          body=lambda w, k: {"customer": w.customers[k].pk, "name": "新来的处长"}),
    # Pages
    Write("customer edit page", "page", "post", "/customers/{customer}/edit/", "customer", 302, _notes,
          body=_customer_form),
    Write("customer transfer page", "page", "post", "/customers/{customer}/transfer/", "customer", 302, _owner,
          body=_transfer, leads_only="before"),
    Write("contact create page", "page", "post", "/customers/{customer}/contacts/new/", "customer", 302, _people,
          body=lambda w, k: {"name": "新来的处长", "buying_role": "user"}),
    Write("contact edit page", "page", "post", "/contacts/{contact}/edit/", "customer", 302, _contact,
          body=_contact_form),
    Write("contact delete page", "page", "post", "/contacts/{contact}/delete/", "customer", 302, _contact),
    Write("department create page", "page", "post", "/customers/{customer}/departments/new/", "customer", 302,
          _departments, body=lambda w, k: {"name": "财务部", "kind": "finance"}),
    Write("department edit page", "page", "post", "/departments/{department}/edit/", "customer", 302, _department,
          body=lambda w, k: {"name": "招采中心", "kind": "procurement"}),
    Write("department delete page", "page", "post", "/departments/{department}/delete/", "customer", 302,
          _department),
]  # fmt: skip


@pytest.mark.parametrize(("write", "persona", "key"), list(write_matrix(WRITES)))
def test_write_matrix(shared_world, api_for, client_for, write, persona, key):
    client = api_for(persona) if write.client == "api" else client_for(persona)
    check_write(shared_world, client, write, persona, key)


def test_widening_shows_customers_and_people_but_never_makes_them_editable(shared_world):
    rep, world = shared_world.personas["rep"], shared_world
    assert set(Customer.objects.visible_to(rep)) == set(world.customers.values())
    assert set(Customer.objects.editable_by(rep)) == {world.customers["own"]}
    assert set(Contact.objects.visible_to(rep)) == set(world.contacts.values())
    assert set(Contact.objects.editable_by(rep)) == {world.contacts["own"]}


# --- reads stay as they were: the committee rep sees what they may not change ------------------


@pytest.mark.parametrize("key", ["other_reps", "other_teams"])
def test_committee_rep_reads_the_contact_but_not_its_edit_page(shared_world, client_for, api_for, key):
    contact = shared_world.contacts[key]
    assert api_for("rep").get(f"/api/v1/contacts/{contact.pk}/").status_code == 200
    assert client_for("rep").get(reverse("accounts:contact_update", args=[contact.pk])).status_code == 404


def test_lead_sees_other_teams_customer_through_a_project_but_cannot_edit_it(shared_world, client_for, api_for):
    customer = shared_world.customers["other_teams"]
    assert api_for("lead").get(f"/api/v1/customers/{customer.pk}/").status_code == 200
    assert client_for("lead").get(reverse("accounts:customer_update", args=[customer.pk])).status_code == 404
    department = shared_world.departments["other_teams"]
    assert client_for("lead").get(reverse("accounts:department_update", args=[department.pk])).status_code == 404


# --- merges (hole 2): both customers must be one's to change -----------------------------------


def _merge(client, world, target, source, **extra):
    data = {"target": world.customers[target].pk, "source": world.customers[source].pk, **extra}
    return client.post(reverse("accounts:customer_merge"), data)


def test_lead_cannot_merge_away_another_teams_customer_seen_through_a_project(shared_world, client_for):
    source = shared_world.customers["other_teams"]
    people = _people(shared_world, "other_teams")
    response = _merge(client_for("lead"), shared_world, "own", "other_teams", confirm="yes")
    assert response.status_code == 200
    assert "source" in response.context["form"].errors
    assert Customer.objects.filter(pk=source.pk).exists()
    assert _people(shared_world, "other_teams") == people
    assert _people(shared_world, "own") == [shared_world.contacts["own"].name]


def test_merge_preview_shows_nothing_of_a_customer_one_may_not_change(shared_world, client_for):
    ids = {"target": shared_world.customers["own"].pk, "source": shared_world.customers["other_teams"].pk}
    response = client_for("lead").get(reverse("accounts:customer_merge"), ids)
    assert response.status_code == 200
    assert "preview" not in response.context


def test_merge_service_refuses_a_customer_outside_ones_own_scope(shared_world):
    lead = shared_world.personas["lead"]
    own, theirs = shared_world.customers["own"], shared_world.customers["other_teams"]
    with pytest.raises(DomainError) as refused:
        services.customer_merge(user=lead, target=own, source=theirs)
    assert "source" in refused.value.message_dict
    with pytest.raises(DomainError) as refused:
        services.customer_merge(user=lead, target=theirs, source=own)
    assert "target" in refused.value.message_dict
    assert Customer.objects.filter(pk__in=[own.pk, theirs.pk]).count() == 2


def test_lead_merges_within_the_team_and_admin_across_teams(shared_world, client_for):
    world = shared_world
    assert _merge(client_for("lead"), world, "own", "other_reps", confirm="yes").status_code == 302
    assert not Customer.objects.filter(pk=world.customers["other_reps"].pk).exists()
    assert _merge(client_for("admin"), world, "own", "other_teams", confirm="yes").status_code == 302
    assert not Customer.objects.filter(pk=world.customers["other_teams"].pk).exists()
    assert len(_people(world, "own")) == 3
