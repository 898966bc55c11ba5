"""Backup and restore (issue 15 point 2): deploy/bin/backup dumps a seeded database
in pg_dump's custom format and prunes old dumps; deploy/bin/restore brings a dump
back into a new database, whose every table has the same row count and whose key
tables (users, customers, projects, stage changes, activities, uploaded import files)
the same checksum over their ordered rows."""

import datetime
import os
import shutil
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.db import models

from tests.pg_scratch import BASE_DIR, database_url, manage, scratch_database

BIN = BASE_DIR / "deploy" / "bin"
CHECKSUM = "SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '')) FROM \"%s\" t"
KEY_TABLES = [
    "teams_user",
    "accounts_customer",
    "accounts_customerimport",
    "projects_project",
    "pipeline_stagechange",
    "pipeline_activity",
]

# seed_demo at a small size (3 customers a rep) with fast password hashing, and one
# uploaded import file: those are kept in the database, so the dump must carry them.
# The database is already migrated (a clone of the freshly migrated test database).
SEED = """
import io
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.core.management import call_command
call_command("seed_demo", customers_per_rep=3, stdout=io.StringIO())
from accounts.models import CustomerImport
from teams.models import User
CustomerImport.objects.create(
    user=User.objects.get(username="rep1"), filename="客户.csv",
    content="\\ufeff客户名称,行业\\n宁波海曙测试有限公司,it\\n".encode(),
)
"""

pytestmark = pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="pg_dump/pg_restore are not installed"
)


def run_script(name, *args, **env):
    result = subprocess.run(
        [str(BIN / name), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    return result


def snapshot(url):
    """Row counts of every table, md5 over the ordered rows of the key tables, sequence positions."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
            tables = [row[0] for row in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
            checksums = {}
            for table in KEY_TABLES:
                cursor.execute(CHECKSUM % table)
                checksums[table] = cursor.fetchone()[0]
            cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
            sequences = dict(cursor.fetchall())
    finally:
        conn.close()
    return counts, checksums, sequences


def test_no_model_keeps_files_on_disk():
    """The backup is the database alone because nothing is stored as a file: an
    uploaded import is a BinaryField, exports are streamed. A FileField would need
    its folder in the backup (deploy/bin/backup) first."""
    file_fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert file_fields == []


@pytest.mark.django_db  # the test database, whose copy as migrated the source database is cloned from
def test_backup_then_restore_into_a_new_database_keeps_every_row(tmp_path):
    with (
        scratch_database("backup_src", migrated=True) as source,
        scratch_database("backup_restored", create=False) as restored,
    ):
        source_url, restored_url = database_url(source), database_url(restored)
        manage(source_url, code=SEED)

        # Old dumps the retention must prune: keep 2 daily (the new one and the newest old one), 1 weekly.
        for folder, count in (("daily", 3), ("weekly", 2)):
            (tmp_path / folder).mkdir()
            for day in range(1, count + 1):
                (tmp_path / folder / f"funnel_crm-202001{day:02d}T020000Z.dump").write_bytes(b"old")
        today = str(datetime.datetime.now(datetime.UTC).isoweekday())
        backup = run_script(
            "backup",
            DATABASE_URL=source_url,
            BACKUP_DIR=str(tmp_path),
            BACKUP_KEEP_DAILY="2",
            BACKUP_KEEP_WEEKLY="1",
            BACKUP_WEEKLY_DAY=today,
        )
        assert backup.returncode == 0, backup.stderr
        dump = backup.stdout.strip().splitlines()[-1]
        assert dump.startswith(str(tmp_path / "daily" / "funnel_crm-")) and dump.endswith("Z.dump")
        assert sorted(p.name for p in (tmp_path / "daily").iterdir()) == [
            "funnel_crm-20200103T020000Z.dump",
            os.path.basename(dump),
        ]
        assert [p.name for p in (tmp_path / "weekly").iterdir()] == [os.path.basename(dump)]
        assert Path(dump).read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

        restore = run_script("restore", dump, restored, DATABASE_URL=source_url)
        assert restore.returncode == 0, restore.stderr
        assert restore.stdout.strip() == restored_url

        counts, checksums, sequences = snapshot(source_url)
        assert counts["teams_user"] >= 10
        assert counts["accounts_customer"] > 0 and counts["pipeline_stagechange"] > 0
        assert counts["pipeline_activity"] > 0 and counts["accounts_customerimport"] == 1
        assert snapshot(restored_url) == (counts, checksums, sequences)

        # Restoring over an existing database is refused and leaves it as it was.
        again = run_script("restore", dump, restored, DATABASE_URL=source_url)
        assert again.returncode != 0
        assert "already exists" in again.stderr
        assert snapshot(restored_url)[0] == counts
