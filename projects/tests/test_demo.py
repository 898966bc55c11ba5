import pytest
from django.core.management import call_command

from projects.models import Conflict, Project

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_projects_with_conflicts_once():
    call_command("seed_demo", "--customers-per-rep", "4", verbosity=0)
    projects = Project.objects.count()
    assert 32 <= projects <= 32 * 3 + 12
    assert Project.objects.filter(procurement_items__isnull=False).exists()
    assert Project.objects.filter(stakeholders__isnull=False).exists()
    kinds = set(Conflict.objects.values_list("kind", flat=True))
    assert {"shared_customer", "duplicate_project"} <= kinds
    scores = set(Project.objects.values_list("checklist_score", flat=True))
    assert len(scores) > 3  # partly filled checklists, not all alike
    assert all(
        p.owner.team_id == p.team_id == p.customer.team_id for p in Project.objects.select_related("owner", "customer")
    )
    call_command("seed_demo", "--customers-per-rep", "4", verbosity=0)
    assert Project.objects.count() == projects
