"""The customer import's commit: bulk writes that leave what customer_create leaves (history, completeness,
departments), the valid-rows-only choice and its failed-rows file, and the commit as a background job
(progress, result, cancel)."""

import uuid

import pytest

from accounts import completeness, importing
from accounts.importing import base as importing_base
from accounts.models import Contact, Customer, CustomerImport, Department
from accounts.tests.test_import_export import credit_code, csv_file, good_row, upload
from accounts.views.imports import CUSTOMER_IMPORT_PAGES
from teams.audit import AuditAction, AuditEntry
from teams.jobs import JobRun
from teams.models import Job, JobStatus
from tests.factories import CustomerFactory
from tests.sheets import page_download, read_xlsx

pytestmark = pytest.mark.django_db


def commit_job(user, stored, run_jobs, **options) -> Job:
    with run_jobs():
        job = CUSTOMER_IMPORT_PAGES.commit_in_background(
            user=user, stored=stored, options={"confirm_duplicates": False, "valid_only": False, **options}
        )
    job.refresh_from_db()
    return job


def test_bulk_commit_leaves_history_departments_and_completeness_as_the_service(rep):
    rows = [
        good_row(1),
        good_row(1, contact_name="李1", department="财务部", department_kind="财务", mobile="13900000001"),
        good_row(2, department="", department_kind=""),
    ]
    customer_import = upload(rep, csv_file(rows))

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    assert report["committed"] and len(report["created"]) == 2
    first, second = (Customer.objects.get(pk=pk) for pk in report["created"])
    assert first.team_id == rep.team_id and first.normalized_name and first.core_name
    assert set(first.departments.values_list("name", "kind")) == {("采购部", "procurement"), ("财务部", "finance")}
    assert first.contacts.count() == 2 and not second.departments.exists()
    for customer in (first, second):
        # The score computed in memory is the one the service computes from the stored rows.
        assert customer.completeness == completeness.score(completeness.evaluate_customer(customer))
    assert first.completeness != second.completeness
    # One "created" history row per record, naming the importing user.
    for model, count in ((Customer, 2), (Department, 2), (Contact, 3)):
        history = model.history.all()
        assert history.count() == count
        assert {(row.history_type, row.history_user_id) for row in history} == {("+", rep.pk)}
        # Each history row holds the record as stored (copied set-wise), as a save() would leave it.
        for row in history:
            record = model.objects.get(pk=row.id)
            for field in model.history.model.tracked_fields:
                assert getattr(row, field.attname) == getattr(record, field.attname), (model, field.name)
            assert row.history_change_reason is None


def test_commit_queries_do_not_grow_with_the_file(rep, django_assert_max_num_queries):
    """A few statements per batch whatever the number of customers: the check's look-ups set-wise, the
    records and their history rows one insert per table."""

    def queries(count):
        rows = [good_row(n, mobile=f"139{n:08d}") for n in range(1, count + 1)]
        stored = upload(rep, csv_file(rows))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            report = importing.commit(user=rep, customer_import=stored, confirm_duplicates=True)
        assert report["committed"] and len(report["created"]) == count
        return len(captured)

    small = queries(2)
    Customer.objects.all().delete()
    assert queries(40) == small


def test_valid_rows_only_imports_whole_customers_and_files_the_rest(rep, rep_client):
    rows = [
        good_row(1),
        good_row(2),
        good_row(2, contact_name="坏号码", mobile="123"),  # fails, and takes its customer's other row along
        good_row(3),
    ]
    customer_import = upload(rep, csv_file(rows))

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False, valid_only=True)

    assert report["committed"] and report["valid_only"]
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["杭州第1科技有限公司", "杭州第3科技有限公司"]
    assert [row["imported"] for row in report["rows"]] == [True, False, False, True]
    assert (report["counts"]["imported"], report["counts"]["left_out"]) == (2, 2)
    entry = AuditEntry.objects.get(action=AuditAction.IMPORT)
    assert entry.detail["rows"] == 2 and entry.detail["left_out"] == 2 and entry.detail["valid_only"]

    failed = read_xlsx(page_download(rep_client, f"/customers/import/{customer_import.pk}/failed-rows/?format=xlsx"))
    assert [row[-1] for row in failed[1:]] == ["3", "4"]
    assert failed[0][-2:] == ["错误", "原行号"]
    assert failed[2][-2].startswith("手机: ") and failed[1][-2] == ""


def test_valid_rows_only_leaves_out_unconfirmed_duplicates(rep, other_rep):
    CustomerFactory(owner=other_rep, name="杭州第1科技有限公司")
    customer_import = upload(rep, csv_file([good_row(1), good_row(2)]))

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False, valid_only=True)

    assert list(Customer.objects.filter(owner=rep).values_list("name", flat=True)) == ["杭州第2科技有限公司"]
    assert report["rows"][0]["imported"] is False


def test_a_file_with_no_valid_row_imports_nothing_even_when_valid_only(rep):
    customer_import = upload(rep, csv_file([good_row(1, mobile="123")]))
    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False, valid_only=True)
    assert not report["committed"] and not Customer.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_the_commit_job_reports_what_it_imported_and_links_the_left_out_rows(rep, rep_client, run_jobs):
    customer_import = upload(rep, csv_file([good_row(1), good_row(2, mobile="123")]))

    job = commit_job(rep, customer_import, run_jobs, valid_only=True)

    assert job.status == JobStatus.DONE and job.created_by == rep
    assert (job.progress_done, job.progress_total) == (1, 1)
    urls = [link["url"] for link in job.result["links"]]
    assert urls == [
        f"/customers/import/{customer_import.pk}/",
        f"/customers/import/{customer_import.pk}/failed-rows/?format=xlsx",
        "/customers/?ordering=-created",
    ]
    page = rep_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "failed-rows/?format=xlsx" in page and 'data-status="done"' in page
    # The import's page no longer offers the commit, and names what was left out.
    page = rep_client.get(f"/customers/import/{customer_import.pk}/").content.decode()
    assert "/commit/" not in page and "failed-rows/?format=xlsx" in page


def test_cancelling_during_the_write_leaves_nothing(rep, run_jobs, monkeypatch):
    """Cancel is honoured between batches, inside the one transaction: the batches already written go too."""
    monkeypatch.setattr(importing_base, "BATCH_SIZE", 1)  # the commit's batches (accounts.importing.base)
    real_advance = JobRun.advance

    def advance_then_cancel(self, n=1, message=None):
        real_advance(self, n, message)
        Job.objects.filter(pk=self.job.pk).update(cancel_requested=True)  # the user clicks Cancel

    monkeypatch.setattr(JobRun, "advance", advance_then_cancel)
    customer_import = upload(rep, csv_file([good_row(1), good_row(2), good_row(3)]))

    job = commit_job(rep, customer_import, run_jobs)

    assert job.status == JobStatus.CANCELLED
    assert Customer.objects.count() == Contact.objects.count() == Customer.history.count() == 0
    customer_import.refresh_from_db()
    assert customer_import.status == CustomerImport.Status.CHECKED and not customer_import.is_committed
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()


def test_a_commit_that_finds_new_problems_fails_the_job_and_writes_nothing(rep, other_rep, run_jobs):
    customer_import = upload(rep, csv_file([good_row(1)]))
    CustomerFactory(owner=other_rep, name="别名有限公司", credit_code=credit_code(1))  # since the dry run

    job = commit_job(rep, customer_import, run_jobs, confirm_duplicates=True)

    assert job.status == JobStatus.FAILED and "统一社会信用代码" in job.error
    assert not Customer.objects.filter(owner=rep).exists()


def test_only_the_uploader_may_start_the_commit_and_a_refusal_changes_nothing(lead_client, rep, run_jobs):
    customer_import = upload(rep, csv_file([good_row(1)]))
    with run_jobs():
        response = lead_client.post(f"/customers/import/{customer_import.pk}/commit/", {"mode": "valid_only"})
    assert response.status_code == 403
    assert not Job.objects.exists() and not Customer.objects.exists()
    customer_import.refresh_from_db()
    assert customer_import.status == CustomerImport.Status.CHECKED and "job_id" not in customer_import.report


def _similar_search(captured) -> bool:
    return any(
        "similarity(" in query["sql"] or '."core_name" IN' in query["sql"] for query in captured.captured_queries
    )


def test_a_commit_with_confirmed_duplicates_reports_the_dry_runs_similar_names_without_searching(rep, other_rep):
    """The similar-name search is the slowest look-up and, once the user confirmed the possible duplicates,
    decides nothing: the commit reports the dry run's matches. Without the confirmation it searches again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CustomerFactory(owner=other_rep, name="杭州海康威视数字技术股份有限公司")
    content = csv_file([good_row(1, name="杭州海康威视数字科技有限公司", credit_code="")])
    expected = [{"reason": "similar_name", "label": "very similar name", "owner": "李娜", "visible": False}]

    stored = upload(rep, content)
    with CaptureQueriesContext(connection) as captured:
        report = importing.commit(user=rep, customer_import=stored, confirm_duplicates=False)
    assert _similar_search(captured) and not report["committed"]
    assert report["rows"][0]["duplicates"] == expected

    stored = upload(rep, content)
    with CaptureQueriesContext(connection) as captured:
        report = importing.commit(user=rep, customer_import=stored, confirm_duplicates=True)
    assert not _similar_search(captured)
    assert report["committed"] and report["rows"][0]["duplicates"] == expected
    # An exact rule is still checked again: a credit code saved since the dry run refuses the row.
    content = csv_file([good_row(2)])
    stored = upload(rep, content)
    CustomerFactory(owner=other_rep, name="别家", credit_code=credit_code(2))
    report = importing.commit(user=rep, customer_import=stored, confirm_duplicates=True)
    assert not report["committed"] and report["rows"][0]["errors"]


def test_the_commit_takes_the_file_its_dry_run_read_and_reads_a_changed_file_anew(rep, monkeypatch):
    """The stored upload is read at the dry run and taken from the cache at the commit (parsing it again was a
    third of a 10,000-row commit's CPU); another content is another entry."""
    from accounts.importing import reading

    reads = []
    real = reading.read_table
    monkeypatch.setattr(reading, "read_table", lambda content, filename="": reads.append(1) or real(content, filename))
    unique = uuid.uuid4().hex  # a content no earlier run left in the cache
    customer_import = upload(rep, csv_file([good_row(1, address=unique)]))
    assert len(reads) == 1

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    assert report["committed"] and len(reads) == 1
    assert Customer.objects.get().address == unique
    upload(rep, csv_file([good_row(2, address=unique)]))
    assert len(reads) == 2


def test_the_commit_forgets_the_file_it_read(rep, django_capture_on_commit_callbacks):
    """The sheet's contents (names, phones) leave the cache once the file is imported: they do
    not linger in Redis beyond the upload row."""
    from django.core.cache import cache

    from accounts.importing import reading

    unique = uuid.uuid4().hex
    content = csv_file([good_row(1, address=unique)])
    customer_import = upload(rep, content)
    key = reading._table_key(bytes(customer_import.content), customer_import.filename)
    assert cache.get(key) is not None

    with django_capture_on_commit_callbacks(execute=True):
        report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    assert report["committed"]
    assert cache.get(key) is None
