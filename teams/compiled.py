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
  timedelta(days=1)``, or formatted into a string).

Values are ints, datetimes, dates, or lists of ints (``list[int]``: each element its own parameter,
the list's length part of the compiled shape, as ``IN (…)`` needs). ``rows`` answers model
instances, ``tuples`` the rows of a ``values()`` / ``values_list()`` queryset (a ``UNION ALL`` of
parts in a common shape: the project timeline)."""

import datetime

from django.db import connections, router

_EPOCH = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
_DAY = datetime.date(1901, 1, 5)  # not a day a sentinel datetime falls on in any time zone
_INT_BASE = -987_654_000
INT_LIST = list[int]
# What a sentinel leaves in text (the SQL, or str() of a parameter), also when shifted a little.
_TRACES = {int: "987654", datetime.datetime: "1900-01-", datetime.date: "1901-01-", INT_LIST: "987654"}


class CompiledQueryError(Exception):
    """A shape whose values cannot be swapped into the compiled SQL safely (a programming error)."""


def _sentinel(index: int, kind: type, variant: int = 0):
    """The ``index``-th value's sentinel; the second ``variant`` puts them elsewhere and further
    apart (a value shifted onto another's sentinel in one is not in the other)."""
    step = 1 + 2 * variant
    if kind is datetime.datetime:
        return _EPOCH + datetime.timedelta(seconds=1000 * variant + step * (index + 1))
    if kind is datetime.date:
        return _DAY + datetime.timedelta(days=12 * variant + step * index)
    return _INT_BASE - 500 * variant - step * index


class CompiledQuery:
    """``CompiledQuery(build, model, **kinds)``: ``build(**values)`` answers the queryset (it must
    not call the database); ``kinds`` names each value and its type (``int``,
    ``datetime.datetime``, ``datetime.date`` or ``INT_LIST``). ``rows(shape, **values)`` answers
    ``model`` instances (annotations as attributes; no ``select_related``) for ``build(**values)``,
    ``tuples(shape, **values)`` the rows of a ``values()`` queryset; either compiled once per
    ``shape`` key (what changes the SQL text besides the values, e.g. whether the user is an
    admin). ``optional``: values some shapes leave out of the SQL altogether (a cursor's
    tie-breaking id that only some shapes compare); a shape that uses one is checked like any."""

    def __init__(self, build, model, *, optional=(), **kinds):
        unknown = [kind for kind in kinds.values() if kind not in _TRACES]
        if unknown:
            raise CompiledQueryError(
                f"CompiledQuery takes int and datetime.datetime, datetime.date or INT_LIST values, not {unknown}."
            )
        if not set(optional) <= kinds.keys():
            raise CompiledQueryError(f"optional values {sorted(set(optional) - kinds.keys())} are not declared.")
        self.build, self.model, self.kinds, self.optional = build, model, kinds, frozenset(optional)
        self.cache = {}

    def _compiled(self, alias, shape, values):
        lengths = tuple(len(values[name]) for name, kind in self.kinds.items() if kind == INT_LIST)
        key = (alias, shape, lengths)
        if key not in self.cache:
            # Built twice, from two sets of sentinels: the same SQL and the same slots, or a value
            # chose the SQL or was turned into another value's sentinel (``owner_id + 1``).
            compiled = [self._compile(alias, shape, values, variant) for variant in (0, 1)]
            (sql, params), (other_sql, other_params) = compiled
            if sql != other_sql or _layout(params) != _layout(other_params):
                raise CompiledQueryError(
                    f"CompiledQuery({', '.join(self.kinds)}), shape {shape!r}: the SQL or its parameters "
                    "change with the values (a value chose the SQL, or was changed into another value): "
                    "make what changes the SQL part of the shape key, or pass the values unchanged."
                )
            self.cache[key] = (sql, params)
        return self.cache[key]

    def _compile(self, alias, shape, values, variant):
        sentinels, index = {}, 0
        for name, kind in self.kinds.items():
            if kind == INT_LIST:
                sentinels[name] = [_sentinel(index + i, int, variant) for i in range(len(values[name]))]
                index += len(values[name])
            else:
                sentinels[name] = _sentinel(index, kind, variant)
                index += 1
        sql, params = self.build(**sentinels).query.get_compiler(alias).as_sql()
        return sql, _slotted(sql, params, sentinels, self.kinds, alias, shape, self.optional)

    def rows(self, shape, **values):
        """The rows of ``build(**values)``, from SQL compiled once per ``shape``, read from the
        database writes go to (the query may lock rows). A None among the values, or a database
        other than PostgreSQL: built by the ORM."""
        alias, sql, params = self._prepared(shape, values, router.db_for_write(self.model))
        if sql is None:
            return list(self.build(**values).using(alias))
        return list(self.model.objects.raw(sql, params, using=alias))

    def tuples(self, shape, **values) -> list[tuple]:
        """The rows of ``build(**values)`` — a ``values()`` or ``values_list()`` queryset, its
        combinations (``union``) too — as tuples in the order of its columns, as the driver reads
        them (no field converters: a JSON column is its text), compiled and falling back as ``rows``
        does, read from the database reads go to (a read replica, where the request reads there)."""
        alias, sql, params = self._prepared(shape, values, router.db_for_read(self.model))
        if sql is None:
            queryset = self.build(**values).using(alias)
            return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in queryset]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _prepared(self, shape, values, alias):
        """(alias, SQL, parameters) for these values; (alias, None, None): build through the ORM."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"CompiledQuery takes exactly {sorted(self.kinds)}, not {sorted(values)}.")
        if connections[alias].vendor != "postgresql" or any(value is None for value in values.values()):
            return alias, None, None
        for name, value in values.items():
            _check_type(name, self.kinds[name], value)
        sql, params = self._compiled(alias, shape, values)
        return alias, sql, [param.bind(values) if isinstance(param, _Slot) else param for param in params]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_type(name, kind, value) -> None:
    """The cached SQL takes each value as the backend adapts its kind, without the field's own
    conversion the ORM would apply: a naive datetime (read as UTC, not local time), a datetime
    for a date, a bool or a string for an int would each mean something else. Refuse them."""
    if kind is datetime.datetime:
        ok = isinstance(value, datetime.datetime) and value.tzinfo is not None
    elif kind is datetime.date:
        ok = type(value) is datetime.date
    elif kind == INT_LIST:
        ok = isinstance(value, list | tuple) and all(_is_int(element) for element in value)
    else:
        ok = _is_int(value)
    if not ok:
        raise TypeError(f"CompiledQuery value {name!r}: {value!r} is not {getattr(kind, '__name__', kind)}.")


class _Slot:
    """Where a value goes among the parameters (``index``: an element of a list), adapted as the
    backend adapts it."""

    __slots__ = ("adapt", "index", "name")

    def __init__(self, name, adapt, index=None):
        self.name, self.adapt, self.index = name, adapt, index

    def bind(self, values):
        value = values[self.name]
        return self.adapt(value if self.index is None else value[self.index])


def _slotted(sql, params, sentinels, kinds, alias, shape, optional=frozenset()) -> list:
    """``params`` with each sentinel replaced by its ``_Slot``; raises ``CompiledQueryError``
    when the values do not map 1:1 onto parameters (see the module's docstring)."""
    ops = connections[alias].ops

    def adapter(kind):
        if kind is datetime.datetime:
            return ops.adapt_datetimefield_value
        return ops.adapt_datefield_value if kind is datetime.date else int

    slots = {}  # the parameter as compiled (the sentinel, or its adapted form) → its slot
    for name, value in sentinels.items():
        adapt = adapter(kinds[name])
        if kinds[name] == INT_LIST:
            for index, element in enumerate(value):
                slots[_key(adapt(element))] = _Slot(name, adapt, index)
        else:
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
            used.add((slot.name, slot.index))
            slotted.append(slot)
            continue
        for name in sentinels:
            if _TRACES[kinds[name]] in str(param):
                refuse(f"a parameter ({param!r}) was made from the value {name!r}, not the value itself")
        slotted.append(param)
    missing = [slot.name for slot in slots.values() if (slot.name, slot.index) not in used]
    missing = [name for name in dict.fromkeys(missing) if name not in optional or _partly(name, used)]
    if missing:
        refuse(f"the value(s) {', '.join(map(repr, missing))} are not among the parameters")
    return slotted


def _partly(name, used) -> bool:
    """Is any of ``name``'s parameters used (an optional value is used whole or not at all)?"""
    return any(used_name == name for used_name, _index in used)


def _layout(params) -> list:
    """The parameters with each slot as (name, index): what two compilations must share."""
    return [(param.name, param.index) if isinstance(param, _Slot) else param for param in params]


def _key(value):
    """Equal values of different types (1 and True, a date and a datetime) are different parameters."""
    return (type(value), value)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
