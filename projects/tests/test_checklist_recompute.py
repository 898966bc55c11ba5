"""Changing the checklist in the Django admin recomputes every project's score in
a background task queued on commit, not inside the request (issue 7)."""

import pytest

from projects import services
from projects.models import ChecklistItem, Project
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/projects/checklistitem/add/"


@pytest.fixture
def scoped(rep):
    """One active derived item (scope written down): a project with a scope scores 100."""
    ChecklistItem.objects.all().delete()
    ChecklistItem.objects.create(key="scope", label="需求范围", rule="scope")
    project = ProjectFactory(customer=CustomerFactory(owner=rep), scope="统一客户数据")
    services.project_refresh_checklist(project=project)
    assert project.checklist_score == 100
    return project


def _new_item(admin_client):
    data = {"key": "visit", "label": "拜访过决策人", "help_text": "", "rule": "", "order": 1, "is_active": "on"}
    return admin_client.post(ADD_URL, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")


def _jobs(callbacks):
    """The callbacks run on commit but the configuration cache's new version (teams.config_cache)."""
    return [callback for callback in callbacks if callback.__module__ != "teams.config_cache"]


def test_saving_an_item_queues_the_recompute_instead_of_doing_it(
    admin_client, scoped, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _new_item(admin_client)
    assert response.status_code == 200
    assert "being recomputed in the background" in response.content.decode()
    assert ChecklistItem.objects.filter(key="visit").exists()
    assert len(_jobs(callbacks)) == 1
    # Nothing ran in the request: the stored score still counts one item of one.
    scoped.refresh_from_db()
    assert scoped.checklist_score == 100


def test_the_queued_task_updates_the_stored_scores(
    admin_client, scoped, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _new_item(admin_client)
    # The hand-ticked item is not ticked: one item done of two.
    scoped.refresh_from_db()
    assert scoped.checklist_score == 50


def test_deleting_an_item_queues_the_recompute(admin_client, scoped, eager_celery, django_capture_on_commit_callbacks):
    visit = ChecklistItem.objects.create(key="visit", label="拜访过决策人")
    services.checklist_scores_refresh()
    scoped.refresh_from_db()
    assert scoped.checklist_score == 50
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client.post(f"/admin/projects/checklistitem/{visit.pk}/delete/", {"post": "yes"})
    assert len(_jobs(callbacks)) == 1
    scoped.refresh_from_db()
    assert scoped.checklist_score == 100


def test_recompute_goes_in_chunks_and_counts_what_changed(scoped):
    customer = scoped.customer
    ProjectFactory.create_batch(4, customer=customer, scope="")
    ChecklistItem.objects.filter(key="scope").update(rule="timeline")
    # Five projects, none with dates: every score drops to 0 (scoped's from 100).
    assert services.checklist_scores_refresh() == 1
    assert set(Project.objects.values_list("checklist_score", flat=True)) == {0}
    ChecklistItem.objects.filter(key="scope").update(rule="scope")
    assert services.checklist_scores_refresh(chunk_size=2) == 1
    scoped.refresh_from_db()
    assert scoped.checklist_score == 100
