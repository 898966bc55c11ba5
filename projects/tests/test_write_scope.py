"""Who may change projects, their parts and conflicts when a project sits on a
customer of someone else (issue 7): rep's projects on another rep's and on
another team's customer. The customer's owner and the other team's lead see
the customer, not the project: they may change nothing of it. Every row checks
the status AND the stored state."""

import re

import pytest
from django.urls import reverse

from accounts import services as account_services
from projects import services
from projects.models import Conflict, Milestone, ProcurementItem, Project, Stakeholder
from tests.factories import CustomerFactory
from tests.scenarios import Write, check_write, write_matrix

pytestmark = pytest.mark.django_db


def _project(world, key):
    project = Project.objects.get(pk=world.projects[key].pk)
    return (project.scope, project.owner_id)


def _items(world, key):
    return sorted(ProcurementItem.objects.filter(project=world.projects[key]).values_list("item", "notes"))


def _committee(world, key):
    return sorted(Stakeholder.objects.filter(project=world.projects[key]).values_list("contact_id", "notes"))


def _milestones(world, key):
    return sorted(Milestone.objects.filter(project=world.projects[key]).values_list("name", flat=True))


def _resolved(world, key):
    return Conflict.objects.get(pk=world.conflicts[key].pk).resolved_at


def _transfer(world, key):
    return {"to_user": world.personas["other_rep"].pk, "reason": "客户要求换人对接"}


def _project_form(world, key):
    project = Project.objects.get(pk=world.projects[key].pk)
    return {"name": project.name, "kind": project.kind, "scope": "新的范围", "version": project.version}


def _create(body):
    return lambda world, key: {"project": world.projects[key].pk, **body}


WRITES = [
    # API
    Write("project patch", "api", "patch", "/api/v1/projects/{project}/", "project", 200, _project,
          body=lambda w, k: {"scope": "新的范围"}),
    Write("project transfer", "api", "post", "/api/v1/projects/{project}/transfer/", "project", 200, _project,
          body=_transfer, leads_only="after"),
    Write("item create", "api", "post", "/api/v1/procurement-items/", "project", 201, _items, refused=400,
          body=_create({"item": "交换机", "quantity": "3", "unit_price": "1200.00"})),
    Write("item patch", "api", "patch", "/api/v1/procurement-items/{item}/", "project", 200, _items,
          body=lambda w, k: {"notes": "改"}),
    Write("item delete", "api", "delete", "/api/v1/procurement-items/{item}/", "project", 204, _items),
    Write("stakeholder create", "api", "post", "/api/v1/stakeholders/", "project", 201, _committee, refused=400,
          body=_create({"role": "user", "new_contact": {"name": "新来的科长"}})),
    Write("stakeholder patch", "api", "patch", "/api/v1/stakeholders/{stakeholder}/", "project", 200, _committee,
          body=lambda w, k: {"notes": "改"}),
    Write("stakeholder delete", "api", "delete", "/api/v1/stakeholders/{stakeholder}/", "project", 204, _committee),
    Write("milestone create", "api", "post", "/api/v1/milestones/", "project", 201, _milestones, refused=400,
          body=_create({"name": "验收", "due_on": "2026-12-01"})),
    Write("milestone patch", "api", "patch", "/api/v1/milestones/{milestone}/", "project", 200, _milestones,
          body=lambda w, k: {"name": "初验"}),
    Write("milestone delete", "api", "delete", "/api/v1/milestones/{milestone}/", "project", 204, _milestones),
    Write("conflict resolve", "api", "post", "/api/v1/conflicts/{conflict}/resolve/", "conflict", 200, _resolved,
          body=lambda w, k: {"resolution": "separate"}, leads_only="after"),
    # Pages
    Write("project edit page", "page", "post", "/projects/{project}/edit/", "project", 302, _project,
          body=_project_form),
    Write("project transfer page", "page", "post", "/projects/{project}/transfer/", "project", 302, _project,
          body=_transfer, leads_only="before"),
    Write("item create page", "page", "post", "/projects/{project}/procurement/", "project", 302, _items,
          body=lambda w, k: {"item": "交换机", "quantity": "3", "unit_price": "1200"}),
    Write("item delete page", "page", "post", "/projects/{project}/procurement/{item}/delete/", "project", 302,
          _items),
    Write("stakeholder create page", "page", "post", "/projects/{project}/stakeholders/", "project", 302,
          _committee, body=lambda w, k: {"new_name": "新来的科长", "role": "user", "stance": "unknown"}),
    Write("stakeholder edit page", "page", "post", "/projects/{project}/stakeholders/{stakeholder}/", "project",
          302, _committee, body=lambda w, k: {"role": "user", "stance": "supporter", "notes": "改"}),
    Write("stakeholder delete page", "page", "post", "/projects/{project}/stakeholders/{stakeholder}/delete/",
          "project", 302, _committee),
    Write("milestone create page", "page", "post", "/projects/{project}/milestones/", "project", 302, _milestones,
          body=lambda w, k: {"name": "验收", "due_on": "2026-12-01"}),
    Write("milestone delete page", "page", "post", "/projects/{project}/milestones/{milestone}/delete/", "project",
          302, _milestones),
    Write("conflict resolve page", "page", "post", "/conflicts/{conflict}/resolve/", "conflict", 302, _resolved,
          body=lambda w, k: {"resolution": "separate"}, leads_only="before"),
]  # fmt: skip


@pytest.mark.parametrize(("write", "persona", "key"), list(write_matrix(WRITES)))
def test_write_matrix(shared_world, api_for, client_for, write, persona, key):
    client = api_for(persona) if write.client == "api" else client_for(persona)
    check_write(shared_world, client, write, persona, key)


# --- a merge brings projects together: they are checked for conflicts -------------------------


def test_merging_customers_records_the_conflict_of_their_projects(lead, rep, other_rep):
    kept, merged = CustomerFactory(owner=rep), CustomerFactory(owner=other_rep)
    mine = services.project_create(user=rep, customer=kept, data={"name": "CRM 系统建设"})
    theirs = services.project_create(user=other_rep, customer=merged, data={"name": "呼叫中心扩容"})
    assert not Conflict.objects.exists()
    account_services.customer_merge(user=lead, target=kept, source=merged)
    conflict = Conflict.objects.get()
    assert (conflict.kind, {conflict.project_a_id, conflict.project_b_id}) == ("shared_customer", {mine.pk, theirs.pk})
    assert Project.objects.get(pk=theirs.pk).customer_id == kept.pk


# --- the conflict queue (hole 3): a project one may not open is named only by its owner --------


def test_conflict_queue_names_another_teams_project_only_by_its_owner(shared_world, client_for):
    hidden = shared_world.projects["on_other_teams"]
    response = client_for("other_lead").get(reverse("projects:conflict_list"))
    page = response.content.decode()
    assert [c.pk for c in response.context["object_list"]] == [shared_world.conflicts["on_other_teams"].pk]
    assert "年度运维服务" in page  # outsider_rep's own project
    assert hidden.name not in page
    assert hidden.get_absolute_url() not in page
    keep = re.search(r'<select name="keep".*?</select>', page, re.S).group(0)
    assert sorted(re.findall(r'value="([^"]*)"', keep)) == ["a", "b"]  # sides, not project ids
    assert "张伟" in page  # rep, its owner


def test_conflict_queue_merges_keeping_the_side_one_may_not_open(shared_world, client_for):
    conflict = shared_world.conflicts["on_other_teams"]
    kept = shared_world.projects["on_other_teams"]
    side = "a" if conflict.project_a_id == kept.pk else "b"
    response = client_for("other_lead").post(
        reverse("projects:conflict_resolve", args=[conflict.pk]), {"resolution": "merged", "keep": side}
    )
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert (conflict.resolution, conflict.project_a_id, conflict.project_b_id) == ("merged", kept.pk, kept.pk)
    assert Project.objects.filter(customer=shared_world.customers["other_teams"]).get() == kept
