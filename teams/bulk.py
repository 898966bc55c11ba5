"""Loading millions of rows for benchmarks (PostgreSQL): the tables' secondary
indexes and foreign keys go off during the load and come back from their own
definitions afterwards. Used by the apps' ``demo`` modules."""

import time
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone


@contextmanager
def bulk_load(models, *, stdout):
    """Load without per-row index maintenance and (deferred) foreign-key checks, then build every
    index with one sort and check every foreign key with one join. Definitions are read back from
    PostgreSQL, so what is restored is exactly what was there. The tables are locked against other
    writers meanwhile: benchmark-scale seeding is for a database nobody else is writing to."""
    tables = [model._meta.db_table for model in models]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Checks queued by earlier inserts in this transaction would block the DDL below.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(f"LOCK TABLE {', '.join(quote(t) for t in tables)} IN EXCLUSIVE MODE")
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])
            ORDER BY c.conname
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')
              )
            ORDER BY 1
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    stdout.write(f"  Bulk load: {len(indexes)} indexes and {len(foreign_keys)} foreign keys off until the end.")
    yield
    started = time.monotonic()
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        indexed = time.monotonic()
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        checked = time.monotonic()
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: back to that for what runs next.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in tables:
            cursor.execute(f"ANALYZE {quote(table)}")
    stdout.write(
        f"  Bulk load: indexes rebuilt in {indexed - started:.0f} s, foreign keys checked in "
        f"{checked - indexed:.0f} s, tables analysed in {time.monotonic() - checked:.0f} s."
    )


def history_rows_insert(model, ids, *, user=None, history_type="+", reason=None, date=None) -> None:
    """django-simple-history's rows for the saved records ``ids`` of ``model`` (what ``bulk_history_create``
    writes: the tracked fields, when, who, why, "+" created / "~" changed), copied from their table by one
    ``INSERT … SELECT`` instead of a historical instance per record built in Python."""
    if not ids:
        return
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = [(field.column, model._meta.get_field(field.name).column) for field in history.tracked_fields]
    columns = [quote(column) for column, _source in tracked]
    columns += [quote(name) for name in ("history_date", "history_change_reason", "history_type", "history_user_id")]
    when = connection.ops.adapt_datetimefield_value(date or timezone.now())
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 (identifiers; values as parameters)
            f"SELECT {', '.join(quote(source) for _column, source in tracked)}, %s, %s, %s, %s "
            f"FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN ({placeholders}) "
            f"ORDER BY {quote(model._meta.pk.column)}",
            [when, reason, history_type, getattr(user, "pk", user), *ids],
        )
