"""The pool's limits pages and API: each person's capacity (admins set anyone's; a lead tightens the
own reps' up to the role's), with the version check and the audit entry, and the lead's overview
of locked customers. Permission matrix per persona with the stored state checked after each
refusal; query budgets that hold as teams grow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Customer, PoolCapacity
from pipeline.pools import capacity as capacities
from pipeline.pools import services as pools
from pipeline.tests.test_pool_api import EN, PERSONAS
from teams.audit import AuditAction, AuditEntry
from teams.errors import ConflictError, DomainError
from teams.models import Role
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas, team, other_team):
    admin = personas["admin"]
    home = pools.pool_save(user=admin, data={"name": "华东公海", "capacity_rep": 300, "lock_limit": 2}, teams=[team])
    other = pools.pool_save(user=admin, data={"name": "华北公海"}, teams=[other_team])
    return {"home": home, "other": other}


# --- capacity: the API matrix ---------------------------------------------------------------------

READ = {None: 401, "rep": 403, "other_rep": 403, "outsider_rep": 404, "lead": 200, "other_lead": 404, "admin": 200}
# Tightening the rep's capacity to 100 (the role's is 300).
WRITE = {None: 401, "rep": 403, "other_rep": 403, "outsider_rep": 404, "lead": 200, "other_lead": 404, "admin": 200}


@pytest.mark.parametrize("persona", PERSONAS)
def test_reading_capacities(api_for, world, personas, persona):
    response = api_for(persona).get(f"/api/v1/pools/{world['home'].pk}/capacities/")
    assert response.status_code == READ[persona]
    if response.status_code == 200:
        rows = {row["user"]: row for row in response.json()["results"]}
        # served: the team's lead and reps, never the other team's people
        assert set(rows) == {personas["lead"].pk, personas["rep"].pk, personas["other_rep"].pk}
        assert rows[personas["rep"].pk] | {"held": 0} == {
            "user": personas["rep"].pk,
            "name": personas["rep"].name,
            "role": "rep",
            "team": personas["rep"].team_id,
            "held": 0,
            "claimed_today": 0,
            "capacity": 300,
            "role_capacity": 300,
            "override": None,
            "admin_capacity": None,
            "lead_ceiling": 300,
            "version": 0,
        }


@pytest.mark.parametrize("persona", PERSONAS)
def test_setting_a_reps_capacity(api_for, world, personas, persona):
    pool, rep = world["home"], personas["rep"]
    response = api_for(persona).post(
        f"/api/v1/pools/{pool.pk}/capacities/", {"user": rep.pk, "capacity": 100, "version": 0}, format="json"
    )
    assert response.status_code == WRITE[persona]
    stored = PoolCapacity.objects.filter(pool=pool, user=rep).values_list("capacity", "version").first()
    if response.status_code == 200:
        assert stored == (100, 1)
        assert response.json()["capacity"] == 100 and response.json()["version"] == 1
        entry = AuditEntry.objects.filter(action=AuditAction.SETTINGS_CHANGED, actor=personas[persona]).latest("at")
        assert entry.detail == {"user": rep.pk, "capacity": [None, 100], "default": 300}
    else:
        assert stored is None
        assert not AuditEntry.objects.filter(action=AuditAction.SETTINGS_CHANGED, summary__contains=rep.name).exists()


def test_a_lead_tightens_reps_only_and_never_above_the_roles(api_for, world, personas):
    pool, rep, lead = world["home"], personas["rep"], personas["lead"]
    url = f"/api/v1/pools/{pool.pk}/capacities/"
    above = api_for("lead").post(url, {"user": rep.pk, "capacity": 301, "version": 0}, format="json", **EN)
    assert above.status_code == 400 and "at most the role's capacity, 300" in above.json()["errors"]["capacity"][0]
    own = api_for("lead").post(url, {"user": lead.pk, "capacity": 10, "version": 0}, format="json")
    assert own.status_code == 400
    assert not PoolCapacity.objects.exists()
    # an admin raises it; the lead then cannot touch it
    assert api_for("admin").post(url, {"user": rep.pk, "capacity": 500}, format="json").status_code == 200
    refused = api_for("lead").post(url, {"user": rep.pk, "capacity": None, "version": 1}, format="json", **EN)
    assert refused.status_code == 400 and "above the role's 300: ask an admin" in refused.json()["detail"]
    assert PoolCapacity.objects.get(user=rep).capacity == 500
    # the admin clears it: back to the role's
    cleared = api_for("admin").post(url, {"user": rep.pk, "capacity": None, "version": 1}, format="json")
    assert cleared.status_code == 200 and cleared.json() | {"held": 0} == cleared.json() | {
        "held": 0,
        "capacity": 300,
        "override": None,
        "version": 2,
    }
    assert PoolCapacity.objects.filter(user=rep).values_list("capacity", "version").get() == (None, 2)


# Raising the rep's capacity back to the role's 300 after an admin tightened it to 100: the lead may
# not loosen what an admin tightened (a field error naming the admin's number), nor may anyone else.
RAISE_ADMINS = {
    None: 401,
    "rep": 403,
    "other_rep": 403,
    "outsider_rep": 404,
    "lead": 400,
    "other_lead": 404,
    "admin": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_raising_an_admin_tightened_capacity_back_to_the_roles(api_for, world, personas, persona):
    pool, rep = world["home"], personas["rep"]
    capacities.pool_capacity_set(user=personas["admin"], pool=pool, person=rep, capacity=100, version=0)
    response = api_for(persona).post(
        f"/api/v1/pools/{pool.pk}/capacities/", {"user": rep.pk, "capacity": 300, "version": 1}, format="json", **EN
    )
    assert response.status_code == RAISE_ADMINS[persona]
    stored = PoolCapacity.objects.filter(pool=pool, user=rep).values_list("capacity", "admin_capacity", "version")
    if response.status_code == 200:
        assert stored.get() == (300, 300, 2)
    else:
        assert stored.get() == (100, 100, 1)
        assert capacities.limits_for(pool=pool, user=rep)["capacity"] == 100
    if persona == "lead":
        assert response.json()["errors"]["capacity"] == [
            "An admin set 张伟's capacity to 100: a lead may set at most that; ask an admin for more."
        ]


def test_a_lead_tightens_an_admins_capacity_further_and_back_but_never_above_it(world, personas):
    pool, rep, lead, admin = world["home"], personas["rep"], personas["lead"], personas["admin"]

    def stored():
        return (
            PoolCapacity.objects.filter(pool=pool, user=rep).values_list("capacity", "admin_capacity", "version").get()
        )

    def refused(capacity, version):
        with pytest.raises(DomainError) as error:
            capacities.pool_capacity_set(user=lead, pool=pool, person=rep, capacity=capacity, version=version)
        return error.value.message_dict["capacity"][0]

    capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=100, version=0)
    assert "capacity to 100: a lead may set at most that" in refused(101, 1)
    capacities.pool_capacity_set(user=lead, pool=pool, person=rep, capacity=60, version=1)
    assert stored() == (60, 100, 2)
    assert "capacity to 100: a lead may set at most that" in refused(300, 2)
    assert stored() == (60, 100, 2)
    capacities.pool_capacity_set(user=lead, pool=pool, person=rep, capacity=100, version=2)  # back up to the admin's
    assert stored() == (100, 100, 3)
    capacities.pool_capacity_set(user=lead, pool=pool, person=rep, capacity=70, version=3)
    # the lead's clear takes back the lead's own tightening only: the admin's 100 stands, not the role's 300
    capacities.pool_capacity_set(user=lead, pool=pool, person=rep, capacity=None, version=4)
    assert stored() == (100, 100, 5)
    assert capacities.limits_for(pool=pool, user=rep)["capacity"] == 100
    # an admin's setting at or above the role's leaves the lead the role's as the ceiling
    capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=300, version=5)
    assert "at most the role's capacity, 300" in refused(301, 6)
    capacities.pool_capacity_set(user=lead, pool=pool, person=rep, capacity=250, version=6)
    assert stored() == (250, 300, 7)
    # once the admin clears it, the lead's ceiling is the role's again
    capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=None, version=7)
    assert stored() == (None, None, 8)
    capacities.pool_capacity_set(user=lead, pool=pool, person=rep, capacity=300, version=8)
    assert stored() == (300, None, 9)
    entries = AuditEntry.objects.filter(action=AuditAction.SETTINGS_CHANGED, summary__contains=rep.name)
    assert entries.count() == 9  # one per stored change; nothing for the refusals


def test_the_capacity_page_names_the_admins_number_to_the_lead(client_for, world, personas):
    pool, rep = world["home"], personas["rep"]
    capacities.pool_capacity_set(user=personas["admin"], pool=pool, person=rep, capacity=100, version=0)
    client, url = client_for("lead"), f"/pools/{pool.pk}/capacity/"
    page = client.get(url, **EN).content.decode()
    assert "set by an admin" in page and "Back to the admin" not in page
    refused = client.post(url, {"user": rep.pk, "capacity": "300", "version": "1"}, **EN)
    assert refused.status_code == 400
    assert "An admin set 张伟&#x27;s capacity to 100: a lead may set at most that" in refused.content.decode()
    assert PoolCapacity.objects.filter(user=rep).values_list("capacity", "admin_capacity", "version").get() == (
        100,
        100,
        1,
    )
    assert client.post(url, {"user": rep.pk, "capacity": "40", "version": "1"}).status_code == 302
    page = client.get(url, **EN).content.decode()
    assert "an admin set 100" in page and "Back to the admin's" in page
    assert client.post(url, {"user": rep.pk, "clear": "1", "version": "2"}).status_code == 302
    assert PoolCapacity.objects.filter(user=rep).values_list("capacity", "admin_capacity").get() == (100, 100)


def test_a_form_opened_before_a_clear_and_a_new_setting_cannot_overwrite_it(world, personas):
    # A opens the page at 100 (version 1); B clears it and sets 80; A's save of 120 is stale.
    pool, rep, admin = world["home"], personas["rep"], personas["admin"]
    capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=100, version=0)
    capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=None, version=1)
    capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=80, version=2)
    with pytest.raises(ConflictError):
        capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=120, version=1)
    assert PoolCapacity.objects.filter(user=rep).values_list("capacity", "version").get() == (80, 3)
    assert capacities.limits_for(pool=pool, user=rep)["capacity"] == 80


def test_a_stale_version_or_a_bad_number_changes_nothing(world, personas):
    pool, rep, admin = world["home"], personas["rep"], personas["admin"]
    capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=120, version=0)
    with pytest.raises(ConflictError):
        capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=90, version=0)
    with pytest.raises(DomainError):
        capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=0, version=1)
    assert PoolCapacity.objects.filter(user=rep).values_list("capacity", "version").get() == (120, 1)
    capacities.pool_capacity_set(user=admin, pool=pool, person=rep, capacity=90, version=1)
    assert PoolCapacity.objects.filter(user=rep).values_list("capacity", "version").get() == (90, 2)


def test_the_claim_counts_against_the_new_capacity(world, personas):
    pool, rep, lead = world["home"], personas["rep"], personas["lead"]
    CustomerFactory(owner=rep)
    waiting = CustomerFactory(owner=lead)
    pools.customer_release(user=lead, customer=waiting, pool=pool, reason=pool.release_reasons[0])
    capacities.pool_capacity_set(user=lead, pool=pool, person=rep, capacity=1, version=0)
    with pytest.raises(DomainError) as refused:
        pools.customer_claim(user=rep, customer_id=waiting.pk)
    assert "hold 1 customers and your capacity is 1" in str(refused.value)
    assert Customer.objects.get(pk=waiting.pk).owner_id is None


# --- capacity: the page ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,expected",
    [("rep", 403), ("outsider_rep", 403), ("lead", 200), ("other_lead", 404), ("admin", 200)],
)
def test_capacity_page_per_persona(client_for, world, personas, persona, expected):
    url = f"/pools/{world['home'].pk}/capacity/"
    assert client_for(persona).get(url, **EN).status_code == expected
    posted = client_for(persona).post(url, {"user": personas["other_rep"].pk, "capacity": "50", "version": "0"})
    assert posted.status_code == (302 if expected == 200 else expected)
    assert PoolCapacity.objects.filter(user=personas["other_rep"]).exists() == (expected == 200)


def test_capacity_page_shows_held_against_capacity_and_names_errors_in_the_row(client_for, world, personas):
    rep = personas["rep"]
    for _ in range(3):
        CustomerFactory(owner=rep)
    client = client_for("lead")
    url = f"/pools/{world['home'].pk}/capacity/"
    page = client.get(url, **EN).content.decode()
    assert "3 of 300" in page and "Won customers do not count" in page
    refused = client.post(url, {"user": rep.pk, "capacity": "400", "version": "0"}, **EN)
    assert refused.status_code == 400
    assert "at most the role&#x27;s capacity, 300" in refused.content.decode()
    assert client.post(url, {"user": rep.pk, "capacity": "3", "version": "0"}).status_code == 302
    page = client.get(url, **EN).content.decode()
    assert "3 of 3" in page and "Full" in page
    stale = client.post(url, {"user": rep.pk, "capacity": "2", "version": "0"}, **EN)
    assert stale.status_code == 400 and "Someone else saved" in stale.content.decode()
    assert client.post(url, {"user": rep.pk, "clear": "1", "version": "1"}).status_code == 302
    assert PoolCapacity.objects.filter(user=rep).values_list("capacity", "version").get() == (None, 2)
    assert "3 of 300" in client.get(url, **EN).content.decode()
    # ids that are not numbers find nobody, as unknown ones do
    assert client.post(url, {"user": "abc", "capacity": "3", "version": "2"}).status_code == 404
    assert client_for("admin").get("/pools/locks/", {"team": "abc"}).status_code == 200  # the first team


# session, user, the pool, the page's count, and the people of the page with their held, won held,
# claims today and override in the same query: constant however many people.
CAPACITY_PAGE = 5
CAPACITY_API = 3  # the pool, the count, the people with their figures (token auth: no session)


def test_capacity_page_and_api_cost_the_same_queries_however_many_people(
    client_for, api_for, world, team, django_assert_max_num_queries
):
    counts = []
    page_client, api_client = client_for("admin"), api_for("lead")
    for extra in (1, 30):
        for _ in range(extra):
            person = UserFactory(team=team, role=Role.REP)
            CustomerFactory(owner=person)
        with django_assert_max_num_queries(CAPACITY_PAGE) as page:
            assert page_client.get(f"/pools/{world['home'].pk}/capacity/").status_code == 200
        with django_assert_max_num_queries(CAPACITY_API) as api:
            assert api_client.get(f"/api/v1/pools/{world['home'].pk}/capacities/").status_code == 200
        counts.append((len(page.captured_queries), len(api.captured_queries)))
    assert counts[0] == counts[1]


# --- the lock overview ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,expected",
    [(None, 302), ("rep", 403), ("other_rep", 403), ("lead", 200), ("other_lead", 200), ("admin", 200)],
)
def test_lock_overview_per_persona(client_for, world, personas, persona, expected):
    locked = CustomerFactory(owner=personas["rep"])
    pools.customer_lock(user=personas["lead"], customer=locked, locked=True)
    response = client_for(persona).get("/pools/locks/", **EN)
    assert response.status_code == expected
    if expected == 200:
        # the lead (and by default the admin) sees the own team; the other lead their own, without it
        assert (locked.name in response.content.decode()) == (persona != "other_lead")


def test_the_lead_locks_and_unlocks_from_the_overview_and_the_limit_names_numbers(client_for, world, personas):
    rep = personas["rep"]
    today = timezone.localdate()
    first, second, third = (CustomerFactory(owner=rep, name=f"锁定测试{i}有限公司") for i in range(3))
    for days, customer in enumerate((first, second, third), start=1):
        Customer.objects.filter(pk=customer.pk).update(returns_on=today + timedelta(days=days))
    client = client_for("lead")
    page = client.get("/pools/locks/", **EN).content.decode()
    assert "0 of 2 locked" in page and "1 day left" in page
    for customer in (first, second):
        done = client.post(f"/pools/customers/{customer.pk}/lock/", {"locked": "1", "next": "/pools/locks/"})
        assert done.status_code == 302 and done["Location"] == "/pools/locks/"
    page = client.get("/pools/locks/", **EN).content.decode()
    assert "2 of 2 locked" in page
    refused = client.post(
        f"/pools/customers/{third.pk}/lock/", {"locked": "1", "next": "/pools/locks/"}, follow=True, **EN
    )
    assert "already has 2 locked customers; the limit is 2" in refused.content.decode()
    assert not Customer.objects.get(pk=third.pk).locked
    # a foreign "next" is ignored; the rep cannot lock
    elsewhere = client.post(f"/pools/customers/{first.pk}/lock/", {"locked": "0", "next": "https://evil.example/"})
    assert elsewhere["Location"] == first.get_absolute_url() and not Customer.objects.get(pk=first.pk).locked
    client_for("rep").post(f"/pools/customers/{third.pk}/lock/", {"locked": "1"})
    assert not Customer.objects.get(pk=third.pk).locked


# session, user, the team, the home pools, the pool, the people, their locked customers, the
# soonest three per person (one window query): constant however many people.
LOCKS_PAGE = 8


def test_lock_overview_costs_the_same_queries_however_many_people(
    client_for, world, team, django_assert_max_num_queries
):
    counts, client = [], client_for("lead")
    for extra in (1, 20):
        for _ in range(extra):
            person = UserFactory(team=team, role=Role.REP)
            customer = CustomerFactory(owner=person)
            Customer.objects.filter(pk=customer.pk).update(returns_on=timezone.localdate() + timedelta(days=4))
            Customer.objects.filter(pk=CustomerFactory(owner=person).pk).update(locked=True)
        with django_assert_max_num_queries(LOCKS_PAGE) as page:
            assert client.get("/pools/locks/").status_code == 200
        counts.append(len(page.captured_queries))
    assert counts[0] == counts[1]
