"""What other apps write into the audit log: exports (who, how many rows), imports, merges, settings."""

import pytest

from accounts import importing, services
from accounts.tests.test_import_export import credit_code, csv_file, good_row, upload
from pipeline import settings_services
from teams.audit import AuditAction, AuditEntry
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_customer_export_records_who_and_how_many_rows(admin_client, admin, rep):
    CustomerFactory.create_batch(3, owner=rep)
    response = admin_client.get("/customers/export/?format=csv", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert entry.actor == admin and entry.detail["rows"] == 3 and entry.detail["kind"] == "customers"
    assert entry.ip == "10.1.2.3"


def test_import_commit_is_recorded_with_its_row_count(rep):
    customer_import = upload(rep, csv_file([good_row(1), good_row(2)]))
    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)
    assert report["committed"]
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.actor == rep and entry.detail["rows"] == len(report["created"]) == 2


def test_a_failed_import_is_not_recorded_as_one(rep, other_rep):
    customer_import = upload(rep, csv_file([good_row(1)]))
    CustomerFactory(owner=other_rep, name="别名有限公司", credit_code=credit_code(1))  # added since the dry run
    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=True)
    assert not report["committed"]
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_customer_merge_is_recorded_and_names_the_merged_away_customer(lead, rep, other_rep):
    target = CustomerFactory(owner=rep, name="杭州云帆")
    source = CustomerFactory(owner=other_rep, name="杭州云帆信息科技有限公司")
    source_pk = source.pk
    services.customer_merge(user=lead, target=target, source=source)
    entry = AuditEntry.objects.get(action=AuditAction.MERGE)
    assert entry.actor == lead and entry.target_id == str(target.pk)
    assert entry.detail == {"kind": "customer", "source": source_pk, "source_name": "杭州云帆信息科技有限公司"}


def test_a_settings_change_is_recorded(admin):
    reason = settings_services.lost_reason_create(
        user=admin, data={"key": "budget_cut", "name_zh": "预算", "name_en": "Budget cut"}
    )
    entry = AuditEntry.objects.get(action=AuditAction.SETTINGS_CHANGED)
    assert entry.actor == admin and entry.target_id == str(reason.pk) and entry.detail["kind"]
