"""``CompiledQuery``: the cached SQL answers what the ORM answers, for every set of values."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from accounts.models import Customer
from teams.compiled import CompiledQuery
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _owned(*, owner_id, since):
    newer = Customer.objects.filter(owner=OuterRef("owner"), created_at__gte=since)
    return (
        Customer.objects.filter(owner=owner_id)
        .annotate(newer=Subquery(newer.order_by().values("owner").annotate(n=Count("pk")).values("n")[:1]))
        .order_by("pk")
    )


def test_the_cached_sql_runs_with_each_calls_values(rep, other_rep):
    mine, theirs = CustomerFactory(owner=rep), CustomerFactory(owner=other_rep)
    query = CompiledQuery(_owned, Customer, owner_id=int, since=datetime.datetime)
    long_ago = timezone.now() - datetime.timedelta(days=1)
    for user, customer in ((rep, mine), (other_rep, theirs), (rep, mine)):
        rows = query.rows("any", owner_id=user.pk, since=long_ago)
        assert [(row.pk, row.newer) for row in rows] == [(customer.pk, 1)]
        assert [(row.pk, row.newer) for row in rows] == [
            (row.pk, row.newer) for row in _owned(owner_id=user.pk, since=long_ago)
        ]
    assert query.rows("any", owner_id=rep.pk, since=timezone.now() + datetime.timedelta(days=1))[0].newer is None
    cached = next(iter(query.cache.values()))
    # PostgreSQL takes the values as parameters (cached); SQLite adapts datetimes to text (built each time).
    assert (cached is not None) == (connection.vendor == "postgresql")
