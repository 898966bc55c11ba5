"""seed_demo's projects: the demo team's and the benchmark teams' (projects/demo.py)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F, Q

from projects import bulk_rows, checklist, demo, services
from projects.models import ChecklistItem, ChecklistTick, Conflict, ConflictKind, ProcurementItem, Project, Stakeholder
from projects.normalize import normalize_project_name
from teams.models import Team, User

pytestmark = pytest.mark.django_db

BENCHMARK_TEAM = "基准测试0001组"


def seed(**options):
    call_command("seed_demo", stdout=io.StringIO(), **options)


def snapshot(team):
    projects = Project.objects.filter(customer__team=team)
    return (
        sorted(projects.values_list("pk", "customer_id", "owner_id", "name", "checklist_score", "closed_at")),
        ProcurementItem.objects.filter(project__in=projects).count(),
        Stakeholder.objects.filter(project__in=projects).count(),
        ChecklistTick.objects.filter(project__in=projects).count(),
        sorted(Conflict.objects.filter(project_a__in=projects).values_list("key", flat=True)),
    )


def assert_conflicts_valid(conflicts):
    for conflict in conflicts.select_related("project_a", "project_b"):
        a, b = conflict.project_a, conflict.project_b
        assert a.is_open and b.is_open
        assert a.customer_id == b.customer_id and a.owner_id != b.owner_id and a.team_id == b.team_id
        low, high = sorted([a.pk, b.pk])
        assert conflict.key == f"{conflict.kind}:{low}-{high}:{conflict.contact_id or ''}"
        if conflict.kind == ConflictKind.SHARED_CONTACT:
            assert conflict.contact.customer_id == a.customer_id
        # Detection on the colliding project finds nothing it has not recorded already.
        assert services.project_detect_conflicts(project=a) == []


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


def test_demo_team_scores_are_what_the_checklist_computes():
    seed(customers_per_rep=4)
    items = list(ChecklistItem.objects.filter(is_active=True))
    for project in Project.objects.all():
        assert project.checklist_score == checklist.score(checklist.evaluate(project, items)), project.pk


def test_benchmark_team_customers_get_one_project_each_once():
    seed(teams=1, customers_per_rep=3)
    team = Team.objects.get(name=BENCHMARK_TEAM)
    projects = Project.objects.filter(customer__team=team)

    # One project per customer, of its owner; the 12th customer also has a colliding one of another rep.
    assert projects.filter(owner=F("customer__owner")).count() == 24
    assert set(projects.values("customer").annotate(n=Count("pk")).values_list("n", flat=True)) == {1, 2}
    assert projects.exclude(owner=F("customer__owner")).count() == 1
    assert not projects.exclude(team_id=F("owner__team_id")).exclude(team_id=F("customer__team_id")).exists()
    assert not projects.exclude(lead_contact=None).exclude(lead_contact__customer=F("customer")).exists()
    assert (
        not Stakeholder.objects.filter(project__in=projects).exclude(contact__customer=F("project__customer")).exists()
    )
    assert ProcurementItem.objects.filter(project__in=projects).exists()

    # The stored score is what the checklist computes from the rows, and it is spread.
    items = list(ChecklistItem.objects.filter(is_active=True))
    for project in projects:
        assert project.checklist_score == checklist.score(checklist.evaluate(project, items)), project.pk
        assert project.normalized_name == normalize_project_name(project.name)
    assert len(set(projects.values_list("checklist_score", flat=True))) >= 4

    conflicts = Conflict.objects.filter(Q(project_a__in=projects) | Q(project_b__in=projects))
    assert conflicts.count() == 1 and conflicts.get().kind == ConflictKind.SHARED_CUSTOMER
    assert_conflicts_valid(conflicts)

    before = snapshot(team)
    seed(teams=1, customers_per_rep=3)
    assert snapshot(team) == before


def test_every_kind_of_conflict_is_recorded_as_detection_would(monkeypatch):
    monkeypatch.setattr(demo, "FIRST_COLLISION", 1)
    monkeypatch.setattr(demo, "COLLISION_EVERY", 2)
    seed(teams=1, customers_per_rep=3)

    conflicts = Conflict.objects.filter(project_a__customer__team__name=BENCHMARK_TEAM)
    assert set(conflicts.values_list("kind", flat=True)) == set(ConflictKind.values)
    assert_conflicts_valid(conflicts)


def test_the_same_projects_from_the_generator_and_without_postgresql_copy(monkeypatch):
    """The generator alone decides the rows; the bulk_create writer (SQLite) stores the same as COPY."""
    monkeypatch.setattr(demo, "_write_copy", demo._write_orm)
    jobs, job_data = [], demo._job_data
    monkeypatch.setattr(demo, "_job_data", lambda *args, **kwargs: jobs.append(job_data(*args, **kwargs)) or jobs[-1])
    seed(teams=1, customers_per_rep=4)

    team = Team.objects.get(name=BENCHMARK_TEAM)
    stored = sorted(
        Project.objects.filter(customer__team=team)
        .annotate(items=Count("procurement_items", distinct=True), seats=Count("stakeholders", distinct=True))
        .values_list("customer_id", "owner_id", "normalized_name", "kind", "checklist_score", "items", "seats")
    )
    # Generated again from the job the seeding ran (the same moment "now"), without storing.
    generated = demo._generate(jobs[0])[Project]
    assert stored == sorted(
        (p.customer_id, p.owner_id, p.normalized_name, p.kind, p.checklist_score, len(p.items), len(p.seats))
        for p in generated
    )
    # bulk_create stamps auto_now fields; the spread of dates must survive.
    assert Project.objects.filter(customer__team=team).values("updated_at").distinct().count() > 25
    assert_conflicts_valid(Conflict.objects.filter(project_a__customer__team=team))


def schema_of(tables):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY indexname", [tables]
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) ORDER BY conname",
            [tables],
        )
        return indexes, cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk load is PostgreSQL's")
def test_bulk_load_restores_indexes_and_foreign_keys_and_moves_the_sequence(monkeypatch):
    """Benchmark scale: indexes and foreign keys are dropped for the load, rows come from worker processes."""
    tables = [model._meta.db_table for model in bulk_rows.models()]
    before = schema_of(tables)
    assert any(name == "project_customer_open" for name, _ in before[0])
    assert any("FOREIGN KEY" in definition for _, definition in before[1])
    monkeypatch.setattr(demo, "BULK_LOAD_MIN_CUSTOMERS", 1)

    seed(teams=2, customers_per_rep=3)

    assert schema_of(tables) == before
    projects = Project.objects.filter(customer__team__name__startswith="基准测试")
    assert projects.filter(owner=F("customer__owner")).count() == 2 * 24
    assert_conflicts_valid(Conflict.objects.filter(project_a__in=projects))
    # The ORM's next insert gets a fresh id.
    customer = projects.first().customer
    rep = User.objects.get(pk=customer.owner_id)
    created = services.project_create(user=rep, customer=customer, data={"name": "新项目"})
    assert created.pk > projects.exclude(pk=created.pk).order_by("-pk")[0].pk


def test_seed_demo_prints_the_open_conflicts_the_lead_sees():
    out = io.StringIO()
    call_command("seed_demo", "--customers-per-rep", "4", stdout=out)
    lead = User.objects.get(username="lead")
    in_queue = Conflict.objects.visible_to(lead).unresolved().count()
    # Several conflicts come from one scenario: the figure is the stored rows, not the scenarios.
    assert in_queue > 0
    line = next(line for line in out.getvalue().splitlines() if line.startswith(f"Projects of {lead.team.name}"))
    assert f", {in_queue} open conflicts in " in line, line
