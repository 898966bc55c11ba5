"""Every migration of the project's apps can be undone (issue 15 point 3), so a
deploy whose new code misbehaves can go back: each app is migrated to zero and
forward again on a scratch database, and a migration that cannot be reversed
must be named in ALLOW_IRREVERSIBLE with the reason (deploy/README.md,
"Zero-downtime upgrades")."""

from django.db.migrations.loader import MigrationLoader

from tests.pg_scratch import database_url, manage, scratch_database

# Apps in dependency order (ARCHITECTURE.md); unapplied last to first.
APPS = ["teams", "accounts", "projects", "pipeline", "coaching"]

# (app, migration) -> why it cannot be reversed. Empty: every operation has a reverse
# (RunPython/RunSQL carry reverse_code/reverse_sql, noop where the forward only fills
# a column the reverse drops anyway).
ALLOW_IRREVERSIBLE: dict[tuple[str, str], str] = {}

ROUND_TRIP = f"""
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

apps = {APPS!r}
call_command("migrate", verbosity=0)
for app in reversed(apps):
    call_command("migrate", app, "zero", verbosity=0)
    left = [t for t in connection.introspection.table_names() if t.startswith(app + "_")]
    assert left == [], f"{{app}} zero left tables {{left}}"
    print("unapplied", app)
call_command("migrate", verbosity=0)
plan = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
assert plan == [], plan
print("round trip ok")
"""


def test_every_irreversible_migration_is_allowed_with_a_reason():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    irreversible = {
        key
        for key, migration in loader.disk_migrations.items()
        if key[0] in APPS and any(not operation.reversible for operation in migration.operations)
    }
    assert irreversible == set(ALLOW_IRREVERSIBLE), (
        "A migration without a reverse: add reverse_code / reverse_sql, or name it in ALLOW_IRREVERSIBLE with why"
    )
    assert all(reason.strip() for reason in ALLOW_IRREVERSIBLE.values())


def test_every_app_migrates_to_zero_and_back():
    with scratch_database("migrations") as name:
        out = manage(database_url(name), code=ROUND_TRIP)
    assert [line for line in out.splitlines() if line.startswith(("unapplied", "round trip"))] == [
        *(f"unapplied {app}" for app in reversed(APPS)),
        "round trip ok",
    ]
