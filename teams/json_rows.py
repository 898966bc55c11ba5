"""Rows packed as JSON: a row and the related rows it shows in one JSON object (``packed``),
built back into model instances (``unpacked``), and a subquery's rows as one JSON list
(``JSONList``) set as a prefetched many-to-many (``set_prefetched``).

What it is for: reading rows of different tables in one ``UNION ALL`` in a common shape
(the project timeline: ``pipeline.selectors.timeline``), and a row's few related rows in
its own query instead of a prefetch (an activity's people, a key date's attendees).

A related row carries only the fields listed for it (``USER_FIELDS`` for people: what
``User.name`` reads); its other fields are deferred, so a template reading one more would
cost a query — the pages' query-budget tests would show it.
"""

import datetime
import json
import re
from decimal import Decimal
from functools import cache

from django.db import models
from django.db.models import CharField, F, Func, JSONField, Value
from django.db.models.functions import Cast

# What a person's name needs (``teams.models.User.name``).
USER_FIELDS = ("id", "username", "display_name", "first_name", "last_name")
_KEY = re.compile(r"^[a-z_]+$")


class JSONList(Func):
    """A subquery's rows as one JSON array (``Packed`` each): ``JSONB_AGG`` on PostgreSQL,
    ``JSON_GROUP_ARRAY`` on SQLite. Not an ``Aggregate``: no GROUP BY is added, the whole
    (filtered) subquery is one array, NULL when empty."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


class Packed(Func):
    """``JSONB_BUILD_OBJECT('key', value, …)`` (SQLite: ``JSON_OBJECT``) with the keys written
    into the SQL (names from this code, checked): Django's ``JSONObject`` casts every key, which
    was a good part of the timeline's CPU."""

    output_field = JSONField()

    def __init__(self, **pairs):
        for key in pairs:
            if not _KEY.match(key):
                raise ValueError(f"not a packed key: {key!r}")
        self.keys = list(pairs)
        super().__init__(*pairs.values())

    def _sql(self, function, compiler, connection):
        parts, params = [], []
        for key, expression in zip(self.keys, self.get_source_expressions(), strict=True):
            sql, more = compiler.compile(expression)
            parts.append(f"'{key}', {sql}")
            params.extend(more)
        return f"{function}({', '.join(parts)})", tuple(params)

    def as_sql(self, compiler, connection, **extra_context):
        return self._sql("JSONB_BUILD_OBJECT", compiler, connection)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self._sql("JSON_OBJECT", compiler, connection)


def _value(model, name):
    field_ = model._meta.get_field(name)
    expression = F(field_.attname)
    if isinstance(field_, models.DecimalField):  # JSON numbers are floats: keep the digits
        return Cast(expression, CharField())
    return expression


def _concrete(model, fields):
    if fields is None:
        return [f.name for f in model._meta.concrete_fields]
    return list(fields)


def packed(model, *, fields=None, related=None, extra=None) -> Packed:
    """``model``'s row (``fields``, default all concrete ones) and ``related`` rows
    (``{"by": USER_FIELDS, …}``, one level of foreign keys) as one JSON object; ``extra``:
    more expressions under their own keys (window values, a ``JSONList``)."""
    pairs = {}
    for name in _concrete(model, fields):
        pairs[model._meta.get_field(name).attname] = _value(model, name)
    for name, names in (related or {}).items():
        target = model._meta.get_field(name).related_model
        for sub in names:
            attname = target._meta.get_field(sub).attname
            pairs[f"{name}__{attname}"] = F(f"{name}__{attname}")
    pairs.update(extra or {})
    return Packed(**pairs)


def part(queryset, kind: str, row: Packed):
    """A kind's rows in the common shape ``(t_kind, t_row)`` (its own filter, order and slice kept)."""
    return queryset.values(t_kind=Value(kind, output_field=CharField()), t_row=row)


def _moment(value):
    moment = datetime.datetime.fromisoformat(value)  # PostgreSQL's "…T…+00:00", SQLite's naive UTC
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment


def _converter(field_):
    if isinstance(field_, models.DateTimeField):
        return _moment
    if isinstance(field_, models.DateField):
        return datetime.date.fromisoformat
    if isinstance(field_, models.DecimalField):
        return lambda value: Decimal(str(value))
    if isinstance(field_, models.BooleanField):
        return bool
    return None


@cache
def _plan(model, names: tuple):
    """The attnames ``from_db`` takes (in the model's order) and each one's converter."""
    wanted = {model._meta.get_field(name).attname for name in names}
    fields = [f for f in model._meta.concrete_fields if f.attname in wanted]
    return [f.attname for f in fields], [(f.attname, _converter(f)) for f in fields]


def _instance(model, values: dict, names: tuple):
    attnames, converters = _plan(model, names)
    row = []
    for attname, convert in converters:
        value = values.get(attname)
        row.append(value if value is None or convert is None else convert(value))
    return model.from_db(None, attnames, row)


def loaded(data) -> dict:
    """A packed row as a dict (SQLite and nested values may come as text)."""
    return json.loads(data) if isinstance(data, str) else data


def unpacked(model, data, *, fields=None, related=None):
    """The instance ``packed`` described, its related rows set (None for an empty foreign key)."""
    data = loaded(data)
    instance = _instance(model, data, tuple(_concrete(model, fields)))
    for name, names in (related or {}).items():
        target = model._meta.get_field(name).related_model
        prefix = f"{name}__"
        values = {key[len(prefix) :]: value for key, value in data.items() if key.startswith(prefix)}
        pk = values.get(target._meta.pk.attname)
        setattr(instance, name, None if pk is None else _instance(target, values, tuple(names)))
    return instance


def json_list(value) -> list:
    """A ``JSONList`` value as a list (SQLite hands a nested array over as text)."""
    return loaded(value) or []


def set_prefetched(instance, name: str, model, rows, fields) -> None:
    """Give ``instance`` its many-to-many ``name`` as if prefetched, from a ``JSONList`` of
    ``fields`` (``instance.<name>.all()`` answers them without a query), in the model's order."""
    fields = tuple(fields)
    objects = [_instance(model, row, fields) for row in json_list(rows)]
    ordering = model._meta.ordering
    if ordering and all(key in fields for key in ordering):  # (a descending key is left as read)
        objects.sort(key=lambda obj: tuple(getattr(obj, key) for key in ordering))
    queryset = model.objects.none()
    queryset._result_cache, queryset._prefetch_done = objects, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
