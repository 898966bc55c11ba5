"""Writes of the public pool: release, claim, lock, the nightly return pass, and pool
settings. Each is one transaction; each refusal is a ``DomainError`` naming the field
and the numbers; every change is in the audit log and in ``PoolEvent``."""

import datetime

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer, Pool, PoolEvent, PoolEventKind
from pipeline.pools.capacity import figures, limit_annotations, start_of_today
from pipeline.pools.rules import (
    countdown_facts,
    has_high_intent,
    high_intent_exists,
    in_pool,
    pool_of,
    returns_on_for,
    returns_on_refresh,
)
from projects.models import Project
from teams.audit import AuditAction, AuditEntry, audit_record
from teams.compiled import CompiledQuery
from teams.errors import ConflictError, DomainError, validated
from teams.models import Role, User
from teams.notifications.models import NotificationKind
from teams.notifications.services import notify_many
from teams.ownership import in_own_scope, manages_team_of
from teams.versioning import check_version


def _today() -> datetime.date:
    return timezone.localdate()


def _event(*, customer, pool, kind, rep, team_id, by, reason="", at=None) -> PoolEvent:
    return PoolEvent(
        customer=customer, pool=pool, kind=kind, rep=rep, team_id=team_id, by=by, reason=reason, at=at or timezone.now()
    )


# --- Release ------------------------------------------------------------------


@transaction.atomic
def customer_release(
    *,
    user: User,
    customer: Customer,
    reason: str,
    pool: Pool | None = None,
    version: int | None = None,
    request=None,
) -> Customer:
    """Put a customer from a book into a pool, with a reason from the pool's list. The owner,
    the team's lead or an admin may; a rep cannot release a customer with an open
    high-intent project (the lead's release is the consent). The version check holds:
    an owner editing the customer meanwhile gets a 409 and loses nothing."""
    locked = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    if locked.owner_id is None:
        raise ConflictError(_("This customer is already in the pool."), data={"pool": locked.pool_id})
    if not in_own_scope(user=user, record=locked):
        raise DomainError(_("Only the owner, the team's lead or an admin can release this customer."))
    check_version(current=locked.version, expected=version, current_data={"owner": locked.owner_id})
    pool = pool or pool_of(locked)
    errors = {}
    if pool is None or pool.archived:
        errors["pool"] = [_("Choose a pool to release the customer to.")]
    elif not user.is_admin and not pool.teams.filter(pk=locked.team_id).exists():
        errors["pool"] = [_("This pool does not serve the customer's team; choose another.")]
    reason = (reason or "").strip()
    if pool is not None and reason not in pool.release_reasons:
        errors["reason"] = [
            _("Choose a reason from the list: %(reasons)s.") % {"reasons": "、".join(pool.release_reasons)}
        ]
    if errors:
        raise DomainError(errors)
    if user.role == Role.REP and has_high_intent(locked.pk):
        raise DomainError(
            _(
                "This customer has an open high-intent project: only your lead can release it. "
                "Ask your lead, or move the project first."
            )
        )
    previous, team_id = locked.owner, locked.team_id
    now = timezone.now()
    _put_in_pool(locked, pool=pool, now=now, by=user, reason=reason)
    _event(
        customer=locked, pool=pool, kind=PoolEventKind.RELEASED, rep=previous, team_id=team_id, by=user, reason=reason
    ).save()
    audit_record(
        actor=user,
        action=AuditAction.POOL_RELEASE,
        target=locked,
        summary=_("Released to %(pool)s: %(reason)s") % {"pool": pool.name, "reason": reason},
        detail={"pool": pool.pk, "previous_owner": previous.pk, "reason": reason},
        request=request,
    )
    return locked


def _put_in_pool(customer: Customer, *, pool: Pool, now, by, reason) -> None:
    customer.previous_owner_id = customer.owner_id
    customer.owner = None
    customer.pool = pool
    customer.released_at = now
    customer.returns_on = None
    customer.locked = False
    customer.version = F("version") + 1
    customer._history_user = by
    customer._change_reason = reason
    customer.save()
    customer.refresh_from_db()


# --- Claim --------------------------------------------------------------------


def _claim_rows(*, user_id, team_id, customer_id, since):
    """The customer locked (``FOR UPDATE`` of its row), annotated in the same statement with whether
    a pool serving the claimer (an active rep or lead of a team: the claim refuses anyone else
    first) holds it (``served``), the claimer's limits in that pool and the facts of its new countdown."""
    user = User(pk=user_id, team_id=team_id, role=Role.REP, is_active=True)
    return (
        Customer.objects.select_for_update(of=("self",))
        .annotate(
            served=Exists(Pool.objects.visible_to(user).filter(pk=OuterRef("pool_id"))),
            **limit_annotations(pool=OuterRef("pool_id"), person=user_id, since=since),
            **countdown_facts(),
        )
        .filter(pk=customer_id)
        .order_by()
    )


# Compiled once per process: building and compiling those subqueries cost more CPU than the rest of
# the claim together (≈ 10 ms of the 22 measured in benchmarks/pool_bench.py).
CLAIM_QUERY = CompiledQuery(_claim_rows, Customer, user_id=int, team_id=int, customer_id=int, since=datetime.datetime)


def _claim_target(*, user: User, customer_id: int) -> Customer:
    """The customer, locked, with what the claim checks (``_claim_rows``). Waits for a concurrent
    claim to commit, so the loser sees the winner (PostgreSQL re-reads the locked row)."""
    found = CLAIM_QUERY.rows(
        "member",
        user_id=user.pk,
        team_id=user.team_id,
        customer_id=customer_id,
        since=start_of_today(),
    )
    locked = found[0] if found else None
    if locked is None or locked.pool_id is None or not locked.served:
        raise Customer.DoesNotExist
    if locked.owner_id is not None:
        owner = locked.owner
        raise ConflictError(
            _("%(owner)s claimed this customer first.") % {"owner": owner.name}
            if owner.pk != user.pk
            else _("You already hold this customer."),
            data={"owner": owner.pk, "owner_name": owner.name},
            code="claimed",
        )
    return locked


# What a claim changes on the customer (``team`` follows the owner in ``Customer.normalize``).
CLAIM_FIELDS = ["owner", "team", "taken_at", "released_at", "locked", "version", "returns_on", "updated_at"]


@transaction.atomic
def customer_claim(*, user: User, customer_id: int, request=None) -> Customer:
    """A rep (or lead) of a team the pool serves takes a customer from it. Exactly one of
    two simultaneous claims wins: the row lock makes the second wait and then see the
    owner (409 naming them). The daily limit, the reclaim waiting period and the capacity
    are checked with the claimer's own row locked first, so two claims by one person cannot
    both slip under a limit. Raises ``Customer.DoesNotExist`` for anything outside the
    user's pools (404). Six queries when the customer has no open project."""
    if user.role not in (Role.REP, Role.LEAD) or user.team_id is None:
        raise DomainError(_("Only reps and leads of a team the pool serves can claim customers."))
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk").first()
    locked = _claim_target(user=user, customer_id=customer_id)
    pool = locked.pool
    now = timezone.now()
    limits = figures(locked, pool=pool, role=user.role)
    done, limit = limits["claimed_today"], limits["daily_limit"]
    if done >= limit:
        raise DomainError(
            _("You have claimed %(done)s customers today; the daily limit is %(limit)s. Try again tomorrow.")
            % {"done": done, "limit": limit}
        )
    if locked.previous_owner_id == user.pk and locked.released_at is not None:
        free_on = timezone.localdate(locked.released_at) + datetime.timedelta(days=pool.reclaim_wait_days)
        if _today() < free_on:
            raise DomainError(
                _("You released this customer on %(released)s; you may claim it again from %(free)s.")
                % {"released": timezone.localdate(locked.released_at).isoformat(), "free": free_on.isoformat()}
            )
    held, capacity = limits["held"], limits["capacity"]
    if held >= capacity:
        raise DomainError(
            _("You hold %(held)s customers and your capacity is %(capacity)s: release one before claiming.")
            % {"held": held, "capacity": capacity}
        )
    locked.owner = user
    locked.taken_at = now
    locked.released_at = None
    locked.locked = False
    locked.version += 1  # the row is locked: no one else counts it up meanwhile
    locked._history_user = user
    locked._change_reason = _("Claimed from %(pool)s") % {"pool": pool.name}
    locked.returns_on = returns_on_for(locked, pool)  # its facts came with the row
    locked.save(update_fields=CLAIM_FIELDS)
    # Its open projects follow the customer to the claimer (kept in each project's history).
    open_projects = Project.objects.select_for_update().filter(customer=locked, closed_at__isnull=True)
    for project in open_projects.exclude(owner=user) if locked.has_open else ():
        project.owner = user
        project.version = F("version") + 1
        project._history_user = user
        project._change_reason = locked._change_reason
        project.save()
    _event(customer=locked, pool=pool, kind=PoolEventKind.CLAIMED, rep=user, team_id=user.team_id, by=user).save()
    audit_record(
        actor=user,
        action=AuditAction.POOL_CLAIM,
        target=locked,
        summary=_("Claimed from %(pool)s") % {"pool": pool.name},
        detail={"pool": pool.pk},
        request=request,
    )
    return locked


# --- Lock ---------------------------------------------------------------------


@transaction.atomic
def customer_lock(*, user: User, customer: Customer, locked: bool, request=None) -> Customer:
    """The team's lead (or an admin) locks a customer so the rules never return it; a few
    per rep in each pool (the pool's ``lock_limit``, counting the rep's locks in that pool).
    The owner's user row is locked first, as a claim locks its claimer's: two locks of one
    rep's customers at once (two leads, or an admin and the lead) are counted one after the
    other, so they cannot both slip under the limit; and a claim and a lock take the two
    rows in the same order, so they never deadlock."""
    owner_id = Customer.objects.filter(pk=customer.pk).values_list("owner_id", flat=True).first()
    if owner_id is not None:
        User.objects.select_for_update().filter(pk=owner_id).values_list("pk").first()
    row = Customer.objects.select_for_update(of=("self",)).select_related("pool", "owner").get(pk=customer.pk)
    if row.owner_id not in (None, owner_id):  # handed over between the two reads: count under its new owner
        User.objects.select_for_update().filter(pk=row.owner_id).values_list("pk").first()
    if row.owner_id is None:
        raise DomainError(_("A customer in the pool cannot be locked."))
    if not manages_team_of(user=user, record=row):
        raise DomainError(_("Only the team's lead or an admin can lock customers."))
    if row.locked == locked:
        return row
    pool = pool_of(row)
    if locked and pool is not None:
        # The limit is this pool's: locks of the owner's customers in other pools do not count.
        count = Customer.objects.filter(in_pool(pool), owner_id=row.owner_id, locked=True).count()
        if count >= pool.lock_limit:
            raise DomainError(
                _("%(rep)s already has %(count)s locked customers; the limit is %(limit)s.")
                % {"rep": row.owner.name, "count": count, "limit": pool.lock_limit}
            )
    Customer.objects.filter(pk=row.pk).update(locked=locked)
    returns_on_refresh(customers=[row.pk])
    row.refresh_from_db()
    if pool is not None:
        _event(
            customer=row,
            pool=pool,
            kind=PoolEventKind.LOCKED if locked else PoolEventKind.UNLOCKED,
            rep=row.owner,
            team_id=row.team_id,
            by=user,
        ).save()
    audit_record(
        actor=user,
        action=AuditAction.POOL_LOCK,
        target=row,
        summary=_("Locked: the rules leave it in the book.") if locked else _("Unlocked."),
        detail={"locked": locked},
        request=request,
    )
    return row


# --- The nightly pass ---------------------------------------------------------


def _warn(today: datetime.date) -> int:
    """Tell owners of customers whose day is within their pool's warning days (once per day due)."""
    horizon = Pool.objects.live().order_by("-warn_days").values_list("warn_days", flat=True).first() or 0
    if not horizon:
        return 0
    soon = (
        Customer.objects.filter(
            owner__isnull=False, returns_on__gte=today, returns_on__lte=today + datetime.timedelta(days=horizon)
        )
        .select_related("owner", "pool")
        .order_by("returns_on", "pk")
    )
    rows = [
        {
            "user": customer.owner,
            "target": customer,
            "due_on": customer.returns_on,
            "data": {
                "customer": customer.name,
                "days": (customer.returns_on - today).days,
                "due": customer.returns_on.isoformat(),
            },
        }
        for customer in soon
        if customer.pool is not None and (customer.returns_on - today).days <= customer.pool.warn_days
    ]
    return len(notify_many(kind=NotificationKind.POOL_WARNING, rows=rows))


def due_customers(today: datetime.date):
    """Owned customers whose day has come: a range scan of ``customer_returns_owned``."""
    return Customer.objects.filter(owner__isnull=False, returns_on__lte=today)


@transaction.atomic
def _return_batch(ids: list[int], *, today, now) -> tuple[int, list]:
    rows = list(
        due_customers(today)
        .filter(pk__in=ids, locked=False)
        .select_for_update(of=("self",), skip_locked=True)
        .select_related("owner", "pool")
        .annotate(high_intent=high_intent_exists())
    )
    held = [c for c in rows if c.high_intent]
    going = [c for c in rows if not c.high_intent and c.pool is not None]
    events, entries = [], []
    for customer in going:
        reason = _("No follow-up within the pool's rules (due %(day)s)") % {"day": customer.returns_on.isoformat()}
        events.append(
            _event(
                customer=customer,
                pool=customer.pool,
                kind=PoolEventKind.RETURNED,
                rep=customer.owner,
                team_id=customer.team_id,
                by=None,
                reason=reason,
                at=now,
            )
        )
        entries.append(
            AuditEntry(
                at=now,
                action=AuditAction.POOL_RETURN,
                target_type_id=None,
                target_id=str(customer.pk),
                target_repr=customer.name[:300],
                summary=reason[:500],
                detail={"pool": customer.pool_id, "previous_owner": customer.owner_id},
            )
        )
    if going:
        Customer.objects.filter(pk__in=[c.pk for c in going]).update(
            previous_owner=F("owner"),
            owner=None,
            team=None,
            released_at=now,
            returns_on=None,
            version=F("version") + 1,
            updated_at=now,
        )
        PoolEvent.objects.bulk_create(events)
        from django.contrib.contenttypes.models import ContentType

        content_type = ContentType.objects.get_for_model(Customer)
        for entry in entries:
            entry.target_type = content_type
        AuditEntry.objects.bulk_create(entries)
    return len(going), held


def _ask_consent(held: list, today) -> int:
    """Customers kept back by an open high-intent project: their lead decides (release or lock)."""
    rows = []
    for customer in held:
        lead = customer.owner.team.lead if customer.owner.team_id else None
        if lead is None:
            continue
        rows.append(
            {
                "user": lead,
                "target": customer,
                "due_on": customer.returns_on,
                "data": {"customer": customer.name, "rep": customer.owner.name},
            }
        )
    return len(notify_many(kind=NotificationKind.POOL_CONSENT, rows=rows))


def pool_return_pass(*, today: datetime.date | None = None, chunk: int = 1_000) -> dict:
    """The nightly pass (Celery beat and ``manage.py pool_return_pass``): warn owners N days
    ahead, return every owned customer whose ``returns_on`` has come (an index range scan),
    except locked ones and those with an open high-intent project (their lead is asked).
    Batches commit one by one; a re-run picks up whatever is left."""
    today = today or _today()
    now = timezone.now()
    warned = _warn(today)
    returned, held = 0, []
    ids = list(due_customers(today).filter(locked=False).order_by("returns_on", "pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        count, kept = _return_batch(ids[start : start + chunk], today=today, now=now)
        returned += count
        held += kept
    from teams.models import Team  # noqa: F401  (owner.team is loaded lazily below)

    asked = _ask_consent(held, today) if held else 0
    return {"warned": warned, "returned": returned, "held_for_consent": len(held), "leads_asked": asked}


# --- Settings -----------------------------------------------------------------

SETTING_FIELDS = Pool.SETTING_FIELDS


@transaction.atomic
def pool_save(
    *, user: User, data: dict, pool: Pool | None = None, teams=None, version: int | None = None, request=None
) -> Pool:
    """Create or change a pool (admins). Zero or negative day counts are field errors; a stale
    ``version`` is a 409. The countdowns of the customers it concerns follow at once."""
    if not user.is_admin:
        raise DomainError(_("Only admins can change pools."))
    creating = pool is None
    if creating:
        pool = Pool()
    else:
        pool = Pool.objects.select_for_update().get(pk=pool.pk)
        check_version(current=pool.version, expected=version, current_data={"name": pool.name})
    before = {field: getattr(pool, field) for field in SETTING_FIELDS}
    errors = {}
    for field in SETTING_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field in Pool.DAY_FIELDS or field in Pool.COUNT_FIELDS:
            if value in ("", None):
                value = None
            else:
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    errors[field] = [_("Enter a whole number.")]
                    continue
                if value < 1 and field in Pool.DAY_FIELDS:
                    errors[field] = [_("Enter a number of 1 or more.")]
                    continue
                if value < 0:
                    errors[field] = [_("Enter 0 or more.")]
                    continue
        if field == "release_reasons" and isinstance(value, str):
            value = [line.strip() for line in value.splitlines() if line.strip()]
        setattr(pool, field, value)
    if errors:
        raise DomainError(errors)
    validated(pool)
    if not creating:
        pool.version = F("version") + 1
    pool.save()
    pool.refresh_from_db()
    if teams is not None:
        pool.teams.set(teams)
    after = {field: getattr(pool, field) for field in SETTING_FIELDS}
    changed = {f: [before[f], after[f]] for f in SETTING_FIELDS if before[f] != after[f]}
    audit_record(
        actor=user,
        action=AuditAction.SETTINGS_CHANGED,
        target=pool,
        summary=(_("Pool created: %(name)s") if creating else _("Pool settings changed: %(name)s"))
        % {"name": pool.name},
        detail={"changed": changed, "teams": [t.pk for t in pool.teams.all()]},
        request=request,
    )
    returns_on_refresh(
        customers=Customer.objects.filter(owner__isnull=False).filter(
            Q(pool=pool) | Q(pool__isnull=True, team__in=pool.teams.all())
        )
    )
    return pool


def pool_counts(pools) -> dict[int, int]:
    """pool id → customers sitting in it, one query."""
    return dict(
        Customer.objects.filter(owner__isnull=True, pool__in=pools)
        .values("pool")
        .annotate(n=Count("pk"))
        .values_list("pool", "n")
    )
