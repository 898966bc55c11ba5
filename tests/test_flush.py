"""The flush after each transactional test (conftest.py deletes the rows of the tables that hold
any instead of truncating every table) leaves what Django's leaves: every table empty, the
append-only audit log too, then content types and permissions back (post_migrate)."""

import pytest
from django.core.management import call_command
from django.db import connection

from projects import services
from teams.audit import audit_record
from teams.models import AuditEntry
from tests.factories import CustomerFactory


def _tables_with_rows():
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        names = [connection.ops.quote_name(table) for table in tables]
        cursor.execute(" UNION ALL ".join(f"SELECT %s WHERE EXISTS (SELECT 1 FROM {name})" for name in names), tables)
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_the_flush_empties_every_table_the_audit_log_too(rep, lead, admin):
    customer = CustomerFactory(owner=rep)
    services.project_create(user=rep, customer=customer, data={"name": "云帆数字化平台建设"})
    audit_record(actor=admin, action="user_updated", target=rep, summary="flushed")
    assert AuditEntry.objects.exists()
    filled = _tables_with_rows()
    assert {"teams_user", "teams_auditentry", "projects_project", "accounts_customer"} <= set(filled), filled

    call_command("flush", verbosity=0, interactive=False)  # what TransactionTestCase's teardown calls

    assert _tables_with_rows() == ["auth_permission", "django_content_type"]
