"""``CompiledQuery``: the cached SQL answers what the ORM answers, for every set of values."""

import datetime

import pytest
from django.db.models import CharField, Count, F, OuterRef, Subquery, Value
from django.utils import timezone

from accounts.models import Customer
from teams.compiled import INT_LIST, CompiledQuery, CompiledQueryError
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    """Compiling is PostgreSQL's path; elsewhere every call is built by the ORM (CI seeds the
    demo on SQLite, whose claims go through it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("CompiledQuery compiles on PostgreSQL only")


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
    assert len(query.cache) == 1  # one shape, compiled once (SQLite's text datetimes go through its adapter)


def _by_previous_owner(*, owner_id, previous_id):
    return Customer.objects.filter(owner=owner_id, previous_owner=previous_id).order_by("pk")


def test_a_none_value_is_built_by_the_orm_and_matches_is_null(rep, other_rep):
    """None changes the SQL (``IS NULL``, not ``= NULL``): such a call is not run from the cache."""
    fresh = CustomerFactory(owner=rep)
    handed_over = CustomerFactory(owner=rep, previous_owner=other_rep)
    query = CompiledQuery(_by_previous_owner, Customer, owner_id=int, previous_id=int)
    for _ in range(2):  # the ORM's answer for None before and after the shape is compiled
        assert [row.pk for row in query.rows("any", owner_id=rep.pk, previous_id=None)] == [fresh.pk]
        assert [row.pk for row in query.rows("any", owner_id=rep.pk, previous_id=other_rep.pk)] == [handed_over.pk]
    ((sql, _params),) = query.cache.values()
    assert "IS NULL" not in sql  # the cached shape is the one with a value
    assert query.rows("any", owner_id=other_rep.pk, previous_id=None) == []


def _inlined(*, owner_id):
    return Customer.objects.extra(where=[f"owner_id = {owner_id}"])  # the bad shape, on purpose


def _shifted(*, owner_id, since):
    return Customer.objects.filter(owner=owner_id, created_at__gte=since + datetime.timedelta(days=1))


def _shifted_back_only(*, owner_id, since):
    return Customer.objects.filter(owner=owner_id, created_at__gte=since - datetime.timedelta(days=1))


def _formatted(*, owner_id):
    return Customer.objects.filter(name__contains=str(owner_id))


def _unused(*, owner_id, since):
    return Customer.objects.filter(owner=owner_id)


@pytest.mark.parametrize(
    ("build", "kinds", "problem"),
    [
        (_inlined, {"owner_id": int}, "'owner_id' is written into the SQL text"),
        (_shifted, {"owner_id": int, "since": datetime.datetime}, "was made from the value 'since'"),
        (_shifted_back_only, {"owner_id": int, "since": datetime.datetime}, "'since' are not among the parameters"),
        (_formatted, {"owner_id": int}, "was made from the value 'owner_id'"),
        (_unused, {"owner_id": int, "since": datetime.datetime}, "'since' are not among the parameters"),
    ],
)
def test_a_shape_whose_values_do_not_map_onto_parameters_is_refused(rep, build, kinds, problem):
    CustomerFactory(owner=rep)
    query = CompiledQuery(build, Customer, **kinds)
    values = {"owner_id": rep.pk, "since": timezone.now() - datetime.timedelta(days=2)}
    with pytest.raises(CompiledQueryError, match=problem):
        query.rows("any", **{name: values[name] for name in kinds})
    assert query.cache == {}  # nothing cached: every later call is refused again, never run wrong


def test_values_must_be_the_ones_declared(rep):
    query = CompiledQuery(_by_previous_owner, Customer, owner_id=int, previous_id=int)
    with pytest.raises(TypeError, match="previous_id"):
        query.rows("any", owner_id=rep.pk)
    with pytest.raises(CompiledQueryError, match="int and datetime"):
        CompiledQuery(_by_previous_owner, Customer, owner_id=str)


@pytest.mark.parametrize(
    "values",
    [
        {"owner_id": True, "since": "aware"},  # a bool is not an id
        {"owner_id": "5", "since": "aware"},  # nor is a string
        {"owner_id": "owner", "since": datetime.datetime(2026, 1, 1)},  # naive: the SQL would read it as UTC
        {"owner_id": "owner", "since": datetime.date(2026, 1, 1)},  # a date for a datetime
    ],
)
def test_a_value_of_another_type_is_refused_not_converted(rep, values):
    """The cached SQL skips the fields' own conversion the ORM applies, so a value of another
    type would silently mean something else."""
    query = CompiledQuery(_owned, Customer, owner_id=int, since=datetime.datetime)
    values = {
        "owner_id": rep.pk if values["owner_id"] == "owner" else values["owner_id"],
        "since": timezone.now() if values["since"] == "aware" else values["since"],
    }
    with pytest.raises(TypeError, match="is not"):
        query.rows("any", **values)
    assert len(query.rows("any", owner_id=rep.pk, since=timezone.now())) == Customer.objects.filter(owner=rep).count()


def _owned_or_recent(*, owners, day):
    """Two capped parts in a common shape (as the project timeline reads its kinds)."""
    label = {"part": Value("owned", output_field=CharField()), "ident": F("pk")}
    owned = Customer.objects.filter(owner__in=owners).order_by("-pk").values(**label)[:5]
    label = {"part": Value("recent", output_field=CharField()), "ident": F("pk")}
    recent = Customer.objects.filter(created_at__date__gte=day).order_by("-pk").values(**label)[:5]
    return owned.union(recent, all=True)


def test_tuples_answer_the_orms_rows_for_lists_of_every_length_and_dates(rep, other_rep, lead):
    """``tuples``: a ``values()`` union's rows as the ORM reads them; a list of ids is one
    parameter an element (its length part of the shape), a date is a value of its own."""
    mine, theirs = CustomerFactory(owner=rep), CustomerFactory(owner=other_rep)
    query = CompiledQuery(_owned_or_recent, Customer, owners=INT_LIST, day=datetime.date)
    today, tomorrow = timezone.localdate(), timezone.localdate() + datetime.timedelta(days=1)
    calls = [([], today), ([rep.pk], tomorrow), ([other_rep.pk], today), ([rep.pk, other_rep.pk], tomorrow)]
    for owners, day in calls:
        expected = sorted(tuple(row.values()) for row in _owned_or_recent(owners=owners, day=day))
        assert sorted(query.tuples("any", owners=owners, day=day)) == expected
    assert sorted(query.tuples("any", owners=[rep.pk], day=tomorrow)) == [("owned", mine.pk)]
    assert sorted(query.tuples("any", owners=[lead.pk], day=today)) == sorted(
        [("recent", mine.pk), ("recent", theirs.pk)]
    )
    assert len(query.cache) == 3  # one SQL for each length of the list: 0, 1 and 2


def _leaves_the_tie_out(*, owner_id, tie_id):
    return Customer.objects.filter(owner=owner_id).order_by("pk")


def _uses_the_tie(*, owner_id, tie_id):
    return Customer.objects.filter(owner=owner_id, pk__lt=tie_id).order_by("pk")


def _shifts_the_tie(*, owner_id, tie_id):
    return Customer.objects.filter(owner=owner_id, pk__lt=tie_id + 1).order_by("pk")


def _first_owner_only(*, owners):
    return Customer.objects.filter(owner__in=owners[:1])


def test_an_optional_value_may_be_left_out_but_is_checked_when_used(rep):
    first, second = CustomerFactory(owner=rep), CustomerFactory(owner=rep)
    left_out = CompiledQuery(_leaves_the_tie_out, Customer, optional=("tie_id",), owner_id=int, tie_id=int)
    assert [row.pk for row in left_out.rows("any", owner_id=rep.pk, tie_id=first.pk)] == [first.pk, second.pk]
    used = CompiledQuery(_uses_the_tie, Customer, optional=("tie_id",), owner_id=int, tie_id=int)
    assert [row.pk for row in used.rows("any", owner_id=rep.pk, tie_id=second.pk)] == [first.pk]
    assert [row.pk for row in used.rows("any", owner_id=rep.pk, tie_id=first.pk)] == []
    shifted = CompiledQuery(_shifts_the_tie, Customer, optional=("tie_id",), owner_id=int, tie_id=int)
    with pytest.raises(CompiledQueryError, match="was made from the value"):  # onto owner_id's sentinel, once
        shifted.rows("any", owner_id=rep.pk, tie_id=first.pk)
    with pytest.raises(CompiledQueryError, match="not declared"):
        CompiledQuery(_leaves_the_tie_out, Customer, optional=("other",), owner_id=int, tie_id=int)
    part = CompiledQuery(_first_owner_only, Customer, owners=INT_LIST)  # a list used in part is refused
    with pytest.raises(CompiledQueryError, match="'owners' are not among the parameters"):
        part.rows("any", owners=[rep.pk, rep.pk + 1])
