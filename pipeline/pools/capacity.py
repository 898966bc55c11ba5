"""Capacity (库容) and the claim limits: what a person may hold in a pool, what they hold as the
capacity counts it, how many they claimed today, and the per-person overrides.

The counts are scalar subqueries over one person (an id, or ``OuterRef`` to a user row), so the
claim reads them in the same statement that locks the customer, the pool page in one query, and
the capacity page annotates a whole page of people with them in one query."""

import datetime

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Customer, Pool, PoolCapacity, PoolEvent, PoolEventKind
from pipeline.models import ProjectState, Tier
from pipeline.pools.selectors import count_of
from teams.audit import AuditAction, audit_record
from teams.errors import DomainError
from teams.models import Role, User
from teams.versioning import check_version


def start_of_today() -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))


def role_capacity(pool: Pool, role: str) -> int:
    return pool.capacity_lead if role == Role.LEAD else pool.capacity_rep


def limit_annotations(*, pool, person, since=None) -> dict:
    """Expressions for ``annotate``: ``claimed_today``, ``held_all`` and ``held_won`` (customers
    ``person`` holds, and those of them with a won project of theirs), ``override`` (their own
    capacity in ``pool``, None: the role's) and ``override_version`` (0: none). ``person`` and
    ``pool`` are ids, objects or ``OuterRef``s; ``since``: the start of today (claims counted
    from then). ``figures`` turns the values into the numbers."""
    held = Customer.objects.filter(owner=person)
    won = ProjectState.objects.filter(project__customer=OuterRef("pk"), project__owner=OuterRef("owner"), tier=Tier.WON)
    override = PoolCapacity.objects.filter(pool=pool, user=person)
    return {
        "claimed_today": count_of(
            PoolEvent.objects.filter(rep=person, kind=PoolEventKind.CLAIMED, at__gte=since or start_of_today()), "rep"
        ),
        "held_all": count_of(held, "owner"),
        "held_won": count_of(held.filter(Exists(won)), "owner"),
        "override": Subquery(override.values("capacity")[:1]),
        "override_version": Coalesce(Subquery(override.values("version")[:1]), Value(0)),
    }


def figures(values, *, pool: Pool, role: str) -> dict:
    """The numbers the claim checks, from ``limit_annotations``' values (a dict or an annotated row):
    ``held`` counts won customers only if the pool says so; ``capacity`` is the override or the role's."""
    get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
    default = role_capacity(pool, role)
    return {
        "claimed_today": get("claimed_today"),
        "daily_limit": pool.daily_claim_limit,
        "held": get("held_all") - (0 if pool.count_won else get("held_won")),
        "default": default,
        "override": get("override"),
        "override_version": get("override_version"),
        "capacity": get("override") if get("override") is not None else default,
    }


def _own_figures(*, pool: Pool, user: User) -> dict:
    annotations = limit_annotations(pool=pool, person=user.pk)
    values = User.objects.filter(pk=user.pk).annotate(**annotations).values(*annotations)[0]
    return figures(values, pool=pool, role=user.role)


def held_count(*, pool: Pool, user: User) -> int:
    return _own_figures(pool=pool, user=user)["held"]


def limits_for(*, pool: Pool, user: User) -> dict:
    """What the pool page shows beside the claim button (one query): the numbers the claim checks."""
    return _own_figures(pool=pool, user=user)


# --- The capacity page ----------------------------------------------------------


def capacity_people(*, pool: Pool, viewer: User):
    """The people the pool serves whose capacity ``viewer`` may see: admins every rep and lead of
    the teams served; a lead the own team's (if the pool serves it); nobody else. Each annotated
    with ``limit_annotations`` and ``admin_capacity`` (an admin's setting) in the same query."""
    people = User.objects.filter(is_active=True, role__in=[Role.REP, Role.LEAD], team__in=pool.teams.values("pk"))
    if not viewer.is_admin:
        if not viewer.is_lead or viewer.team_id is None:
            return User.objects.none()
        people = people.filter(team_id=viewer.team_id)
    return (
        people.annotate(
            **limit_annotations(pool=pool, person=OuterRef("pk")),
            admin_capacity=Subquery(
                PoolCapacity.objects.filter(pool=pool, user=OuterRef("pk")).values("admin_capacity")[:1]
            ),
        )
        .select_related("team")
        .order_by("team__name", "role", "username")
    )


def with_capacity(people, pool: Pool) -> list:
    """Each annotated person with ``figures`` (``held``, ``capacity``, ``default`` …, ``admin_capacity``
    and ``lead_ceiling``: the most a lead may set) and ``full``."""
    for person in people:
        person.figures = figures(person, pool=pool, role=person.role)
        person.figures["admin_capacity"] = person.admin_capacity
        person.figures["lead_ceiling"] = lead_ceiling(
            default=person.figures["default"], admin_capacity=person.admin_capacity
        )
        person.full = person.figures["held"] >= person.figures["capacity"]
    return people


def may_set_capacity(*, user: User, pool: Pool, person: User) -> bool:
    """Admins set anyone's capacity. A lead may tighten the capacity of a rep of the own team in a
    pool serving it (focus a rep on fewer customers), never above the role's nor above what an admin
    set (``lead_ceiling``): the pool is shared with the other teams it serves, and their share is
    the admins' call."""
    if user.is_admin:
        return True
    return (
        user.is_lead
        and user.team_id is not None
        and person.team_id == user.team_id
        and person.role == Role.REP
        and pool.teams.filter(pk=user.team_id).exists()
    )


def lead_ceiling(*, default: int, admin_capacity: int | None) -> int:
    """The most a lead may set: the role's capacity, or an admin's setting if that is lower."""
    return default if admin_capacity is None else min(default, admin_capacity)


def _lead_capacity(*, person: User, capacity: int | None, default: int, admin_capacity: int | None) -> int | None:
    """What a lead's setting stores, or a ``DomainError``: at most ``lead_ceiling``; a clear takes back
    only the lead's own tightening (back to the admin's setting, if there is one)."""
    if admin_capacity is not None and admin_capacity > default:
        raise DomainError(
            _("An admin set %(person)s's capacity to %(capacity)s, above the role's %(default)s: ask an admin.")
            % {"person": person.name, "capacity": admin_capacity, "default": default}
        )
    if capacity is None:
        return admin_capacity
    if capacity > lead_ceiling(default=default, admin_capacity=admin_capacity):
        if admin_capacity is not None and admin_capacity < default:
            message = _(
                "An admin set %(person)s's capacity to %(capacity)s: a lead may set at most that; "
                "ask an admin for more."
            ) % {"person": person.name, "capacity": admin_capacity}
        else:
            message = _("A lead may set at most the role's capacity, %(default)s; ask an admin for more.") % {
                "default": default
            }
        raise DomainError({"capacity": [message]})
    return capacity


@transaction.atomic
def pool_capacity_set(
    *, user: User, pool: Pool, person: User, capacity: int | None, version: int | None = None, request=None
) -> PoolCapacity | None:
    """Set (or with None clear, back to the role's) ``person``'s own capacity in ``pool``. The
    person's row is locked, so a claim by them waits and then counts against the new number; a
    stale ``version`` (0: no override when the form was opened) is a 409 and changes nothing.
    An admin's setting is also kept as ``admin_capacity``: a lead's setting stays at or under it,
    and a lead's clear goes back to it (``_lead_capacity``)."""
    if not may_set_capacity(user=user, pool=pool, person=person):
        raise DomainError(_("Only admins, or the lead for the reps of the own team, can change capacities."))
    User.objects.select_for_update().filter(pk=person.pk).values_list("pk").first()
    row = PoolCapacity.objects.filter(pool=pool, user=person).first()
    before = row.capacity if row else None
    check_version(
        current=row.version if row else 0, expected=version, current_data={"user": person.pk, "capacity": before}
    )
    default = role_capacity(pool, person.role)
    if capacity is not None and capacity < 1:
        raise DomainError({"capacity": [_("Enter a number of 1 or more.")]})
    if user.is_admin:
        admin_capacity = capacity
    else:
        admin_capacity = row.admin_capacity if row else None
        capacity = _lead_capacity(person=person, capacity=capacity, default=default, admin_capacity=admin_capacity)
    if row is None:
        if capacity is not None:
            row = PoolCapacity.objects.create(pool=pool, user=person, capacity=capacity, admin_capacity=admin_capacity)
    elif (row.capacity, row.admin_capacity) != (capacity, admin_capacity):
        # A clear keeps the row (capacity None) so the version never starts again at 1.
        PoolCapacity.objects.filter(pk=row.pk).update(
            capacity=capacity, admin_capacity=admin_capacity, version=F("version") + 1
        )
        row.refresh_from_db()
    audit_record(
        actor=user,
        action=AuditAction.SETTINGS_CHANGED,
        target=pool,
        summary=_("Capacity of %(person)s in %(pool)s: %(capacity)s")
        % {
            "person": person.name,
            "pool": pool.name,
            "capacity": capacity if capacity is not None else _("the role's (%(default)s)") % {"default": default},
        },
        detail={"user": person.pk, "capacity": [before, capacity], "default": default},
        request=request,
    )
    return row
