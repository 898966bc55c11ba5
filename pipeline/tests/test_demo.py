"""seed_demo's pipeline data: every seeded project, on every path (the demo team,
the benchmark teams with COPY, with bulk_create, and the bulk load), has a stage
and a history that the services could have written."""

import io
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from pipeline.models import CLOSED_TIERS, BudgetChange, ProjectState, StageChange, Tier
from projects import demo as project_demo
from projects.models import Project

pytestmark = pytest.mark.django_db

BENCHMARK = "基准测试"


def seed(**options):
    call_command("seed_demo", stdout=io.StringIO(), **options)


def assert_pipeline_invariants(projects):
    """What the services guarantee, checked on stored rows (``projects``: a queryset)."""
    now = timezone.now()
    projects = list(projects.select_related("state").order_by("pk"))
    assert projects
    changes, budgets = {}, {}
    for change in StageChange.objects.filter(project__in=projects).order_by("at", "id"):
        changes.setdefault(change.project_id, []).append(change)
    for change in BudgetChange.objects.filter(project__in=projects).order_by("effective_on", "recorded_at", "id"):
        budgets.setdefault(change.project_id, []).append(change)
    for project in projects:
        state = ProjectState.objects.filter(pk=project.pk).first()
        assert state is not None, f"project {project.pk} has no stage"
        history = [change for change in changes.get(project.pk, []) if change.merged_from is None]
        first, last = history[0], history[-1]
        assert (first.from_stage_id, first.from_tier, first.at) == (None, "", project.opened_at), project.pk
        for before, after in pairwise(history):
            assert before.at < after.at, project.pk
            assert (after.from_stage_id, after.from_tier) == (before.to_stage_id, before.to_tier), project.pk
        for change in history:
            assert change.at <= now and change.recorded_at <= now, project.pk
            assert change.to_stage.tier == change.to_tier, project.pk
            assert (change.lost_reason_id is not None) == (change.to_tier == Tier.LOST), project.pk
        assert (state.stage_id, state.tier, state.entered_at, state.lost_reason_id) == (
            last.to_stage_id,
            last.to_tier,
            last.at,
            last.lost_reason_id,
        ), project.pk
        assert project.closed_at == (last.at if last.to_tier in CLOSED_TIERS else None), project.pk
        amounts = budgets.get(project.pk, [])
        assert (amounts[-1].new if amounts else None) == project.budget, project.pk
        if amounts:
            assert amounts[0].old is None and amounts[0].effective_on >= timezone.localtime(project.opened_at).date()
        for before, after in pairwise(amounts):
            assert after.old == before.new != after.new, project.pk
            assert after.new >= after.old or after.reason, project.pk


def test_demo_team_projects_each_have_a_stage_and_a_valid_history():
    seed(customers_per_rep=4)
    assert_pipeline_invariants(Project.objects.filter(team__name="华东一组"))


def test_benchmark_projects_written_with_copy_each_have_a_stage():
    seed(teams=1, customers_per_rep=3)
    projects = Project.objects.filter(team__name__startswith=BENCHMARK)
    assert projects.count() == 25
    assert_pipeline_invariants(projects)


def test_benchmark_projects_written_with_bulk_create_each_have_a_stage(monkeypatch):
    monkeypatch.setattr(project_demo, "_write_copy", project_demo._write_orm)
    seed(teams=1, customers_per_rep=3)
    assert_pipeline_invariants(Project.objects.filter(team__name__startswith=BENCHMARK))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk load is PostgreSQL's")
def test_benchmark_projects_of_the_bulk_load_each_have_a_stage(monkeypatch):
    monkeypatch.setattr(project_demo, "BULK_LOAD_MIN_CUSTOMERS", 1)
    seed(teams=2, customers_per_rep=3)
    assert_pipeline_invariants(Project.objects.filter(team__name__startswith=BENCHMARK))
