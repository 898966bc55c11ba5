"""Import of existing deals (issue 9 point 10): template, reading each column, the customer and owner each
persona may use, duplicates, the all-or-nothing commit, the failed rows, the pages and the API."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.importing.values import amount_from_text, date_from_text
from pipeline.importing import PROJECT_COLUMNS, PROJECTS
from pipeline.models import BudgetChange, ProjectImport, ProjectState, StageChange
from projects import services as project_services
from projects.models import Project
from teams.errors import DomainError
from teams.models import Job
from tests import sheets
from tests.factories import CustomerFactory, ProjectFactory
from tests.scenarios import CUSTOMERS, OWNER_OF
from tests.sheets import IMPORT_PAGE_MATRIX, import_page, named, page_download, read_csv, read_xlsx

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in PROJECT_COLUMNS.template]
ENGLISH_HEADERS = [column.english for column in PROJECT_COLUMNS.template]
TODAY = timezone.localdate()
OPENED = TODAY - timedelta(days=20)
NEXT = TODAY + timedelta(days=7)


def row(**values) -> list[str]:
    """A data row in template column order; unnamed columns are empty."""
    return [values.get(column.key, "") for column in PROJECT_COLUMNS.template]


def good_row(n=1, customer="杭州测试科技有限公司", **overrides) -> list[str]:
    values = {
        "customer": customer,
        "name": f"第{n}期数字化平台建设",
        "kind": "新签",
        "stage": "需求确认",
        "opened_at": OPENED.isoformat(),
        "budget": "120万",
        "next_contact_on": NEXT.isoformat(),
        "funding_source": "自有预算",
        "scope": "统一客户数据",
    }
    values.update(overrides)
    return row(**values)


def csv_file(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    return sheets.csv_file(rows, headers, encoding)


def check(user, content, filename="projects.csv"):
    return PROJECTS.dry_run(user=user, content=content, filename=filename)


def upload(user, content, filename="projects.csv") -> ProjectImport:
    return ProjectImport.objects.create(user=user, filename=filename, content=content, report=check(user, content))


def commit(user, stored, **options):
    return PROJECTS.commit(user=user, stored=stored, **options)


def only_row(report):
    assert len(report["rows"]) == 1, report["rows"]
    return report["rows"][0]


@pytest.fixture
def customer(rep):
    return CustomerFactory(owner=rep, name="杭州测试科技有限公司", credit_code="91330106MA2B3C4D5D")


# --- template and the happy path -------------------------------------------------------------------------------------


def test_template_has_chinese_headers_and_an_example_that_reads(rep):
    rows = read_csv(PROJECTS.template_file("csv"))
    assert rows[0] == HEADERS
    assert rows[0][:4] == ["客户", "项目名称", "项目类型", "阶段"]
    example = dict(zip(HEADERS, rows[1], strict=True))
    assert (example["阶段"], example["预算"], example["下次联系日期"]) == ("需求确认", "120万", NEXT.isoformat())
    workbook = openpyxl.load_workbook(io.BytesIO(PROJECTS.template_file("xlsx")), read_only=True)
    guide = list(workbook.worksheets[1].iter_rows(values_only=True))
    assert guide[3][:2] == ("项目类型", "Kind") and "续费" in guide[3][3]
    # Only its customer is unknown here: every other column of the example is read as it stands.
    entry = only_row(check(rep, PROJECTS.template_file("xlsx"), "template.xlsx"))
    assert list(entry["errors"]) == ["客户"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_open_deals_start_their_history_at_the_opened_date(rep, customer, fmt):
    rows = [
        good_row(1),
        good_row(2, stage="proposal_accepted", budget="1,200,000", opened_at=f"{OPENED:%Y/%m/%d}"),
        good_row(3, stage="Prospect", budget="", kind="", funding_source=""),
    ]
    content = csv_file(rows) if fmt == "csv" else sheets.xlsx_file(rows, HEADERS)
    stored = upload(rep, content, f"deals.{fmt}")
    assert [entry["status"] for entry in stored.report["rows"]] == ["ok"] * 3, stored.report["rows"]

    report = commit(rep, stored)

    assert report["committed"] and len(report["created"]) == 3
    projects = {p.name: p for p in Project.objects.filter(pk__in=report["created"]).select_related("state__stage")}
    opened_at = timezone.make_aware(datetime.combine(OPENED, datetime.min.time()))
    first = projects["第1期数字化平台建设"]
    assert (first.owner, first.customer, first.kind, first.funding_source) == (rep, customer, "new", "own_budget")
    assert (first.opened_at, first.next_contact_on, first.budget) == (opened_at, NEXT, Decimal("1200000"))
    assert (first.state.stage.key, first.state.entered_at) == ("need_confirmed", opened_at)
    change = StageChange.objects.get(project=first)
    assert (change.from_stage, change.to_stage.key, change.at, change.by) == (None, "need_confirmed", opened_at, rep)
    budget = BudgetChange.objects.get(project=first)
    assert (budget.old, budget.new, budget.effective_on, budget.by) == (None, Decimal("1200000"), OPENED, rep)
    assert projects["第2期数字化平台建设"].state.stage.key == "proposal_accepted"
    third = projects["第3期数字化平台建设"]
    assert (third.state.stage.key, third.budget, third.kind) == ("prospect", None, "new")
    assert not BudgetChange.objects.filter(project=third).exists()
    stored.refresh_from_db()
    assert (stored.status, stored.user) == (ProjectImport.Status.COMMITTED, rep)
    assert stored.committed_at is not None and stored.report["created"] == report["created"]


def test_english_headers_and_a_customer_by_credit_code(rep, customer):
    content = csv_file([good_row(1, customer="91330106-MA2B3C4D5D", stage="Need confirmed")], headers=ENGLISH_HEADERS)
    entry = only_row(check(rep, content))
    assert (entry["status"], entry["customer"], entry["customer_id"]) == ("ok", customer.name, customer.pk)


@pytest.mark.parametrize("text", ["need_confirmed", "需求确认", "Need confirmed", "NEED CONFIRMED", " 需求确认 "])
def test_stage_by_key_or_either_name(rep, customer, text):
    entry = only_row(check(rep, csv_file([good_row(1, stage=text)])))
    assert (entry["status"], entry["stage"]) == ("ok", "Need confirmed")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("120万", "1200000"),
        ("120万元", "1200000"),
        ("1,200,000", "1200000"),
        ("1.2亿", "120000000"),
        ("¥1,200,000.50", "1200000.50"),
        ("1200000元", "1200000"),
        ("35.5 万", "355000"),
    ],
)
def test_budget_spellings(rep, customer, text, amount):
    stored = upload(rep, csv_file([good_row(1, budget=text)]))
    report = commit(rep, stored)
    assert Project.objects.get(pk=report["created"][0]).budget == Decimal(amount)


def test_a_renewal_stage_without_a_kind_makes_a_renewal(rep, customer):
    stored = upload(rep, csv_file([good_row(1, kind="", stage="续约报价")]))
    project = Project.objects.get(pk=commit(rep, stored)["created"][0])
    assert (project.kind, project.state.stage.key) == ("renewal", "renewal_quote")


def test_a_deal_long_in_its_stage_imports_with_a_stale_warning(rep, customer):
    opened = TODAY - timedelta(days=200)
    entry = only_row(check(rep, csv_file([good_row(1, stage="合同/法务", opened_at=opened.isoformat())])))
    assert entry["status"] == "ok"
    assert "stale" in entry["warnings"]["立项日期"][0] and opened.isoformat() in entry["warnings"]["立项日期"][0]


# --- bad input, column by column -------------------------------------------------------------------------------------


BAD_CELLS = [
    ("customer", "", "客户", "Name the customer"),
    ("customer", "不存在的公司", "客户", "import the customers first"),
    ("name", "", "项目名称", "cannot be blank"),
    ("name", "项" * 201, "项目名称", "at most 200 characters"),
    ("kind", "外包", "项目类型", "Accepted: 新签、续费、增购"),
    ("stage", "谈判中", "阶段", "Unknown stage “谈判中”. Stages of “New business”: Prospect、Need confirmed"),
    ("stage", "赢单", "阶段", "starts in an open stage"),
    ("stage", "renewal_due", "阶段", "is a stage of “Renewal”; 新签 projects go through “New business”"),
    ("opened_at", (TODAY + timedelta(days=2)).isoformat(), "立项日期", "cannot enter the funnel in the future"),
    ("opened_at", "上个月", "立项日期", "Write a date such as"),
    ("opened_at", "2025-02-30", "立项日期", "Write a date such as"),
    ("opened_at", "1980-01-01", "立项日期", "Enter a date between 1990-01-01"),
    ("budget", "很多", "预算", "Write the budget in yuan"),
    ("budget", "-5万", "预算", "cannot be negative"),
    ("budget", "20000亿", "预算", "cannot exceed"),
    ("budget", "100.555", "预算", "two decimal places"),
    ("next_contact_on", "", "下次联系日期", "every open project needs one"),
    ("next_contact_on", (TODAY - timedelta(days=1)).isoformat(), "下次联系日期", "cannot be in the past"),
    ("owner", "nobody", "负责人", "not a user you can assign projects to"),
    ("funding_source", "天上掉的", "资金来源", "Unknown value “天上掉的”"),
]


@pytest.mark.parametrize(("key", "value", "header", "message"), BAD_CELLS)
def test_a_bad_cell_is_an_error_naming_its_column(rep, customer, key, value, header, message):
    stored = upload(rep, csv_file([good_row(1, **{key: value})]))
    entry = only_row(stored.report)
    assert entry["status"] == "error"
    assert list(entry["errors"]) == [header], entry["errors"]
    assert message in entry["errors"][header][0]

    report = commit(rep, stored)
    assert not report["committed"] and not Project.objects.exists()


def test_errors_use_the_files_own_headers(rep, customer):
    entry = only_row(check(rep, csv_file([good_row(1, budget="很多")], headers=ENGLISH_HEADERS)))
    assert list(entry["errors"]) == ["Budget"]


def test_every_bad_cell_of_a_row_is_reported_at_once(rep, customer):
    entry = only_row(check(rep, csv_file([good_row(1, stage="谈判中", budget="很多", next_contact_on="")])))
    assert set(entry["errors"]) == {"阶段", "预算", "下次联系日期"}


def test_a_missing_next_contact_column_refuses_the_file(rep):
    headers = [header for header in HEADERS if header != "下次联系日期"]
    with pytest.raises(DomainError) as caught:
        check(rep, csv_file([["甲公司", "一期"]], headers=headers))
    assert any("下次联系日期" in message and "missing" in message for message in caught.value.message_dict["file"])


def test_an_excel_date_cell_and_a_date_time_are_read(rep, customer):
    opened = datetime(OPENED.year, OPENED.month, OPENED.day, 9, 30)
    content = sheets.xlsx_file([[*good_row(1)[:4], opened, 1_200_000, NEXT, *good_row(1)[7:]]], HEADERS)
    stored = upload(rep, content, "deals.xlsx")
    project = Project.objects.get(pk=commit(rep, stored)["created"][0])
    assert (timezone.localtime(project.opened_at).replace(tzinfo=None), project.next_contact_on) == (opened, NEXT)
    assert project.budget == Decimal("1200000")


# --- who may import what ---------------------------------------------------------------------------------------------

# Customers each persona may add projects to by import: reps their own (what they may change), leads and
# admins any of their scope (a lead sees outsider_rep's customer through rep's project on it).
IMPORTS_ONTO = {
    "rep": {"own"},
    "other_rep": {"other_reps"},
    "outsider_rep": {"other_teams"},
    "lead": {"own", "other_reps", "other_teams"},
    "other_lead": {"other_teams"},
    "admin": set(CUSTOMERS),
}


@pytest.mark.parametrize("persona", list(IMPORTS_ONTO))
@pytest.mark.parametrize("target", CUSTOMERS)
def test_customer_scope_per_persona(shared_world, personas, persona, target):
    user = personas[persona]
    # Admins own nothing themselves: they name an owner (the customer's).
    owner = OWNER_OF[target] if persona == "admin" else ""
    customer = shared_world.customers[target]
    stored = upload(user, csv_file([good_row(1, customer=customer.name, owner=owner)]))
    entry = only_row(stored.report)
    before = Project.objects.count()

    report = commit(user, stored)

    if target in IMPORTS_ONTO[persona]:
        assert entry["status"] == "ok", entry["errors"]
        assert report["committed"] and Project.objects.count() == before + 1
    else:
        # The same words as for a name no customer has: nothing says the customer exists.
        assert entry["errors"] == {
            "客户": [
                f"“{customer.name}” is none of the customers you may add projects to. Check the name or the "
                "credit code; a customer that is not in the CRM yet: import the customers first."
            ]
        }
        assert not report["committed"] and Project.objects.count() == before


OWNERS = [
    # importing persona, owner named, who owns the project (None: refused)
    ("rep", "", "rep"),
    ("rep", "rep", "rep"),
    ("rep", "张伟", "rep"),  # the display name
    ("rep", "other_rep", None),
    ("lead", "", "lead"),
    ("lead", "other_rep", "other_rep"),
    ("lead", "李娜", "other_rep"),
    ("lead", "outsider_rep", None),
    ("admin", "", None),  # admins own no projects: they name the owner
    ("admin", "rep", "rep"),
    ("admin", "admin", None),
]


@pytest.mark.parametrize(("persona", "owner", "expected"), OWNERS)
def test_owner_per_persona(personas, customer, persona, owner, expected):
    user = personas[persona]
    stored = upload(user, csv_file([good_row(1, owner=owner)]))
    entry = only_row(stored.report)
    report = commit(user, stored)
    if expected:
        assert Project.objects.get(pk=report["created"][0]).owner == personas[expected]
    else:
        assert list(entry["errors"]) == ["负责人"], entry["errors"]
        assert not report["committed"] and not Project.objects.exists()


def test_two_customers_of_one_name_ask_for_the_credit_code(lead, rep, other_rep):
    CustomerFactory(owner=rep, name="杭州同名科技有限公司")
    CustomerFactory(owner=other_rep, name="杭州同名科技股份有限公司")
    entry = only_row(check(lead, csv_file([good_row(1, customer="杭州同名科技有限公司")])))
    assert "credit code" in entry["errors"]["客户"][0]


# --- duplicates ------------------------------------------------------------------------------------------------------


def test_an_existing_project_of_the_same_name_is_a_duplicate(rep, outsider_rep, lead, customer):
    ProjectFactory(customer=customer, owner=rep, name="2025年第1期数字化平台建设项目")
    stored = upload(rep, csv_file([good_row(1), good_row(2)]))
    first, second = stored.report["rows"]
    assert (first["status"], second["status"]) == ("duplicate", "ok")
    assert first["duplicates"][0]["owner"] == "张伟" and first["duplicates"][0]["visible"]

    report = commit(rep, stored)
    assert not report["committed"] and Project.objects.count() == 1

    stored = upload(rep, csv_file([good_row(1), good_row(2)]))
    report = commit(rep, stored, skip_duplicates=True)
    assert report["committed"] and report["skip_duplicates"]
    assert set(Project.objects.filter(customer=customer).values_list("name", flat=True)) == {
        "2025年第1期数字化平台建设项目",
        "第2期数字化平台建设",
    }


def test_a_duplicate_the_user_cannot_see_shows_only_its_owner(lead, outsider_rep, rep):
    # lead sees outsider_rep's customer through rep's project on it, not outsider_rep's own project.
    theirs = CustomerFactory(owner=outsider_rep, name="苏州外组精密机械有限公司")
    ProjectFactory(customer=theirs, owner=rep, name="设备联网")
    ProjectFactory(customer=theirs, owner=outsider_rep, name="第1期数字化平台建设")
    entry = only_row(check(lead, csv_file([good_row(1, customer=theirs.name)])))
    [duplicate] = entry["duplicates"]
    assert (duplicate["owner"], duplicate["visible"]) == ("刘洋", False)
    assert "project" not in duplicate and "project_id" not in duplicate


def test_the_same_project_twice_in_the_file(rep, customer):
    report = check(rep, csv_file([good_row(1), good_row(2), good_row(1, name="第1期 数字化平台建设 项目")]))
    assert [row["status"] for row in report["rows"]] == ["ok", "ok", "duplicate"]
    assert report["rows"][2]["duplicates"][0]["row"] == 2


# --- all or nothing --------------------------------------------------------------------------------------------------


def test_one_bad_row_of_fifty_means_nothing_is_stored(rep, customer):
    rows = [good_row(n) for n in range(1, 51)]
    rows[36] = good_row(37, stage="谈判中")
    stored = upload(rep, csv_file(rows))
    assert stored.report["counts"] == {
        "rows": 50,
        "ok": 49,
        "error": 1,
        "duplicate": 0,
        "warnings": 0,
        "projects": 49,
    }

    report = commit(rep, stored)

    assert not report["committed"] and report["created"] == []
    assert not Project.objects.exists() and not StageChange.objects.exists() and not BudgetChange.objects.exists()
    stored.refresh_from_db()
    assert stored.status == ProjectImport.Status.FAILED
    assert [row["row"] for row in stored.report["rows"] if row["status"] == "error"] == [38]


def test_a_failure_while_writing_rolls_back_every_row_and_names_it(rep, customer):
    stored = upload(rep, csv_file([good_row(n) for n in range(1, 6)]))
    create = project_services.projects_bulk_create
    calls = []

    def failing_second_batch(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise DomainError({"budget": "被别人抢先改了"})
        return create(**kwargs)

    with (
        mock.patch("accounts.importing.base.BATCH_SIZE", 2),
        mock.patch.object(project_services, "projects_bulk_create", failing_second_batch),
    ):
        report = commit(rep, stored)

    assert [len(call["projects"]) for call in calls] == [2, 2]
    assert not report["committed"] and not Project.objects.exists() and not ProjectState.objects.exists()
    # The first row of the refused batch carries the error; the rows written before it are gone too.
    assert report["rows"][2]["errors"] == {"预算": ["被别人抢先改了"]}


def test_the_database_is_checked_again_at_commit(rep, customer):
    stored = upload(rep, csv_file([good_row(1)]))
    assert only_row(stored.report)["status"] == "ok"
    ProjectFactory(customer=customer, owner=rep, name="第1期数字化平台建设")
    report = commit(rep, stored)
    assert not report["committed"] and only_row(report)["status"] == "duplicate"
    assert Project.objects.count() == 1


def test_an_import_is_committed_once_and_only_by_its_uploader(rep, lead, customer):
    stored = upload(rep, csv_file([good_row(1)]))
    with pytest.raises(DomainError):
        commit(lead, stored)
    assert not Project.objects.exists()
    commit(rep, stored)
    with pytest.raises(DomainError):
        commit(rep, stored)
    assert Project.objects.count() == 1


def test_the_dry_run_writes_nothing_and_its_queries_do_not_grow_with_rows(rep, django_assert_max_num_queries):
    for n in range(60):
        CustomerFactory(owner=rep, name=f"杭州测试{n:03d}科技有限公司")
    ten = csv_file([good_row(n, customer=f"杭州测试{n:03d}科技有限公司") for n in range(10)])
    sixty = csv_file([good_row(n, customer=f"杭州测试{n:03d}科技有限公司") for n in range(60)])
    with CaptureQueriesContext(connection) as small:
        check(rep, ten)
    # Owners (1), customers by name (1), stages (1), the pipeline of the team and kind (2: kind, team default),
    # stored projects of those customers and names (1), which of them the user sees (1 at most).
    with django_assert_max_num_queries(len(small)):
        report = check(rep, sixty)
    assert len(small) <= 8
    assert report["counts"]["ok"] == 60 and not Project.objects.exists()


# --- failed rows -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_failed_rows_file_lists_the_failed_rows_with_why(rep, customer, fmt):
    stored = upload(rep, csv_file([good_row(1), good_row(2, budget="很多"), good_row(3, customer="不存在的公司")]))
    content = PROJECTS.failed_rows_file(report=stored.report, content=bytes(stored.content), fmt=fmt)
    rows = read_csv(content) if fmt == "csv" else read_xlsx(content)
    assert rows[0] == [*HEADERS, "错误", "原行号"]
    assert [r[-1] for r in rows[1:]] == ["3", "4"]
    assert rows[1][-2].startswith("预算: ") and "import the customers first" in rows[2][-2]


def test_fixed_failed_rows_file_imports(rep, customer):
    stored = upload(rep, csv_file([good_row(1), good_row(2, budget="很多")]))
    failed = read_csv(PROJECTS.failed_rows_file(report=stored.report, content=bytes(stored.content), fmt="csv"))
    failed[1][HEADERS.index("预算")] = "80万"
    fixed = csv_file(failed[1:], headers=failed[0])
    report = commit(rep, upload(rep, fixed))
    assert report["committed"] and Project.objects.get().budget == Decimal("800000")


def test_valid_rows_only_imports_the_good_projects_and_files_the_rest(rep, customer):
    stored = upload(rep, csv_file([good_row(1), good_row(2, budget="很多"), good_row(3)]))
    report = commit(rep, stored, valid_only=True)

    assert report["committed"] and [row["imported"] for row in report["rows"]] == [True, False, True]
    assert sorted(Project.objects.values_list("name", flat=True)) == ["第1期数字化平台建设", "第3期数字化平台建设"]
    # Each imported project got its first stage change through project_create's hooks, as one by one.
    assert StageChange.objects.count() == 2
    rows = read_xlsx(PROJECTS.failed_rows_file(report=stored.report, content=bytes(stored.content), fmt="xlsx"))
    assert [r[-1] for r in rows[1:]] == ["3"] and rows[1][-2].startswith("预算: ")


def test_project_commit_job_shows_progress_and_the_result(rep, customer, run_jobs):
    from pipeline.views.importing import PROJECT_IMPORT_PAGES

    stored = upload(rep, csv_file([good_row(1), good_row(2)]))
    with run_jobs():
        job = PROJECT_IMPORT_PAGES.commit_in_background(
            user=rep, stored=stored, options={"skip_duplicates": False, "valid_only": False}
        )
    job.refresh_from_db()
    assert job.status == "done" and (job.progress_done, job.progress_total) == (2, 2)
    assert job.result["created"] == 2 and Project.objects.count() == 2


# --- the API ---------------------------------------------------------------------------------------------------------


def test_api_valid_only_imports_the_good_rows(rep_api, customer):
    content = csv_file([good_row(1), good_row(2, next_contact_on="")])
    response = rep_api.post(
        "/api/v1/projects/import/", {"file": named(content, "a.csv"), "dry_run": "false", "valid_only": "true"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["report"]["counts"]["left_out"] == 1 and [r["imported"] for r in body["report"]["rows"]] == [
        True,
        False,
    ]
    assert list(Project.objects.values_list("pk", flat=True)) == body["created"]


def test_api_dry_run_answers_the_report_and_writes_nothing(rep_api, rep, customer):
    response = rep_api.post(
        "/api/v1/projects/import/", {"file": named(csv_file([good_row(1)]), "a.csv")}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "checked" and body["report"]["counts"]["projects"] == 1
    assert ProjectImport.objects.get(pk=body["id"]).user == rep
    assert not Project.objects.exists()


def test_api_import_commits_all_or_nothing(rep_api, customer):
    bad = csv_file([good_row(1), good_row(2, next_contact_on="")])
    response = rep_api.post("/api/v1/projects/import/", {"file": named(bad, "a.csv"), "dry_run": "false"})
    assert response.status_code == 400
    body = response.json()
    assert "下次联系日期" in body["detail"] and body["errors"]["file"] and body["status"] == "failed"
    assert not Project.objects.exists()

    good = csv_file([good_row(1), good_row(2)])
    response = rep_api.post("/api/v1/projects/import/", {"file": named(good, "a.csv"), "dry_run": "false"})
    assert response.status_code == 201
    assert sorted(response.json()["created"]) == sorted(Project.objects.values_list("pk", flat=True))


def test_api_skip_duplicates(rep_api, rep, customer):
    ProjectFactory(customer=customer, owner=rep, name="第1期数字化平台建设")
    content = csv_file([good_row(1), good_row(2)])
    response = rep_api.post(
        "/api/v1/projects/import/", {"file": named(content, "a.csv"), "dry_run": "false"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "Row 2: possible duplicate (a project of this name already exists on this customer, owner: 张伟)"
    )
    response = rep_api.post(
        "/api/v1/projects/import/", {"file": named(content, "a.csv"), "dry_run": "false", "skip_duplicates": "true"}
    )
    assert response.status_code == 201 and Project.objects.count() == 2


def test_api_refuses_an_unreadable_file_and_strangers(rep_api, api_for):
    response = rep_api.post("/api/v1/projects/import/", {"file": named(b"", "a.csv")})
    # Without Accept-Language the API answers in the default UI language.
    assert response.status_code == 400 and response.json()["errors"]["file"] == ["文件为空。"]
    assert not ProjectImport.objects.exists()
    assert api_for(None).post("/api/v1/projects/import/", {"file": named(b"x", "a.csv")}).status_code in (401, 403)


# --- pages -----------------------------------------------------------------------------------------------------------


def test_upload_report_commit_pages(rep_client, rep, customer, run_jobs):
    page = rep_client.get("/projects/import/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Import projects" in page and "/projects/import/template/?format=xlsx" in page and "下次联系日期" in page
    assert "/projects/import/" in rep_client.get("/projects/").content.decode()

    content = csv_file([good_row(1), good_row(2, budget="很多")])
    # The report keeps its messages in the language of the check (the upload).
    response = rep_client.post("/projects/import/", {"file": named(content, "商机.csv")}, HTTP_ACCEPT_LANGUAGE="en")
    stored = ProjectImport.objects.get()
    assert response.status_code == 302 and response.url == f"/projects/import/{stored.pk}/"
    page = rep_client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "很多" in page and "预算" in page and "Write the budget in yuan" in page
    assert 'name="mode" value="all" disabled' in page and 'value="valid_only" checked' in page
    failed = page_download(rep_client, f"/projects/import/{stored.pk}/failed-rows/?format=csv")
    assert read_csv(failed)[1][-1] == "3"

    response = rep_client.post("/projects/import/", {"file": named(csv_file([good_row(1), good_row(2)]), "b.csv")})
    page = rep_client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Import 2 projects" in page
    report_url = response.url
    with run_jobs():
        response = rep_client.post(report_url + "commit/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and Project.objects.filter(owner=rep).count() == 2
    # The job page says what was imported, in the language of the page that started it.
    page = rep_client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Imported 2 projects." in page and report_url in page
    page = rep_client.get(report_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 projects were imported." in page


def test_page_offers_to_leave_out_duplicates(rep_client, rep, customer, run_jobs):
    ProjectFactory(customer=customer, owner=rep, name="第1期数字化平台建设")
    response = rep_client.post("/projects/import/", {"file": named(csv_file([good_row(1), good_row(2)]), "a.csv")})
    page = rep_client.get(response.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="skip_duplicates"' in page and "Import 1 project" in page
    with run_jobs():
        rep_client.post(response.url + "commit/")
    assert Project.objects.count() == 1
    with run_jobs():
        rep_client.post(response.url + "commit/", {"skip_duplicates": "1"})
    assert Project.objects.count() == 2


def test_page_shows_a_file_problem_beside_the_field_in_the_users_language(rep_client):
    response = rep_client.post("/projects/import/", {"file": named(b"", "a.csv")}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "The file is empty." in response.content.decode()
    assert not ProjectImport.objects.exists()


@pytest.mark.parametrize(("persona", "page", "expected"), IMPORT_PAGE_MATRIX)
def test_import_pages_permission_matrix(client_for, rep, customer, persona, page, expected, run_jobs):
    stored = upload(rep, csv_file([good_row(1)]))
    with run_jobs():
        response = import_page(client_for(persona), start_url="/projects/import/", pk=stored.pk, page=page)
    assert response.status_code == expected
    # Only the uploader's own commit stores anything (and queues a job).
    assert Project.objects.count() == (1 if (persona, page) == ("rep", "commit") else 0)
    assert Job.objects.count() == (1 if (persona, page) == ("rep", "commit") else 0)


def test_recent_imports_are_the_scopes_only(client_for, rep, outsider_rep, customer):
    upload(rep, csv_file([good_row(1)]), "reps-file.csv")
    upload(outsider_rep, csv_file([good_row(1)]), "outsiders-file.csv")
    lead_page = client_for("lead").get("/projects/import/").content.decode()
    other_lead_page = client_for("other_lead").get("/projects/import/").content.decode()
    assert "reps-file.csv" in lead_page and "outsiders-file.csv" not in lead_page
    assert "outsiders-file.csv" in other_lead_page and "reps-file.csv" not in other_lead_page


def test_report_page_queries_do_not_grow_with_rows(rep_client, rep, customer, django_assert_max_num_queries):
    stored = upload(rep, csv_file([good_row(n) for n in range(1, 401)]))
    # Session and user (2), the import with its uploader (1); the report's rows are its JSON, not queries.
    with django_assert_max_num_queries(4):
        response = rep_client.get(f"/projects/import/{stored.pk}/?show=all")
    assert response.status_code == 200 and response.content.decode().count('class="list-card"') == 200


def test_start_page_queries_do_not_grow_with_imports(rep_client, rep, customer, django_assert_max_num_queries):
    for n in range(15):
        ProjectImport.objects.create(user=rep, filename=f"f{n}.csv", content=b"x", report={})
    # Session and user (2), the last ten imports with their uploader (1).
    with django_assert_max_num_queries(4):
        response = rep_client.get("/projects/import/")
    assert response.content.decode().count("/projects/import/") > 10


def test_template_download_and_a_bad_format(rep_client):
    response = rep_client.get("/projects/import/template/?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert rep_client.get("/projects/import/template/?format=pdf").status_code == 400


def test_values_in_columns_without_header_are_not_dropped_silently(rep, customer):
    entry = only_row(check(rep, csv_file([[*good_row(1), "多出来的值"]])))
    assert entry["errors"] == {"K": ["Column K has no header, so this value cannot be imported."]}


def test_date_and_amount_spellings():
    assert date_from_text("2026年3月1日") == date(2026, 3, 1)
    assert date_from_text("2026.3.1") == date(2026, 3, 1)
    assert date_from_text("20260301") == date(2026, 3, 1)
    assert date_from_text("46082") == date(2026, 3, 1)  # an Excel date cell saved as a number
    assert date_from_text("2026-03-01 14:30").hour == 14
    assert date_from_text("3/1/2026") is None and date_from_text("") is None
    assert amount_from_text("1,2") is None and amount_from_text("12万3") is None
