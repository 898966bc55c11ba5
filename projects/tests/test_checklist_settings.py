"""The project checklist settings page (/settings/checklist/): add, edit (versioned),
archive and restore items; each change is audited and recomputes the scores as a job."""

import pytest
from django.urls import reverse

from projects.models import ChecklistItem, Project
from teams.audit import AuditAction, AuditEntry
from teams.models import Job
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def item(db):
    return ChecklistItem.objects.create(key="budget_known", label="预算已知", rule="budget", order=10)


def _save(client, item, version, **values):
    data = {"label": item.label, "help_text": "", "rule": item.rule, "order": item.order, "version": version}
    url = reverse("projects:settings_checklist_item", args=[item.pk])
    return client.post(url, {**data, **values, "action": "save"}, **EN)


def test_adding_an_item_audits_and_recomputes_every_score(
    client_for, rep, eager_celery, django_capture_on_commit_callbacks
):
    ChecklistItem.objects.all().delete()
    project = ProjectFactory(customer=CustomerFactory(owner=rep), budget=None)
    Project.objects.filter(pk=project.pk).update(checklist_score=100)
    data = {"label": "预算已知", "help_text": "", "rule": "budget", "order": ""}
    client = client_for("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:settings_checklist"), data, **EN)
    assert response.status_code == 302
    item = ChecklistItem.objects.get()
    assert item.key and item.order == 10
    assert AuditEntry.objects.filter(action=AuditAction.SETTINGS_CHANGED, target_id=str(item.pk)).exists()
    assert Job.objects.filter(kind="projects.checklist_scores", status="done").count() == 1
    assert Project.objects.get(pk=project.pk).checklist_score == 0


def test_an_unknown_rule_is_refused_naming_the_field(client_for):
    data = {"label": "x", "rule": "no_such_rule", "order": 5}
    response = client_for("admin").post(reverse("projects:settings_checklist"), data, **EN)
    assert response.status_code == 400
    assert "rule" in response.context["form"].errors
    assert not ChecklistItem.objects.filter(label="x").exists()


def test_two_admins_editing_one_item_the_second_gets_a_conflict(client_for, item):
    client = client_for("admin")
    assert _save(client, item, 1, label="预算金额已确认").status_code == 302
    response = _save(client, item, 1, label="预算已核实")
    assert response.status_code == 409
    assert "Someone else saved" in response.content.decode()
    item.refresh_from_db()
    assert (item.label, item.version) == ("预算金额已确认", 2)


def test_archive_and_restore_keep_the_item(client_for, item):
    client = client_for("admin")
    url = reverse("projects:settings_checklist_item", args=[item.pk])
    assert client.post(url, {"action": "archive", "version": 1}).status_code == 302
    item.refresh_from_db()
    assert not item.is_active
    assert client.post(url, {"action": "archive", "version": 1}).status_code == 409  # stale page
    assert client.post(url, {"action": "restore", "version": 2}).status_code == 302
    item.refresh_from_db()
    assert item.is_active and item.version == 3
    actions = list(
        AuditEntry.objects.filter(target_id=str(item.pk), action=AuditAction.SETTINGS_CHANGED)
        .order_by("at", "pk")
        .values_list("detail__action", flat=True)
    )
    assert actions == ["archived", "restored"]


@pytest.mark.parametrize(("persona", "expected"), [("rep", 404), ("lead", 404), ("admin", 200)])
def test_only_admins_reach_the_checklist_settings(client_for, personas, item, persona, expected):
    client = client_for(persona)
    assert client.get(reverse("projects:settings_checklist")).status_code == expected
    response = client.post(reverse("projects:settings_checklist_item", args=[item.pk]), {"action": "archive"})
    assert response.status_code == (302 if persona == "admin" else 404)
    item.refresh_from_db()
    assert item.is_active == (persona != "admin")


def test_checklist_settings_queries_do_not_grow(client_for, django_assert_max_num_queries):
    for number in range(30):
        ChecklistItem.objects.create(key=f"k{number}", label=f"项目{number}", order=number)
    client = client_for("admin")
    # session, user, items
    with django_assert_max_num_queries(4):
        assert client.get(reverse("projects:settings_checklist")).status_code == 200
