"""The common shape of the timeline's rows: each kind's rows as ``(t_kind, t_row)``, the
row and the related rows its entry shows packed in one JSON object, so the kinds can be
read together in one ``UNION ALL`` (``pipeline.selectors.project.project_timeline``) and
built back into model instances here.

A related row carries only the fields listed for it (``USER_FIELDS`` for people: what
``User.name`` reads); its other fields are deferred, so a template reading one more would
cost a query — the page's query-budget tests would show it.
"""

import datetime
import json
from decimal import Decimal

from django.db import models
from django.db.models import CharField, F, Func, JSONField, Value
from django.db.models.functions import Cast, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

# What a person's name needs (``teams.models.User.name``).
USER_FIELDS = ("id", "username", "display_name", "first_name", "last_name")


class JSONList(Func):
    """A subquery's rows as one JSON array (``JSONObject`` each): ``JSONB_AGG`` on PostgreSQL,
    ``JSON_GROUP_ARRAY`` on SQLite. Not an ``Aggregate``: no GROUP BY is added, the whole
    (filtered) subquery is one array, NULL when empty."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def _value(model, name):
    field_ = model._meta.get_field(name)
    expression = F(name if not field_.is_relation else field_.attname)
    if isinstance(field_, models.DecimalField):  # JSON numbers are floats: keep the digits
        return Cast(expression, CharField())
    return expression


def _concrete(model, fields):
    if fields is None:
        return [f.name for f in model._meta.concrete_fields]
    return list(fields)


def packed(model, *, fields=None, related=None, extra=None) -> JSONObject:
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
    for key, expression in (extra or {}).items():
        pairs[key] = expression
    return JSONObject(**pairs)


def part(queryset, kind: str, row: JSONObject):
    """A kind's rows in the common shape (its own filter, order and slice kept)."""
    return queryset.values(t_kind=Value(kind, output_field=CharField()), t_row=row)


def _python(field_, value):
    if value is None:
        return None
    if isinstance(field_, models.DateTimeField):
        moment = value if isinstance(value, datetime.datetime) else parse_datetime(value)
        return timezone.make_aware(moment, datetime.UTC) if timezone.is_naive(moment) else moment
    if isinstance(field_, models.DateField):
        return value if isinstance(value, datetime.date) else parse_date(value)
    if isinstance(field_, models.DecimalField):
        return Decimal(str(value))
    if isinstance(field_, models.BooleanField):
        return bool(value)
    return value


def _instance(model, values: dict, names):
    """``model.from_db`` of the fields ``names`` (``from_db`` takes them in the model's order)."""
    wanted = {model._meta.get_field(name).attname for name in names}
    fields = [f for f in model._meta.concrete_fields if f.attname in wanted]
    row = [_python(f, values.get(f.attname)) for f in fields]
    return model.from_db(None, [f.attname for f in fields], row)


def unpacked(model, data, *, fields=None, related=None):
    """The instance ``packed`` described, its related rows set (None for an empty foreign key)."""
    if isinstance(data, str):
        data = json.loads(data)
    instance = _instance(model, data, _concrete(model, fields))
    for name, names in (related or {}).items():
        field_ = model._meta.get_field(name)
        values = {key.split("__", 1)[1]: value for key, value in data.items() if key.startswith(f"{name}__")}
        target = field_.related_model
        pk = values.get(target._meta.pk.attname)
        setattr(instance, name, None if pk is None else _instance(target, values, names))
    return instance


def json_list(value) -> list:
    """A ``JSONList`` value as a list (SQLite hands a nested array over as text)."""
    if isinstance(value, str):
        value = json.loads(value)
    return value or []


def set_prefetched(instance, name: str, model, rows, fields) -> None:
    """Give ``instance`` its many-to-many ``name`` as if prefetched, from a ``JSONList`` of
    ``fields`` (``instance.<name>.all()`` answers them without a query), in the model's order."""
    objects = [_instance(model, row, fields) for row in json_list(rows)]
    ordering = model._meta.ordering
    if ordering and all(key in fields for key in ordering):  # (a descending key is left as read)
        objects.sort(key=lambda obj: tuple(getattr(obj, key) for key in ordering))
    queryset = model.objects.none()
    queryset._result_cache, queryset._prefetch_done = objects, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
