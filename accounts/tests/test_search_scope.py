"""Search and id filters never match or confirm what the user cannot see
(issue 7, hole 4): people of a customer seen only in the limited view (through
one's project) never make it match, and a hidden id answers like an unknown one."""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

UNKNOWN = 987654321


def _autocomplete(client, q):
    response = client.get(reverse("accounts:customer_autocomplete"), {"q": q})
    assert response.status_code == 200
    return {customer.pk for customer in response.context["object_list"]}


def _api_search(client, q):
    response = client.get("/api/v1/customers/", {"q": q})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def hidden_person(shared_world):
    """A person of other_rep's customer on nobody's buying committee."""
    return ContactFactory(customer=shared_world.customers["other_reps"], name="欧阳隐名", mobile="13912345678")


@pytest.mark.parametrize("search", [_autocomplete, _api_search])
def test_people_of_a_customer_seen_through_a_project_never_match(
    shared_world, client_for, api_for, hidden_person, search
):
    client = client_for("rep") if search is _autocomplete else api_for("rep")
    assert search(client, hidden_person.name) == set()
    assert search(client, "13912345678") == set()
    # Not even the person on rep's own committee: the limited view hides the customer's people.
    assert search(client, shared_world.contacts["other_reps"].name) == set()
    # The customer itself is still found by its name.
    assert search(client, "other_reps精密机械") == {shared_world.customers["other_reps"].pk}


@pytest.mark.parametrize("search", [_autocomplete, _api_search])
def test_people_match_where_the_user_sees_the_customer_in_full(
    shared_world, client_for, api_for, hidden_person, search
):
    rep = client_for("rep") if search is _autocomplete else api_for("rep")
    lead = client_for("lead") if search is _autocomplete else api_for("lead")
    assert search(rep, shared_world.contacts["own"].name) == {shared_world.customers["own"].pk}
    assert search(lead, hidden_person.name) == {shared_world.customers["other_reps"].pk}
    # The lead sees the other team's customer only through the team's project.
    assert search(lead, shared_world.contacts["other_teams"].name) == set()


def test_contact_filter_answers_a_hidden_customer_like_an_unknown_one(shared_world, api_for):
    client = api_for("other_rep")
    hidden = client.get("/api/v1/contacts/", {"customer": shared_world.customers["other_teams"].pk})
    unknown = client.get("/api/v1/contacts/", {"customer": UNKNOWN})
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == unknown.json()
    mine = client.get("/api/v1/contacts/", {"customer": shared_world.customers["other_reps"].pk})
    assert [row["id"] for row in mine.json()["results"]] == [shared_world.contacts["other_reps"].pk]


def test_contact_filter_on_a_customer_seen_through_a_project_lists_only_committee_people(
    shared_world, api_for, hidden_person
):
    response = api_for("rep").get("/api/v1/contacts/", {"customer": shared_world.customers["other_reps"].pk})
    assert [row["id"] for row in response.json()["results"]] == [shared_world.contacts["other_reps"].pk]


def test_user_filter_answers_a_hidden_team_like_an_unknown_one(api_for, team, other_team):
    client = api_for("rep")
    hidden = client.get("/api/v1/users/", {"team": other_team.pk})
    unknown = client.get("/api/v1/users/", {"team": UNKNOWN})
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == unknown.json()
    assert client.get("/api/v1/users/", {"team": team.pk}).status_code == 200
