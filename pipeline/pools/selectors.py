"""Reads of the public pool: what a user may claim, with each customer's history summary
in the same query (projects, won ones, last contact, times in the pool)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import Customer, PoolEvent, PoolEventKind
from pipeline.pools.rules import last_activity_at, won_exists
from projects.models import Project


def count_of(queryset, field="customer"):
    """How many rows of ``queryset`` (correlated to the outer row by ``field``), 0 for none."""
    return Coalesce(
        Subquery(queryset.order_by().values(field).annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def with_history_summary(customers):
    """Annotate ``projects_count``, ``won``, ``last_contact_at`` and ``times_released``."""
    return customers.annotate(
        projects_count=count_of(Project.objects.filter(customer=OuterRef("pk"))),
        won=won_exists(),
        last_contact_at=last_activity_at(),
        times_released=count_of(
            PoolEvent.objects.filter(customer=OuterRef("pk"), kind__in=[PoolEventKind.RELEASED, PoolEventKind.RETURNED])
        ),
    )


def pool_customers(*, user, pool):
    """What ``user`` may claim from ``pool``, newest release first (the ``customer_in_pool`` index)."""
    return (
        Customer.objects.claimable_by(user)
        .filter(pool=pool)
        .select_related("previous_owner")
        .order_by("-released_at", "-id")
    )
