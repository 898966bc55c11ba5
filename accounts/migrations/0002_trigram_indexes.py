"""Trigram indexes for fuzzy duplicate detection and as-you-type search.

PostgreSQL only (pg_trgm); on SQLite, the laptop default, this does nothing and
duplicate detection falls back to a prefix match ranked in Python.
"""

from django.db import migrations

INDEXES = [
    ("accounts_customer_normalized_name_trgm", "accounts_customer", "normalized_name"),
    ("accounts_customer_name_trgm", "accounts_customer", "name"),
    ("accounts_contact_name_trgm", "accounts_contact", "name"),
    ("accounts_contact_mobile_trgm", "accounts_contact", "mobile"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
