"""seed_demo's customers: the demo team's book and the benchmark teams (accounts/demo.py)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F

from accounts import demo
from accounts.completeness import evaluate_customer, score
from accounts.models import Contact, Customer, Department
from teams import demo as teams_demo
from teams.demo import DEMO_PASSWORD, DEMO_TEAM
from teams.models import Role, Team, User

pytestmark = pytest.mark.django_db


def seed(**options):
    call_command("seed_demo", stdout=io.StringIO(), **options)


def is_chinese(text):
    """Only CJK ideographs and the full-width brackets of names like 云帆科技（杭州）有限公司."""
    return bool(text) and all("\u4e00" <= ch <= "\u9fff" or ch in "（）" for ch in text)


def test_demo_team_reps_get_their_customers_once():
    seed(customers_per_rep=5)
    seed(customers_per_rep=5)

    team = Team.objects.get(name=DEMO_TEAM)
    per_owner = dict(Customer.objects.values_list("owner__username").annotate(n=Count("id")))
    assert per_owner == {f"rep{i}": 5 for i in range(1, 9)}
    assert Customer.objects.filter(team=team).count() == 40
    assert Customer.objects.get(name=demo.SHOWCASE_CUSTOMER).owner.username == "rep1"


def test_default_size_is_150_customers_per_rep_with_realistic_people():
    # Only this app's part of seed_demo (how long it takes: benchmarks/demo_seed_bench.py).
    context = teams_demo.seed(stdout=io.StringIO(), options={"password": DEMO_PASSWORD})
    demo.seed(stdout=io.StringIO(), options={**context, "teams": 0, "customers_per_rep": 150})

    team = Team.objects.get(name=DEMO_TEAM)
    customers = Customer.objects.filter(team=team)
    assert customers.count() == 1200
    assert all(is_chinese(name) for name in customers.values_list("name", flat=True))
    assert customers.values("name").distinct().count() == 1200
    contacts = Contact.objects.filter(customer__team=team)
    assert all(is_chinese(name) for name in contacts.values_list("name", flat=True))
    per_customer = set(customers.annotate(n=Count("contacts")).values_list("n", flat=True))
    assert per_customer == {2, 3, 4, 5, 6}
    assert contacts.filter(has_left=True).exists()
    assert contacts.exclude(email="").exists() and contacts.exclude(wechat="").exists()
    assert contacts.exclude(landline="").exists()
    assert Department.objects.filter(customer__team=team).values("kind").distinct().count() == 6
    assert customers.exclude(credit_code="").count() > 100

    # Completeness is spread: well-known customers, a large middle and neglected ones.
    values = list(customers.values_list("completeness", flat=True))
    assert len(set(values)) >= 10
    assert sum(v >= 90 for v in values) > 100
    assert sum(40 <= v < 70 for v in values) > 200
    assert sum(v < 40 for v in values) > 100
    # The east coast dominates, but the rest of the country is there too.
    provinces = list(customers.exclude(province="").values_list("province", flat=True))
    east = sum(p in {"310000", "320000", "330000", "440000"} for p in provinces)
    assert len(provinces) / 2 < east < len(provinces) * 0.8
    assert len(set(provinces)) > 20


def test_seeded_rows_obey_the_model_rules():
    """Bulk inserts skip save(): the derived fields must still be what the models compute."""
    seed(customers_per_rep=10)

    assert not Customer.objects.exclude(team_id=F("owner__team_id")).exists()
    for customer in Customer.objects.select_related("owner").order_by("id")[:80]:
        stored = (customer.normalized_name, customer.team_id, customer.completeness)
        customer.full_clean()  # validators: credit code check digit, region codes ...
        customer.normalize()
        assert (customer.normalized_name, customer.team_id) == stored[:2]
        assert score(evaluate_customer(customer)) == stored[2]
    for contact in Contact.objects.select_related("department").order_by("id")[:300]:
        contact.full_clean()  # mobile, landline, WeChat ID, e-mail
        assert contact.department is None or contact.department.customer_id == contact.customer_id


def test_benchmark_teams_are_added_once_with_their_customers():
    seed(customers_per_rep=2, teams=2)
    seed(customers_per_rep=2, teams=3)

    teams = Team.objects.filter(name__startswith="基准测试").order_by("name")
    assert [team.name for team in teams] == ["基准测试0001组", "基准测试0002组", "基准测试0003组"]
    for n, team in enumerate(teams, start=1):
        assert team.lead.username == f"t{n}_lead" and team.lead.role == Role.LEAD
        reps = team.members.filter(role=Role.REP)
        assert sorted(reps.values_list("username", flat=True)) == sorted(f"t{n}_rep{k}" for k in range(1, 9))
        assert Customer.objects.filter(team=team).count() == 16
        assert set(Customer.objects.filter(team=team).values_list("owner__username", flat=True)) == set(
            reps.values_list("username", flat=True)
        )
    assert not Customer.objects.exclude(team_id=F("owner__team_id")).exists()
    assert Customer.objects.count() == 4 * 16
    assert User.objects.get(username="t3_rep8").check_password(DEMO_PASSWORD)
    assert all(is_chinese(name) for name in User.objects.filter(team__in=teams).values_list("display_name", flat=True))


def test_the_same_data_on_every_run_and_without_postgresql_copy(monkeypatch):
    """The generator alone decides the rows; the bulk_create writer (SQLite) stores the same as COPY."""
    monkeypatch.setattr(demo, "_write_copy", demo._write_orm)
    seed(customers_per_rep=4, teams=1)

    team = Team.objects.get(name="基准测试0001组")
    reps = User.objects.filter(team=team, role=Role.REP).order_by("username")
    stored = sorted(
        Customer.objects.filter(team=team)
        .annotate(people=Count("contacts", distinct=True), units=Count("departments", distinct=True))
        .values_list("name", "credit_code", "completeness", "owner_id", "people", "units")
    )
    generated = sorted(
        (c.name, c.credit_code, c.completeness, c.owner_id, len(c.contacts), len(c.departments))
        for c in demo._team_customers(team_no=1, reps=reps, per_rep=4)
    )
    assert stored == generated
    # bulk_create stamps auto_now fields; the spread of dates must survive.
    assert Customer.objects.filter(team=team).values("updated_at").distinct().count() > 25
    assert Contact.objects.filter(customer__team=team).values("created_at").distinct().count() > 25


def test_customers_needed_teams():
    assert demo.customers_needed_teams(customers=1_000_000) == 833
    assert demo.customers_needed_teams(customers=1_000) == 0


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
def test_bulk_load_restores_indexes_and_foreign_keys_and_moves_the_sequences(monkeypatch):
    """Benchmark scale: indexes and foreign keys are dropped for the load, rows come from worker processes."""
    tables = [model._meta.db_table for model in demo.BULK_TABLES]
    before = schema_of(tables)
    assert any("trgm" in name for name, _ in before[0]) and any("FOREIGN KEY" in d for _, d in before[1])
    monkeypatch.setattr(demo, "BULK_LOAD_MIN_CUSTOMERS", 1)

    seed(customers_per_rep=3, teams=3)

    assert schema_of(tables) == before
    assert Customer.objects.filter(team__name__startswith="基准测试").count() == 3 * 8 * 3
    assert not Customer.objects.exclude(team_id=F("owner__team_id")).exists()
    assert not Contact.objects.exclude(department=None).exclude(department__customer=F("customer")).exists()
    # The same rows as the plain path would write (the generator does not depend on the writer).
    assert set(Customer.objects.filter(team__name="基准测试0002组").values_list("name", flat=True)) == {
        c.name
        for c in demo._team_customers(team_no=2, reps=User.objects.filter(username__startswith="t2_rep"), per_rep=3)
    }
    # The ORM's next insert gets a fresh id.
    rep = User.objects.get(username="t1_rep1")
    for model, fields in (
        (Customer, {"name": "新客户有限公司", "owner": rep}),
        (Department, {"customer": Customer.objects.first(), "name": "新部门"}),
        (Contact, {"customer": Customer.objects.first(), "name": "新人"}),
    ):
        assert model.objects.create(**fields).pk > model.objects.exclude(name__startswith="新").order_by("-pk")[0].pk
