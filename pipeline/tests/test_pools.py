"""The public pool: return rules and the stored countdown, release, claim (and the race),
lock, the nightly pass, settings. Real PostgreSQL; dates relative to today."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from accounts import services as account_services
from accounts.models import Customer, Pool, PoolEvent, PoolEventKind
from pipeline import services
from pipeline.pools import capacity
from pipeline.pools import services as pools
from pipeline.pools.locks import lock_overview
from pipeline.pools.rules import pool_of, returns_on_refresh
from pipeline.tests.project_helpers import create_project
from teams.audit import AuditAction, AuditEntry
from teams.errors import ConflictError, DomainError
from teams.notifications.models import Notification, NotificationKind
from tests.factories import CustomerFactory


def _errors(call):
    with pytest.raises(DomainError) as error:
        call()
    return error.value.message_dict if hasattr(error.value, "error_dict") else {"": error.value.messages}


@pytest.fixture
def pool(team, admin):
    return pools.pool_save(
        user=admin,
        data={"name": "华东公海", "activity_days_a": 30, "activity_days_b": 20, "activity_days_c": 10},
        teams=[team],
    )


def _in_pool(customer, pool, by):
    return pools.customer_release(user=by, customer=customer, pool=pool, reason=pool.release_reasons[0])


# --- the countdown -------------------------------------------------------------------------------


def test_countdown_is_stored_per_level_and_an_activity_resets_it(pool, rep):
    today = timezone.localdate()
    a = CustomerFactory(owner=rep, level="A")
    c = CustomerFactory(owner=rep, level="C")
    returns_on_refresh(customers=[a.pk, c.pk])
    a.refresh_from_db(), c.refresh_from_db()
    assert (a.returns_on - today).days == 30 and (c.returns_on - today).days == 10
    assert a.pool_id == pool.pk
    # Pretend it was taken 8 days ago: 2 days left; logging a contact gives the full 10 back.
    Customer.objects.filter(pk=c.pk).update(taken_at=timezone.now() - timedelta(days=8))
    returns_on_refresh(customers=[c.pk])
    c.refresh_from_db()
    assert (c.returns_on - today).days == 2
    services.activity_log(user=rep, kind="call", occurred_at=timezone.now(), summary="回访", customer=c)
    c.refresh_from_db()
    assert (c.returns_on - today).days == 10


def test_a_new_customer_gets_its_countdown_in_the_same_transaction(pool, rep):
    customer = account_services.customer_create(user=rep, data={"name": "宁波海曙新材料有限公司", "level": "B"})
    customer.refresh_from_db()
    assert customer.returns_on == timezone.localdate() + timedelta(days=20)


def test_stage_progress_rule_and_won_customers_never_return(pool, rep, admin):
    pools.pool_save(user=admin, pool=pool, data={"progress_days_b": 5}, version=pool.version)
    project = create_project(rep, opened_at=timezone.now() - timedelta(days=3))
    customer = Customer.objects.get(pk=project.customer_id)
    # taken today, stage entered 3 days ago: the taking is later, so 5 days from today
    assert customer.returns_on == timezone.localdate() + timedelta(days=5)
    # taken 4 days ago: no activity gives 16 days, no progress since 3 days ago gives 2
    Customer.objects.filter(pk=customer.pk).update(taken_at=timezone.now() - timedelta(days=4))
    returns_on_refresh(customers=[customer.pk])
    customer.refresh_from_db()
    assert customer.returns_on == timezone.localdate() + timedelta(days=2)
    services.project_move(user=rep, project=project, stage="won")
    customer.refresh_from_db()
    assert customer.returns_on is None


def test_zero_or_negative_day_counts_are_field_errors_and_nothing_changes(pool, admin):
    errors = _errors(lambda: pools.pool_save(user=admin, pool=pool, data={"activity_days_a": 0, "activity_days_b": -3}))
    assert set(errors) == {"activity_days_a", "activity_days_b"}
    pool.refresh_from_db()
    assert pool.activity_days_a == 30 and pool.version == 1


def test_a_stale_settings_version_is_refused(pool, admin):
    pools.pool_save(user=admin, pool=pool, data={"warn_days": 2}, version=1)
    with pytest.raises(ConflictError):
        pools.pool_save(user=admin, pool=pool, data={"warn_days": 5}, version=1)
    pool.refresh_from_db()
    assert pool.warn_days == 2


def test_only_admins_change_pools(pool, lead):
    _errors(lambda: pools.pool_save(user=lead, pool=pool, data={"warn_days": 9}))
    pool.refresh_from_db()
    assert pool.warn_days == 3


# --- release -------------------------------------------------------------------------------------


def test_release_empties_the_book_and_is_recorded(pool, rep):
    customer = CustomerFactory(owner=rep)
    released = _in_pool(customer, pool, rep)
    assert released.owner_id is None and released.team_id is None and released.previous_owner_id == rep.pk
    assert not Customer.objects.visible_to(rep).filter(pk=customer.pk).exists()
    assert Customer.objects.claimable_by(rep).filter(pk=customer.pk).exists()
    event = PoolEvent.objects.get(customer=customer)
    assert (event.kind, event.rep_id, event.reason) == (PoolEventKind.RELEASED, rep.pk, pool.release_reasons[0])
    assert AuditEntry.objects.filter(action=AuditAction.POOL_RELEASE, target_id=str(customer.pk)).exists()


def test_release_needs_a_reason_from_the_list(pool, rep):
    customer = CustomerFactory(owner=rep)
    errors = _errors(lambda: pools.customer_release(user=rep, customer=customer, pool=pool, reason="不想跟了"))
    assert "reason" in errors
    customer.refresh_from_db()
    assert customer.owner_id == rep.pk


def test_a_rep_cannot_release_a_high_intent_customer_but_the_lead_can(pool, rep, lead):
    project = create_project(rep, stage="contract_legal")
    customer = project.customer
    _errors(lambda: _in_pool(customer, pool, rep))
    customer.refresh_from_db()
    assert customer.owner_id == rep.pk
    _in_pool(customer, pool, lead)
    customer.refresh_from_db()
    assert customer.owner_id is None


def test_moving_to_the_pool_while_the_owner_edits_keeps_the_version_check(pool, rep, lead):
    customer = CustomerFactory(owner=rep)
    opened_at = Customer.objects.get(pk=customer.pk).version
    _in_pool(customer, pool, lead)
    with pytest.raises(ConflictError):
        account_services.customer_update(user=rep, customer=customer, data={"notes": "新备注"}, version=opened_at)
    customer.refresh_from_db()
    assert customer.notes == "" and customer.owner_id is None


# --- claim ---------------------------------------------------------------------------------------


def test_claim_takes_the_customer_and_its_open_projects(pool, rep, other_rep):
    project = create_project(rep)
    customer = project.customer
    _in_pool(customer, pool, rep)
    claimed = pools.customer_claim(user=other_rep, customer_id=customer.pk)
    assert claimed.owner_id == other_rep.pk and claimed.team_id == other_rep.team_id
    assert claimed.returns_on == timezone.localdate() + timedelta(days=20)
    project.refresh_from_db()
    assert project.owner_id == other_rep.pk
    assert PoolEvent.objects.filter(customer=customer, kind=PoolEventKind.CLAIMED, rep=other_rep).exists()


def test_outsiders_cannot_see_or_claim(pool, rep, outsider_rep, admin):
    customer = CustomerFactory(owner=rep)
    _in_pool(customer, pool, rep)
    assert not Customer.objects.claimable_by(outsider_rep).exists()
    with pytest.raises(Customer.DoesNotExist):
        pools.customer_claim(user=outsider_rep, customer_id=customer.pk)
    _errors(lambda: pools.customer_claim(user=admin, customer_id=customer.pk))
    customer.refresh_from_db()
    assert customer.owner_id is None


def test_daily_limit_capacity_and_reclaim_wait_name_the_numbers(pool, rep, other_rep, admin):
    pools.pool_save(user=admin, pool=pool, data={"daily_claim_limit": 1, "capacity_rep": 3}, version=pool.version)
    first, second = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    _in_pool(first, pool, rep)
    _in_pool(second, pool, rep)
    # the previous owner waits
    message = _errors(lambda: pools.customer_claim(user=rep, customer_id=first.pk))[""][0]
    assert "claim it again from" in message
    pools.customer_claim(user=other_rep, customer_id=first.pk)
    message = _errors(lambda: pools.customer_claim(user=other_rep, customer_id=second.pk))[""][0]
    assert "claimed 1 customers today; the daily limit is 1" in message
    pools.pool_save(user=admin, pool=Pool.objects.get(pk=pool.pk), data={"daily_claim_limit": 5, "capacity_rep": 1})
    message = _errors(lambda: pools.customer_claim(user=other_rep, customer_id=second.pk))[""][0]
    assert "hold 1 customers and your capacity is 1" in message
    second.refresh_from_db()
    assert second.owner_id is None


def test_won_customers_do_not_count_unless_the_pool_says_so(pool, rep, other_rep, admin):
    pools.pool_save(user=admin, pool=pool, data={"capacity_rep": 1}, version=pool.version)
    project = create_project(other_rep)
    services.project_move(user=other_rep, project=project, stage="won")
    customer = CustomerFactory(owner=rep)
    _in_pool(customer, pool, rep)
    pools.customer_claim(user=other_rep, customer_id=customer.pk)  # the won one is not counted
    assert capacity.held_count(pool=Pool.objects.get(pk=pool.pk), user=other_rep) == 1


@pytest.mark.django_db(transaction=True)
def test_two_reps_claiming_at_once_exactly_one_wins_and_the_other_is_told_who(rep, other_rep, lead, admin, team):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    pool = pools.pool_save(user=admin, data={"name": "并发公海"}, teams=[team])
    customer = CustomerFactory(owner=lead)
    _in_pool(customer, pool, lead)
    barrier = threading.Barrier(2)
    outcomes = {}

    def claim(user):
        try:
            barrier.wait()
            pools.customer_claim(user=user, customer_id=customer.pk)
            outcomes[user.pk] = "won"
        except ConflictError as error:
            outcomes[user.pk] = error.data
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in (rep, other_rep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    customer.refresh_from_db()
    winner = customer.owner_id
    loser = ({rep.pk, other_rep.pk} - {winner}).pop()
    assert outcomes[winner] == "won"
    assert outcomes[loser]["owner"] == winner
    assert PoolEvent.objects.filter(customer=customer, kind=PoolEventKind.CLAIMED).count() == 1


# --- lock ----------------------------------------------------------------------------------------


def test_the_lead_locks_a_few_per_rep_and_locked_customers_never_return(pool, rep, lead, admin):
    pools.pool_save(user=admin, pool=pool, data={"lock_limit": 1}, version=pool.version)
    first, second = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    _errors(lambda: pools.customer_lock(user=rep, customer=first, locked=True))
    pools.customer_lock(user=lead, customer=first, locked=True)
    first.refresh_from_db()
    assert first.locked and first.returns_on is None
    message = _errors(lambda: pools.customer_lock(user=lead, customer=second, locked=True))[""][0]
    assert "1 locked customers; the limit is 1" in message


def test_the_lock_limit_counts_the_locks_in_the_customers_pool_only(pool, rep, lead, admin, team):
    """A rep's locks in one pool do not use up another pool's limit; locks of customers with no pool
    of their own count in their team's home pool."""
    pools.pool_save(user=admin, pool=pool, data={"lock_limit": 1}, version=pool.version)
    other = pools.pool_save(user=admin, data={"name": "华北公海", "lock_limit": 1}, teams=[team])
    assert pool_of(CustomerFactory.build(owner=rep, team=team, pool=None)) == pool  # 华东公海: the home pool
    home, home_too, elsewhere, elsewhere_too = (CustomerFactory(owner=rep) for _ in range(4))
    Customer.objects.filter(pk__in=[elsewhere.pk, elsewhere_too.pk]).update(pool=other)
    pools.customer_lock(user=lead, customer=home, locked=True)
    Customer.objects.filter(pk=home.pk).update(pool=None)  # no pool of its own: counts in the home pool
    pools.customer_lock(user=lead, customer=elsewhere, locked=True)  # the home pool's lock does not count here
    for customer, pool_name in ((home_too, "华东公海"), (elsewhere_too, "华北公海")):
        message = _errors(lambda customer=customer: pools.customer_lock(user=lead, customer=customer, locked=True))
        assert "1 locked customers; the limit is 1" in message[""][0], pool_name
    stored = dict(Customer.objects.filter(owner=rep).values_list("pk", "locked"))
    assert stored == {home.pk: True, elsewhere.pk: True, home_too.pk: False, elsewhere_too.pk: False}
    people = {person.pk: person for person in lock_overview(team=team)["people"]}
    assert people[rep.pk].locked_count == 1 and len(people[rep.pk].locked_customers) == 2


def test_the_lock_overview_offers_a_lock_where_the_customers_own_pool_leaves_room(pool, rep, lead, admin, team, client):
    """At the home pool's limit, a customer returning soon to another pool still gets its Lock
    button (that pool counts its own locks), and the lock then goes through; one returning to
    the home pool does not."""
    pools.pool_save(user=admin, pool=pool, data={"lock_limit": 1}, version=pool.version)
    other = pools.pool_save(user=admin, data={"name": "华北公海", "lock_limit": 1}, teams=[team])
    pools.customer_lock(user=lead, customer=CustomerFactory(owner=rep), locked=True)  # the home pool is full
    home, elsewhere = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    Customer.objects.filter(pk=elsewhere.pk).update(pool=other)
    Customer.objects.filter(pk__in=[home.pk, elsewhere.pk]).update(returns_on=timezone.localdate() + timedelta(days=3))
    person = next(p for p in lock_overview(team=team)["people"] if p.pk == rep.pk)
    assert person.at_limit
    assert {c.pk: c.lockable for c in person.soonest} == {home.pk: False, elsewhere.pk: True}
    client.force_login(lead)
    page = client.get("/pools/locks/").content.decode()
    assert f'action="/pools/customers/{elsewhere.pk}/lock/"' in page
    assert f'action="/pools/customers/{home.pk}/lock/"' not in page
    pools.customer_lock(user=lead, customer=elsewhere, locked=True)
    assert Customer.objects.get(pk=elsewhere.pk).locked


@pytest.mark.django_db(transaction=True)
def test_two_locks_of_one_reps_customers_at_once_cannot_both_slip_under_the_limit(rep, lead, admin, team):
    """The lead locks one of the rep's customers and, before that commits, an admin locks another:
    the admin's lock waits for the lead's and then counts it (without the owner's row locked
    first, both counted 0 locks and both went through)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections")
    pools.pool_save(user=admin, data={"name": "并发公海", "lock_limit": 1}, teams=[team])
    first, second = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    first_locked, commit_first = threading.Event(), threading.Event()
    outcomes = {}

    def lock_first():
        try:
            with transaction.atomic():
                pools.customer_lock(user=lead, customer=first, locked=True)
                first_locked.set()
                commit_first.wait(timeout=10)
            outcomes["first"] = "locked"
        finally:
            first_locked.set()
            connection.close()

    def lock_second():
        try:
            with translation.override("en"):
                pools.customer_lock(user=admin, customer=second, locked=True)
            outcomes["second"] = "locked"
        except DomainError as error:
            with translation.override("en"):
                outcomes["second"] = error.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=lock_first), threading.Thread(target=lock_second)]
    threads[0].start()
    assert first_locked.wait(timeout=10)
    threads[1].start()
    threads[1].join(timeout=1)  # with the owner's row locked, it waits for the first lock's commit
    commit_first.set()
    for thread in threads:
        thread.join()
    assert outcomes["first"] == "locked"
    assert "1 locked customers; the limit is 1" in outcomes["second"]
    stored = dict(Customer.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "locked"))
    assert stored == {first.pk: True, second.pk: False}


# --- the nightly pass ----------------------------------------------------------------------------


def test_the_nightly_pass_returns_due_customers_warns_and_asks_the_lead(pool, rep, lead):
    today = timezone.localdate()
    due = CustomerFactory(owner=rep)
    soon = CustomerFactory(owner=rep)
    later = CustomerFactory(owner=rep)
    held = create_project(rep, stage="contract_legal").customer
    for customer, days in ((due, -1), (soon, 2), (later, 15), (held, 0)):
        Customer.objects.filter(pk=customer.pk).update(returns_on=today + timedelta(days=days), pool=pool)
    result = pools.pool_return_pass(today=today)
    assert result["returned"] == 1 and result["held_for_consent"] == 1
    due.refresh_from_db(), held.refresh_from_db(), later.refresh_from_db()
    assert due.owner_id is None and due.previous_owner_id == rep.pk
    assert held.owner_id == rep.pk and later.owner_id == rep.pk
    event = PoolEvent.objects.get(customer=due)
    assert event.kind == PoolEventKind.RETURNED and event.rep_id == rep.pk and event.team_id == rep.team_id
    assert AuditEntry.objects.filter(action=AuditAction.POOL_RETURN, target_id=str(due.pk)).exists()
    warned = Notification.objects.filter(kind=NotificationKind.POOL_WARNING, user=rep)
    assert {n.target_id for n in warned} == {soon.pk, held.pk}
    assert Notification.objects.filter(kind=NotificationKind.POOL_CONSENT, user=lead, target_id=held.pk).exists()
    # a second run changes nothing and tells nobody twice
    again = pools.pool_return_pass(today=today)
    assert again["returned"] == 0 and again["warned"] == 0 and again["leads_asked"] == 0


# --- a customer without an owner, everywhere owners are read ------------------------------------


def test_pool_customers_are_in_nobodys_book_but_exports_and_duplicates_still_work(pool, rep, lead, admin):
    from accounts.exporting import customer_rows
    from accounts.selectors import find_duplicates

    customer = CustomerFactory(owner=rep, name="温州港湾物流有限公司")
    _in_pool(customer, pool, rep)
    for user in (rep, lead):
        assert not Customer.objects.visible_to(user).filter(pk=customer.pk).exists()
        assert not Customer.objects.editable_by(user).filter(pk=customer.pk).exists()
    rows = list(customer_rows(Customer.objects.visible_to(admin).filter(pk=customer.pk), user=admin))
    assert len(rows) == 1 and rows[0][0] == customer.name and "" in rows[0]  # its owner column is empty
    matches = find_duplicates(name="温州港湾物流有限公司")
    assert matches and matches[0].owner_id is None and matches[0].owner_name == "the public pool"
    similar = find_duplicates(name="温州港湾物流")
    assert any(m.customer_id == customer.pk for m in similar)
