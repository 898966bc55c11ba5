"""The rep's start page as a launch pad (issue 8): quick actions, the rep's own
work, figures that link to what they count, no team directory."""

import re

import pytest
from django.urls import reverse

from projects import services
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _in_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def _stats(response):
    return {str(stat["label"]): (stat["value"], stat["url"]) for stat in response.context["stats"]}


def _list_count(client, url):
    return client.get(url).context["paginator"].count


def test_rep_home_offers_the_quick_actions_first(rep_client):
    content = rep_client.get("/").content.decode()
    actions = content.index('class="quick-actions"')
    assert content.index(f'href="{reverse("accounts:customer_create")}"', actions) < content.index("</nav>", actions)
    assert content.index(f'href="{reverse("projects:project_create")}"', actions) < content.index("</nav>", actions)
    assert "新建客户" in content and "新建项目" in content
    # Before the work sections: within thumb reach on a phone without scrolling past lists.
    assert actions < content.index('id="customers-to-complete"')


def test_rep_home_is_not_a_team_directory_but_the_leads_is(rep_client, lead_client, rep, other_rep, lead):
    rep_page = rep_client.get("/")
    assert "teammates" not in rep_page.context
    content = rep_page.content.decode()
    assert other_rep.email not in content and other_rep.name not in content
    assert lead.name in content  # who to ask is one line, not a member table
    assert other_rep.email in lead_client.get("/").content.decode()


def test_rep_home_figures_count_what_their_links_list(rep_client, rep, other_rep):
    mine = CustomerFactory.create_batch(3, owner=rep, completeness=20)
    CustomerFactory(owner=rep, completeness=90)
    CustomerFactory(owner=other_rep)  # not the rep's: counted nowhere
    theirs = CustomerFactory(owner=other_rep)
    ProjectFactory(customer=theirs, owner=rep)  # the rep sees `theirs` through this project
    services.project_create(user=rep, customer=mine[0], data={"name": "CRM 系统"})
    services.project_create(user=other_rep, customer=mine[0], data={"name": "呼叫中心"})  # a conflict

    stats = _stats(_in_english(rep_client).get("/"))
    customers, customers_url = stats["My customers"]
    low, low_url = stats["Customers below 40/100"]
    projects, projects_url = stats["My projects"]
    conflicted, conflicted_url = stats["Projects in a conflict"]
    assert (customers, low, projects, conflicted) == (4, 3, 2, 1)
    assert _list_count(rep_client, customers_url) == 4
    assert _list_count(rep_client, low_url) == 3
    assert _list_count(rep_client, projects_url) == 2
    assert _list_count(rep_client, conflicted_url) == 1
    # Every figure is a link on the page.
    content = rep_client.get("/").content.decode()
    for value, url in stats.values():
        assert re.search(rf'href="{re.escape(url.replace("&", "&amp;"))}"><span class="figure">{value}</span>', content)


def test_customer_list_says_how_many_it_holds_through_projects(rep_client, rep, other_rep):
    CustomerFactory.create_batch(2, owner=rep)
    ProjectFactory(customer=CustomerFactory(owner=other_rep), owner=rep)
    response = _in_english(rep_client).get(reverse("accounts:customer_list"))
    count = re.search(r'id="customer-count">([^<]*)<', response.content.decode()).group(1)
    assert count == "3 customers (including 1 seen through your project)"
    # Only the rep's own ones: no remark.
    mine = rep_client.get(f"{reverse('accounts:customer_list')}?owner={rep.pk}").content.decode()
    assert re.search(r'id="customer-count">([^<]*)<', mine).group(1) == "2 customers"


def test_rep_without_customers_is_told_what_to_do_next(rep_client):
    content = _in_english(rep_client).get("/").content.decode()
    assert "You have no customers yet" in content
    assert "No projects yet" in content


def test_admin_home_figures_count_what_their_links_list(admin_client, rep, other_rep, lead, other_lead):
    from tests.factories import UserFactory

    UserFactory(username="loner", team=None)  # a rep without a team
    UserFactory(username="gone", team=rep.team, is_active=False)
    response = _in_english(admin_client).get("/")
    stats = _stats(response)
    teams, teams_url = stats["Teams"]
    assert teams == len(admin_client.get(teams_url).context["object_list"]) == 2
    for label in ["Active users", "Active leads", "Active reps", "Reps without a team"]:
        value, url = stats[label]
        assert value == _list_count(admin_client, url), label
    assert (stats["Active leads"][0], stats["Reps without a team"][0]) == (2, 1)
    assert response.content.decode().index('class="quick-actions"') < response.content.decode().index('class="stats')
