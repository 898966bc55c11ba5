"""The project page carries none of its forms (issue 14: rendering a dozen forms, with the
customer's people and the stages as choices, was most of the page's time). Each is behind
its button and loaded when the user opens it: a GET of the form's own URL answers its
section with the form open (htmx swaps the section), or, without JavaScript, the page with
that form open. Only a user who may change the project gets them."""

import pytest
from django.urls import reverse

from pipeline.tests.project_helpers import create_project
from projects.models import Project
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}

# (URL name, extra URL args, the section's id, a field of the form, the form's button)
FORMS = [
    ("pipeline:project_move", (), "pipeline-stage", 'name="move-stage"', "Move the project"),
    ("pipeline:project_budget", (), "pipeline-budget", 'name="budget-budget"', "Change the budget"),
    ("pipeline:project_competitor_add", (), "pipeline-competitors", 'name="competitor-new-name"', "Add a competitor"),
    (
        "pipeline:project_key_date",
        ("proposal_accepted",),
        "pipeline-key-dates",
        'name="keydate-proposal_accepted-due_on"',
        "Plan",
    ),
    ("pipeline:project_activity", (), "pipeline-activities", 'name="activity-summary"', "Log a contact"),
    ("projects:procurement_create", (), "procurement", 'name="unit_price"', "Add item"),
    ("projects:milestone_create", (), "timeline", 'name="due_on"', "Add milestone"),
    ("projects:stakeholder_create", (), "committee", 'name="role"', "Add"),
]


@pytest.fixture
def project(rep):
    project = create_project(rep, name="按需表单项目", budget="100000")
    ContactFactory.create_batch(3, customer=project.customer)
    return project


def _url(name, args, project):
    return reverse(name, args=[project.pk, *args])


def _details(html, url):
    """The opening tag of the <details> whose form posts to (or loads from) ``url``."""
    for marker in (f'hx-get="{url}"', f'action="{url}"'):
        at = html.find(marker)
        if at != -1:
            start = html.rfind("<details", 0, at)
            return html[start : html.index(">", start) + 1]
    raise AssertionError(f"no form of {url} on the page")


def test_the_page_carries_no_form_only_what_loads_it(client_for, project):
    html = client_for("rep").get(project.get_absolute_url(), **EN).content.decode()
    for name, args, _section, field, _summary in FORMS:
        url = _url(name, args, project)
        assert field not in html, name
        assert 'hx-trigger="toggle once"' in _details(html, url), name
        assert f'<a href="{url}">Open the form</a>' in html, name  # without JavaScript


@pytest.fixture(params=FORMS, ids=[f[0] for f in FORMS])
def form(request):
    return request.param


def _open(client, project, form, **headers):
    """The answer's HTML of opening ``form``: the form there, open."""
    name, args, _section, field, _summary = form
    url = _url(name, args, project)
    response = client.get(url, **headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert field in html and " open" in _details(html, url)
    return html


def test_opening_a_form_answers_its_section_with_the_form_open(client_for, project, form):
    html = _open(client_for("rep"), project, form, **HTMX)
    _name, _args, section, _field, summary = form
    assert f'id="{section}"' in html[:400] and summary in html  # the section, swapped whole


def test_without_javascript_the_link_opens_the_page_with_the_form(client_for, project, form):
    html = _open(client_for("rep"), project, form, **EN)
    assert "<h1>按需表单项目</h1>" in html
    others = [other[3] for other in FORMS if other[0] != form[0] and other[3] != form[3]]
    assert not any(field in html for field in others)  # only the one asked for


@pytest.mark.parametrize("persona", ["outsider_rep", "other_rep", "other_lead"])
@pytest.mark.parametrize(("name", "args"), [(f[0], f[1]) for f in FORMS])
def test_a_user_who_may_not_change_the_project_gets_no_form(client_for, project, persona, name, args):
    before = Project.objects.filter(pk=project.pk).values().get()
    assert client_for(persona).get(_url(name, args, project), **HTMX).status_code == 404
    assert Project.objects.filter(pk=project.pk).values().get() == before


def test_an_unknown_key_date_has_no_form(client_for, project):
    assert client_for("rep").get(_url("pipeline:project_key_date", ("other",), project), **HTMX).status_code == 404


def test_the_lead_opens_the_forms_of_the_teams_project(client_for, project):
    url = _url("pipeline:project_activity", (), project)
    html = client_for("lead").get(url, **HTMX).content.decode()
    assert 'name="activity-summary"' in html


@pytest.mark.parametrize("name", ["pipeline:project_activity", "projects:stakeholder_create"])
def test_opening_a_form_costs_the_same_queries_with_more_people(client_for, rep, name, django_assert_max_num_queries):
    """The contact log and the committee pickers offer the customer's people: as many
    queries with 3 or 80 of them."""
    client = client_for("rep")
    counts = []
    for people in (3, 80):
        project = create_project(rep, name=f"人数{people}")
        last = ContactFactory.create_batch(people, customer=project.customer)[-1]
        client.get(_url(name, (), project), **HTMX)  # a warm process: it keeps the stages (teams.config_cache)
        with django_assert_max_num_queries(20) as captured:
            html = client.get(_url(name, (), project), **HTMX).content.decode()
        assert f'value="{last.pk}"' in html  # offered
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
