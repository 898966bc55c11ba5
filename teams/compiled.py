"""Hot queries compiled once: the ORM builds and compiles a queryset with a dozen correlated
subqueries in about 10 ms of CPU — more than PostgreSQL takes to run it. For a hot path whose
query has a fixed shape, ``CompiledQuery`` builds it once per shape from sentinel values and then
runs the cached SQL with the real values put where the sentinels were.

Two guards keep the cached SQL meaning what the ORM would have built:

- a call with a value of None is built through the ORM (None changes the SQL: ``IS NULL``);
- on a backend other than PostgreSQL (SQLite, the laptop default) every call is built through
  the ORM: a raw query leaves its annotations as the driver gives them, and SQLite gives a
  datetime as text;
- at compile time, a shape is refused (``CompiledQueryError``) unless every value maps 1:1 onto
  parameters: each sentinel found among the parameters as it is (or as the backend adapts it),
  and no trace of one anywhere else — in the SQL text (a value the compiler inlined, e.g. a
  slice's LIMIT) or inside another parameter (a value the build transformed, e.g. ``since -
  timedelta(days=1)``, or formatted into a string)."""

import datetime

from django.db import connections, router

_EPOCH = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
_INT_BASE = -987_654_000
# What a sentinel leaves in text (the SQL, or str() of a parameter), also when shifted a little.
_TRACES = {int: "987654", datetime.datetime: "1900-01-"}


class CompiledQueryError(Exception):
    """A shape whose values cannot be swapped into the compiled SQL safely (a programming error)."""


def _sentinel(index: int, kind: type):
    if kind is datetime.datetime:
        return _EPOCH + datetime.timedelta(seconds=index + 1)
    return _INT_BASE - index


class CompiledQuery:
    """``CompiledQuery(build, model, **kinds)``: ``build(**values)`` answers the queryset (it must
    not call the database); ``kinds`` names each value and its type (``int`` or
    ``datetime.datetime``). ``rows(shape, **values)`` answers ``model`` instances (annotations
    as attributes; no ``select_related``) for ``build(**values)``, compiled once per ``shape`` key
    (what changes the SQL text besides the values, e.g. whether the user is an admin)."""

    def __init__(self, build, model, **kinds):
        unknown = {kind for kind in kinds.values() if kind not in _TRACES}
        if unknown:
            raise CompiledQueryError(f"CompiledQuery takes int and datetime.datetime values, not {unknown}.")
        self.build, self.model, self.kinds = build, model, kinds
        self.cache = {}

    def _compiled(self, alias, shape):
        key = (alias, shape)
        if key not in self.cache:
            sentinels = {name: _sentinel(i, kind) for i, (name, kind) in enumerate(self.kinds.items())}
            sql, params = self.build(**sentinels).query.get_compiler(alias).as_sql()
            self.cache[key] = (sql, _slotted(sql, params, sentinels, self.kinds, alias, shape))
        return self.cache[key]

    def rows(self, shape, **values):
        """The rows of ``build(**values)``, from SQL compiled once per ``shape``, read from the
        database writes go to (the query may lock rows). A None among the values, or a database
        other than PostgreSQL: built by the ORM."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"CompiledQuery.rows takes exactly {sorted(self.kinds)}, not {sorted(values)}.")
        alias = router.db_for_write(self.model)
        if connections[alias].vendor != "postgresql" or any(value is None for value in values.values()):
            return list(self.build(**values).using(alias))
        sql, params = self._compiled(alias, shape)
        bound = [param.bind(values) if isinstance(param, _Slot) else param for param in params]
        return list(self.model.objects.raw(sql, bound, using=alias))


class _Slot:
    """Where a value goes among the parameters, adapted as the backend adapts it."""

    __slots__ = ("adapt", "name")

    def __init__(self, name, adapt):
        self.name, self.adapt = name, adapt

    def bind(self, values):
        return self.adapt(values[self.name])


def _slotted(sql, params, sentinels, kinds, alias, shape) -> list:
    """``params`` with each sentinel replaced by its ``_Slot``; raises ``CompiledQueryError``
    when the values do not map 1:1 onto parameters (see the module's docstring)."""
    ops = connections[alias].ops

    def adapter(kind):
        return ops.adapt_datetimefield_value if kind is datetime.datetime else int

    slots = {}  # the parameter as compiled (the sentinel, or its adapted form) → its slot
    for name, value in sentinels.items():
        adapt = adapter(kinds[name])
        slots[_key(adapt(value))] = _Slot(name, adapt)

    def refuse(problem):
        raise CompiledQueryError(
            f"CompiledQuery({', '.join(kinds)}), shape {shape!r}: {problem}. The cached SQL would not "
            "mean what the ORM builds for other values: pass the value straight to a filter or "
            "annotation, make what changes the SQL part of the shape key, or build this query "
            "without CompiledQuery."
        )

    for name in sentinels:
        if _TRACES[kinds[name]] in sql:
            refuse(f"the value {name!r} is written into the SQL text, not passed as a parameter")
    slotted, used = [], set()
    for param in params:
        slot = slots.get(_key(param)) if _hashable(param) else None
        if slot is not None:
            used.add(slot.name)
            slotted.append(slot)
            continue
        for name in sentinels:
            if _TRACES[kinds[name]] in str(param):
                refuse(f"a parameter ({param!r}) was made from the value {name!r}, not the value itself")
        slotted.append(param)
    missing = [name for name in sentinels if name not in used]
    if missing:
        refuse(f"the value(s) {', '.join(map(repr, missing))} are not among the parameters")
    return slotted


def _key(value):
    """Equal values of different types (1 and True, a date and a datetime) are different parameters."""
    return (type(value), value)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
