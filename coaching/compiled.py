"""The coaching figures' grouped queries, compiled by the ORM once per process.

A dashboard runs a few queries with dozens of filtered aggregates each; building and
compiling them through the ORM cost more CPU than everything else on the page. Their SQL
depends on the code alone; only some parameters change from call to call (the team's id,
a period's bounds, today). :func:`filled_sql` compiles a query twice with two different
sets of stand-in arguments, keeps the SQL, and learns at which parameter positions each
argument's value sits (every position whose value differs between the two compilations
must be one of them, else it refuses: a value derived from an argument in Python would
otherwise stay a stand-in's). Each call then puts its own values at those positions.
This keeps no result: every call runs its query.
"""

import datetime
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

_COMPILED: dict = {}
_SLOT_TYPES = (int, datetime.date, datetime.datetime)


def _compile(build: Callable, arguments, using: str) -> tuple[str, list]:
    built = build(arguments)
    if isinstance(built, QuerySet):
        return built.query.get_compiler(using=using).as_sql()
    return built


def filled_sql(key, build: Callable, arguments, *, slots: Callable, stand_ins: tuple, using: str) -> tuple[str, list]:
    """``build(arguments)``'s SQL (``build`` returns a QuerySet or ``(sql, params)``) with
    this call's parameters. ``slots(arguments)`` gives the values that vary (ints, dates,
    datetimes), ``stand_ins`` two argument sets of the same shape whose slots all differ
    from each other and from every constant of the query; ``key`` names the shape."""
    key = (key, using)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _learn(build, slots, stand_ins, using)
    sql, template, positions = found
    values = slots(arguments)
    params = list(template)
    for position, slot in positions:
        params[position] = values[slot]
    return sql, params


def _learn(build, slots, stand_ins, using):
    (sql, params), (other_sql, other_params) = (_compile(build, each, using) for each in stand_ins)
    first, second = slots(stand_ins[0]), slots(stand_ins[1])
    if sql != other_sql or len(params) != len(other_params):
        raise ValueError(f"{build.__name__}: the SQL depends on the values, not only on the shape")
    positions = []
    for position, (one, other) in enumerate(zip(params, other_params, strict=True)):
        candidates = [
            slot
            for slot, (a, b) in enumerate(zip(first, second, strict=True))
            if type(one) is type(a) and isinstance(one, _SLOT_TYPES) and one == a and other == b
        ]
        if one == other and not candidates:
            continue  # the query's own constant
        if len(candidates) != 1:
            raise ValueError(f"{build.__name__}: parameter {position} ({one!r}) is not exactly one argument's value")
        positions.append((position, candidates[0]))
    return sql, tuple(params), tuple(positions)


def query_rows(key, build: Callable, arguments, *, slots: Callable, stand_ins: tuple, using: str) -> list[dict]:
    """The rows of ``build(arguments)`` as dicts: through :func:`filled_sql` on PostgreSQL;
    elsewhere (SQLite, the laptop default) through the ORM itself, whose parameters (dates
    adapted to text) and results (sums as floats, months as text) the compiled path does not
    map. ``build`` must then return a ``values()`` QuerySet."""
    if connections[using].vendor != "postgresql":
        return list(build(arguments))
    return rows(*filled_sql(key, build, arguments, slots=slots, stand_ins=stand_ins, using=using), using)


def rows(sql: str, params: list, using: str) -> list[dict]:
    """The rows of a query as dicts by column name."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
