"""Every migration of the project's apps can be undone (issue 15 point 3; run by
.ci/run, not part of pytest): on a scratch PostgreSQL database beside
DATABASE_URL's (created here and dropped afterwards) migrate everything, unapply
each app to zero, the last app first, checking that none of its tables is left,
and migrate forward again to an empty plan.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/funnel_crm .venv/bin/python scripts/check_migrations.py

The pytest suite keeps the cheap half (tests/test_migrations_reversible.py): a
migration without a reverse must be named in ALLOW_IRREVERSIBLE with the reason.
Exits non-zero with manage.py's output on a failure.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "funnel_crm.settings")

import django

django.setup()

from tests.pg_scratch import database_url, manage, scratch_database  # noqa: E402
from tests.test_migrations_reversible import APPS  # noqa: E402

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


def main():
    with scratch_database("migrations") as name:
        out = manage(database_url(name), code=ROUND_TRIP)
    lines = [line for line in out.splitlines() if line.startswith(("unapplied", "round trip"))]
    assert lines == [*(f"unapplied {app}" for app in reversed(APPS)), "round trip ok"], out
    print("\n".join(lines))


if __name__ == "__main__":
    main()
