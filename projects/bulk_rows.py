"""Writing generated rows of several models at once, whatever generated them
(``projects/demo.py`` and the hooks of ``services.PROJECT_BULK_HOOKS``): COPY on
PostgreSQL (in this process, or text rendered by worker processes), bulk_create
elsewhere. Rows are plain objects with the model's attributes; a row refers to
another by an attribute named as the foreign key (``row.project``), and the ids
are filled in (``link``) once the rows referred to have theirs: ids of the
``numbered`` models are handed out before their rows are written.
"""

import io

from django.apps import apps
from django.db import connection
from django.db.models.fields import AutoFieldMixin

from projects import services
from projects.models import ChecklistTick, Conflict, ProcurementItem, Project, Stakeholder

BENCHMARK_MODELS = [Project, ProcurementItem, Stakeholder, ChecklistTick, Conflict]


def models():
    """Every table a bulk load writes, in insert order: the projects' own, then the hooks'."""
    ordered = list(BENCHMARK_MODELS)
    for hook in services.PROJECT_BULK_HOOKS:
        ordered += [model for model in hook.models if model not in ordered]
    return ordered


def plural(model):
    """A model's plural name; a many-to-many table's is its field's ("activity contacts")."""
    owner = model._meta.auto_created
    if owner:
        field = next(f for f in owner._meta.many_to_many if f.remote_field.through is model)
        return f"{owner._meta.verbose_name} {field.name}"
    return model._meta.verbose_name_plural


def references(model):
    """(column attribute, row attribute) pairs: a row's foreign keys (and the hooks' other references)
    come from the id of the row it holds."""
    pairs = [(f.attname, f.name) for f in model._meta.concrete_fields if f.is_relation]
    for hook in services.PROJECT_BULK_HOOKS:
        pairs += hook.references.get(model, [])
    return pairs


def link(model, objects):
    """Fill in the ids the rows refer to (their targets have theirs by now)."""
    pairs = references(model)
    for obj in objects:
        values = vars(obj)
        for attname, name in pairs:
            target = values.get(name)
            if target is not None:
                values[attname] = target.id
    if model is Conflict:
        for conflict in objects:
            low, high = sorted([conflict.project_a_id, conflict.project_b_id])
            # The key services._record writes: the same collision is recorded once.
            conflict.key = f"{conflict.kind}:{low}-{high}:{conflict.contact_id or ''}"


def counts(rows):
    return {model._meta.label: len(objects) for model, objects in rows.items()}


def copy(cursor, label, text, *, numbered):
    model = apps.get_model(label)
    with_pk = model in numbered
    if text:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column, _attname, _default in stored_fields(model, with_pk=with_pk))
        cursor.copy_expert(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", io.StringIO(text))


def numbered_models():
    """The models whose rows others refer to: their ids are known before the rows are written."""
    numbered = {Project}
    for hook in services.PROJECT_BULK_HOOKS:
        numbered.update(hook.numbered)
    return numbered


def store(rows):
    """Rows of several models (``{model: objects}``), in insert order: COPY on PostgreSQL, bulk_create
    elsewhere."""
    if connection.vendor == "postgresql":
        store_copy(rows)
    else:
        store_orm(rows)


def store_copy(rows):
    """COPY in this process; the rows others refer to take their ids from their tables' sequences."""
    numbered = numbered_models()
    with connection.cursor() as cursor:
        for model in models():
            objects = rows.get(model)
            if not objects:
                continue
            if model in numbered:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, len(objects)],
                )
                for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                    obj.id = pk
            link(model, objects)
            copy(cursor, model._meta.label, copy_text(model, objects, with_pk=model in numbered), numbered=numbered)


def instances(model, objects):
    fields = stored_fields(model, with_pk=False)
    return [model(**{attname: vars(obj).get(attname, default) for _c, attname, default in fields}) for obj in objects]


def store_orm(rows):
    """Rows of several models through bulk_create, in insert order: each model's rows get their ids
    before the rows that refer to them are linked."""
    for model in models():
        objects = rows.get(model)
        if not objects:
            continue
        link(model, objects)
        created = model.objects.bulk_create(instances(model, objects), batch_size=500)
        for obj, stored in zip(objects, created, strict=True):
            obj.id = stored.pk
        # bulk_create stamps auto_now(_add) fields with "now"; bulk_update writes our spread of dates back.
        stamps = [
            f.attname
            for f in model._meta.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        if stamps:
            for obj, stored in zip(objects, created, strict=True):
                for attname in stamps:
                    setattr(stored, attname, getattr(obj, attname))
            model.objects.bulk_update(created, stamps, batch_size=500)


def stored_fields(model, *, with_pk):
    """(column, attribute, default) of every stored field: the rows follow the model, not a column list. A
    primary key that is not generated (a one-to-one's) is always written."""
    return [
        (f.column, f.attname, f.get_default())
        for f in model._meta.concrete_fields
        if with_pk or not f.primary_key or not isinstance(f, AutoFieldMixin)
    ]


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escaped(value):
    return value.translate(COPY_ESCAPES)


def copy_flag(value):
    return "t" if value else "f"


def copy_moment(value):
    return value.isoformat()


# How a value of each kind of field is written (str for the rest: numbers, ids, decimals).
COPY_CONVERTERS = {
    "CharField": copy_escaped,
    "SlugField": copy_escaped,
    "TextField": copy_escaped,
    "BooleanField": copy_flag,
    "DateField": copy_moment,
    "DateTimeField": copy_moment,
}


def copy_text(model, objects, *, with_pk):
    """``objects`` (anything with the model's attributes) as COPY text for the model's table. Each column's
    conversion is chosen once, from its field: tens of millions of values go through here."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    columns = [
        (attname, default, COPY_CONVERTERS.get(fields[attname].get_internal_type(), str))
        for _column, attname, default in stored_fields(model, with_pk=with_pk)
    ]
    lines = []
    for obj in objects:
        get = vars(obj).get
        lines.append(
            "\t".join(
                [
                    "\\N" if (value := get(attname, default)) is None else convert(value)
                    for attname, default, convert in columns
                ]
            )
        )
    return "\n".join(lines) + "\n" if lines else ""
