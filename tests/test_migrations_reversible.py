"""Every migration of the project's apps can be undone (issue 15 point 3), so a
deploy whose new code misbehaves can go back: a migration that cannot be
reversed must be named in ALLOW_IRREVERSIBLE with the reason (deploy/README.md,
"Zero-downtime upgrades"). The round trip itself (each app migrated to zero and
forward again on a scratch database, about a minute and a half) is a CI step of
its own, scripts/check_migrations.py, outside the test suite."""

from django.db.migrations.loader import MigrationLoader

# Apps in dependency order (ARCHITECTURE.md); unapplied last to first.
APPS = ["teams", "accounts", "projects", "pipeline", "coaching"]

# (app, migration) -> why it cannot be reversed. Empty: every operation has a reverse
# (RunPython/RunSQL carry reverse_code/reverse_sql, noop where the forward only fills
# a column the reverse drops anyway).
ALLOW_IRREVERSIBLE: dict[tuple[str, str], str] = {}


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
