"""Customer import (CSV/XLSX, dry run, all-or-nothing commit) and export (CSV/XLSX, visibility, filters)."""

import io
import itertools
from unittest import mock

import openpyxl
import pytest
from django.apps import apps
from openpyxl.utils import get_column_letter
from stdnum.cn import uscc

from accounts import exporting, importing
from accounts.importing import duplicates
from accounts.models import Contact, Customer, CustomerImport, Department
from teams.errors import DomainError
from teams.models import Job
from tests import sheets
from tests.factories import ContactFactory, CustomerFactory, ProjectFactory
from tests.sheets import IMPORT_PAGE_MATRIX, import_page, page_download, read_csv, read_xlsx
from tests.sheets import named as _named

pytestmark = pytest.mark.django_db


HEADERS = [column.header for column in importing.TEMPLATE_COLUMNS]
ENGLISH_HEADERS = [column.english for column in importing.TEMPLATE_COLUMNS]


def credit_code(serial: int) -> str:
    """A valid 统一社会信用代码 (GB 32100 check digit), different for every ``serial``."""
    body = f"91330106MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


def row(**values) -> list[str]:
    """A data row in template column order; unnamed columns are empty."""
    return [values.get(column.key, "") for column in importing.TEMPLATE_COLUMNS]


def good_row(n=1, **overrides) -> list[str]:
    values = {
        "name": f"杭州第{n}科技有限公司",
        "credit_code": credit_code(n),
        "industry": "制造业",
        "level": "重点",
        "source": "展会",
        "region": "浙江省-杭州市-西湖区",
        "address": "文三路 1 号",
        "contact_name": f"王{n}",
        "department": "采购部",
        "department_kind": "采购",
        "title": "经理",
        "mobile": f"1391000{n:04d}",
        "email": f"wang{n}@example.cn",
        "buying_role": "决策者",
        "has_left": "否",
    }
    values.update(overrides)
    return row(**values)


def csv_file(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    return sheets.csv_file(rows, headers, encoding)


def xlsx_file(rows, headers=HEADERS) -> bytes:
    return sheets.xlsx_file(rows, headers)


def check(user, content, filename="customers.csv"):
    return importing.dry_run(user=user, content=content, filename=filename)


def upload(user, content, filename="customers.csv") -> CustomerImport:
    report = check(user, content, filename)
    return CustomerImport.objects.create(user=user, filename=filename, content=content, report=report)


def file_errors(user, content, filename="customers.csv") -> list[str]:
    with pytest.raises(DomainError) as caught:
        check(user, content, filename)
    return caught.value.message_dict["file"]


def only_row(report):
    assert len(report["rows"]) == 1, report["rows"]
    return report["rows"][0]


# --- template and formats -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_imports_as_one_customer_with_one_contact(rep, fmt):
    content = importing.template_file(fmt)
    customer_import = upload(rep, content, f"template.{fmt}")
    assert only_row(customer_import.report)["status"] == "ok"

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    assert report["committed"] and len(report["created"]) == 1
    customer = Customer.objects.get(pk=report["created"][0])
    assert (customer.name, customer.owner, customer.industry, customer.level, customer.source) == (
        "杭州示例科技有限公司",
        rep,
        "it",
        "A",
        "exhibition",
    )
    assert (customer.province, customer.city, customer.district) == ("330000", "330100", "330106")
    contact = customer.contacts.get()
    assert (contact.name, contact.mobile, contact.buying_role, contact.has_left) == (
        "张三",
        "13912345678",
        "decision_maker",
        False,
    )
    assert (contact.department.name, contact.department.kind) == ("采购部", "procurement")
    customer_import.refresh_from_db()
    assert customer_import.status == CustomerImport.Status.COMMITTED


def test_template_headers_are_chinese_with_an_example_row():
    rows = read_csv(importing.template_file("csv"))
    assert rows[0] == HEADERS
    assert rows[0][:3] == ["客户名称", "统一社会信用代码", "行业"]
    assert len(rows) == 2
    workbook = openpyxl.load_workbook(io.BytesIO(importing.template_file("xlsx")))
    assert [cell.value for cell in workbook.worksheets[0][1]] == HEADERS
    assert len(workbook.worksheets) == 2, "a second sheet explains the columns"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_csv_in_utf8_bom_and_gbk_reads_the_chinese_text(rep, encoding, reported):
    content = csv_file([good_row(1, notes="老客户，重点跟进")], encoding=encoding)

    report = check(rep, content)

    assert report["encoding"] == reported
    entry = only_row(report)
    assert entry["status"] == "ok", entry
    assert (entry["customer"], entry["contact"]) == ("杭州第1科技有限公司", "王1")


def test_semicolon_and_tab_separated_files_are_read(rep):
    for delimiter in (";", "\t"):
        text = delimiter.join(HEADERS) + "\r\n" + delimiter.join(good_row(1)) + "\r\n"
        assert only_row(check(rep, text.encode("utf-8")))["status"] == "ok"


def test_xlsx_with_number_cells_and_english_headers(rep):
    values = good_row(1)
    values[HEADERS.index("手机")] = 13910000001  # typed as a number in Excel
    values[HEADERS.index("已离职")] = True
    content = xlsx_file([values], headers=ENGLISH_HEADERS)

    customer_import = upload(rep, content, "customers.xlsx")
    assert only_row(customer_import.report)["status"] == "ok"
    importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    contact = Contact.objects.get()
    assert (contact.mobile, contact.has_left) == ("13910000001", True)


def test_header_aliases_and_required_markers_are_accepted(rep):
    headers = ["客户名称（必填）", "信用代码", "联系人", "手机号码", "Industry", "省市区"]
    content = csv_file(
        [["宁波某贸易有限公司", credit_code(7), "李四", "13900000007", "批发零售", "浙江-宁波-鄞州"]], headers=headers
    )
    assert only_row(check(rep, content))["status"] == "ok"


# --- files that cannot be imported ---------------------------------------------------------------------------------


def test_unknown_header_names_the_column(rep):
    headers = [*HEADERS[:2], "客户经理电话", *HEADERS[2:]]
    errors = file_errors(rep, csv_file([], headers=headers) + b"x\r\n")
    assert any("客户经理电话" in message and "column C" in message for message in errors), errors


def test_missing_customer_name_column(rep):
    errors = file_errors(rep, csv_file([["13900000001"]], headers=["手机"]))
    assert any("客户名称" in message and "missing" in message for message in errors), errors


def test_contact_columns_without_contact_name_column(rep):
    errors = file_errors(rep, csv_file([["甲公司", "13900000001"]], headers=["客户名称", "手机"]))
    assert any("联系人姓名" in message for message in errors), errors


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n", b"\xef\xbb\xbf", b",,,\r\n,,\r\n"])
def test_empty_file(rep, content):
    assert file_errors(rep, content) == ["The file is empty."]


def test_header_only(rep):
    errors = file_errors(rep, csv_file([]))
    assert errors == ["The file has only the header row (row 1) and no data rows."]


def test_file_over_10_mb_is_refused_naming_the_limit(rep):
    content = csv_file([good_row(1)]) + b"x" * (11 * 1024 * 1024)
    [message] = file_errors(rep, content)
    assert "10.0" in message and "limit" in message


def test_more_than_20000_rows_are_refused(rep):
    content = csv_file([["甲公司"]] * (importing.MAX_ROWS + 1), headers=["客户名称"])
    [message] = file_errors(rep, content)
    assert "20000" in message


def test_undecodable_bytes_name_the_line(rep):
    content = "客户名称\r\n甲公司\r\n".encode() + b"\x80\x80\xff\r\n"
    [message] = file_errors(rep, content)
    assert "neither UTF-8 nor GBK" in message and "line 3" in message


def test_old_xls_and_damaged_xlsx(rep):
    [message] = file_errors(rep, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old.xls")
    assert ".xls" in message
    [message] = file_errors(rep, b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert ".xlsx" in message


@pytest.mark.parametrize(("language", "message"), [("en", "The file is empty."), ("zh-hans", "文件为空")])
def test_file_problems_are_shown_in_the_users_language(rep_client, language, message):
    response = rep_client.post("/customers/import/", {"file": _named(b"", "a.csv")}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert message in response.content.decode()


# --- per-row errors ------------------------------------------------------------------------------------------------


def test_row_errors_name_the_row_and_the_column(rep):
    content = csv_file(
        [
            good_row(1),
            good_row(2, mobile="1391000000"),  # 10 digits
            good_row(3, credit_code=credit_code(3)[:-1] + ("0" if credit_code(3)[-1] != "0" else "1")),
            good_row(4, region="浙江省-杭州市-火星区"),
            good_row(5, industry="宇宙探索"),
            good_row(6, mobile="138abc12345"),
            good_row(7, email="not-an-email", has_left="也许"),
        ]
    )

    rows = {entry["row"]: entry for entry in check(rep, content)["rows"]}

    assert rows[2]["status"] == "ok"
    assert all(rows[number]["status"] == "error" for number in range(3, 9))
    assert list(rows[3]["errors"]) == ["手机"]
    assert "11 digits" in rows[3]["errors"]["手机"][0]
    assert list(rows[4]["errors"]) == ["统一社会信用代码"]
    assert "check digit" in rows[4]["errors"]["统一社会信用代码"][0]
    assert list(rows[5]["errors"]) == ["地区"]
    assert "火星区" in rows[5]["errors"]["地区"][0]
    assert list(rows[6]["errors"]) == ["行业"]
    assert "宇宙探索" in rows[6]["errors"]["行业"][0]
    assert list(rows[7]["errors"]) == ["手机"], "letters in a mobile are not silently dropped"
    assert set(rows[8]["errors"]) == {"邮箱", "已离职"}


def test_errors_use_the_files_own_headers(rep):
    content = csv_file([good_row(1, mobile="12345")], headers=ENGLISH_HEADERS)
    assert list(only_row(check(rep, content))["errors"]) == ["Mobile"]


def test_conflicting_values_for_one_customer_are_an_error(rep):
    content = csv_file([good_row(1), good_row(1, industry="金融", contact_name="赵六", mobile="13910009999")])
    rows = check(rep, content)["rows"]
    assert rows[1]["errors"] == {"行业": ["Differs from row 2 of the same customer (“金融”)."]}


def test_owner_column_is_honoured_for_leads_within_their_team_only(rep, lead, other_rep, outsider_rep):
    content = csv_file(
        [
            good_row(1, owner="rep"),
            good_row(2, owner="outsider_rep"),
            good_row(3, owner=""),
        ]
    )
    customer_import = upload(lead, content)
    rows = customer_import.report["rows"]
    assert [entry["status"] for entry in rows] == ["ok", "error", "ok"]
    assert "outsider_rep" in rows[1]["errors"]["负责人"][0]

    as_rep = check(rep, csv_file([good_row(1, owner="other_rep"), good_row(2, owner="rep")]))["rows"]
    assert [entry["status"] for entry in as_rep] == ["error", "ok"], "a rep only imports for themselves"

    customer_import = upload(lead, csv_file([good_row(1, owner="rep"), good_row(3)]))
    importing.commit(user=lead, customer_import=customer_import, confirm_duplicates=False)
    assert dict(Customer.objects.values_list("name", "owner__username")) == {
        "杭州第1科技有限公司": "rep",
        "杭州第3科技有限公司": "lead",
    }


# --- regions -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        ({"region": "浙江省-杭州市-西湖区"}, ("330000", "330100", "330106")),
        ({"region": "浙江 杭州 西湖"}, ("330000", "330100", "330106")),
        ({"region": "北京市-朝阳区"}, ("110000", "110100", "110105")),
        ({"region": "广东省"}, ("440000", "", "")),
        ({"province": "浙江省", "city": "杭州市", "district": "西湖区"}, ("330000", "330100", "330106")),
        ({"province": "330000", "city": "330100", "district": "330106"}, ("330000", "330100", "330106")),
    ],
)
def test_region_text_is_mapped_to_codes(rep, values, codes):
    headers = ["客户名称", "地区", "省份", "城市", "区县"]
    values = [["杭州区域测试有限公司", *(values.get(key, "") for key in ("region", "province", "city", "district"))]]
    customer_import = upload(rep, csv_file(values, headers=headers))
    assert only_row(customer_import.report)["status"] == "ok", customer_import.report["rows"]

    importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    customer = Customer.objects.get()
    assert (customer.province, customer.city, customer.district) == codes


def test_unknown_city_in_separate_columns_names_the_city_column(rep):
    content = csv_file([["甲公司", "浙江省", "火星市"]], headers=["客户名称", "省份", "城市"])
    assert list(only_row(check(rep, content))["errors"]) == ["城市"]


# --- grouping and duplicates ---------------------------------------------------------------------------------------


def test_rows_of_one_customer_become_one_customer_with_several_contacts(rep):
    content = csv_file(
        [
            good_row(1),
            row(
                name="杭州第1科技有限公司",
                contact_name="李二",
                mobile="13920000001",
                department="财务部",
                department_kind="财务",
            ),
            row(credit_code=credit_code(1), name="杭州第1科技", contact_name="赵三"),  # same code, shorter name
            good_row(
                2,
                contact_name="",
                department="",
                department_kind="",
                title="",
                mobile="",
                email="",
                buying_role="",
                has_left="",
            ),  # a customer without people
        ]
    )
    customer_import = upload(rep, content)
    assert customer_import.report["counts"] | {} == {
        "rows": 4,
        "customers": 2,
        "contacts": 3,
        "ok": 4,
        "error": 0,
        "duplicate": 0,
        "warnings": 0,
    }

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    first = Customer.objects.get(pk=report["created"][0])
    assert sorted(first.contacts.values_list("name", flat=True)) == ["李二", "王1", "赵三"]
    assert set(first.departments.values_list("name", "kind")) == {("采购部", "procurement"), ("财务部", "finance")}
    assert Customer.objects.get(pk=report["created"][1]).contacts.count() == 0


def test_duplicates_against_the_database_show_owner_and_visibility_only(rep, outsider_rep):
    CustomerFactory(owner=outsider_rep, name="杭州第1科技有限公司")
    own = CustomerFactory(owner=rep, name="宁波自家贸易有限公司")
    ContactFactory(customer=CustomerFactory(owner=outsider_rep, name="广州别家有限公司"), mobile="13910000003")
    CustomerFactory(owner=outsider_rep, name="温州代码有限公司", credit_code=credit_code(4))
    content = csv_file(
        [
            good_row(1),
            good_row(2, name="宁波自家贸易有限公司"),
            good_row(3),
            good_row(4, name="另一个名字有限公司"),
        ]
    )

    rows = check(rep, content)["rows"]

    assert [entry["status"] for entry in rows] == ["duplicate", "duplicate", "duplicate", "error"]
    assert rows[0]["duplicates"] == [
        {"reason": "name", "label": "same name", "owner": "刘洋", "visible": False},
    ]
    assert rows[1]["duplicates"][0] | {} == {
        "reason": "name",
        "label": "same name",
        "owner": "张伟",
        "visible": True,
        "customer_id": own.pk,
        "customer": "宁波自家贸易有限公司",
    }
    assert rows[2]["duplicates"][0]["reason"] == "contact_mobile"
    assert "广州别家" not in str(rows[2]), "an invisible customer's name is not revealed"
    assert "already exists (owner: 刘洋)" in rows[3]["errors"]["统一社会信用代码"][0]


def test_similar_names_in_the_database_are_possible_duplicates(rep, other_rep):
    CustomerFactory(owner=other_rep, name="杭州海康威视数字技术股份有限公司")
    report = check(rep, csv_file([good_row(1, name="杭州海康威视数字科技有限公司", credit_code="")]))
    assert only_row(report)["duplicates"] == [
        {"reason": "similar_name", "label": "very similar name", "owner": "李娜", "visible": False},
    ]


def test_a_confirmed_commit_names_a_similar_customer_once_though_a_contact_matches_it_too(rep):
    """The dry run names the similar customer once (its contact's mobile adds nothing); the
    confirmed commit reuses the dry run's similar-name match and must not add the same
    customer again for the mobile."""
    similar = CustomerFactory(owner=rep, name="杭州海康威视数字技术股份有限公司")
    ContactFactory(customer=similar, mobile="13910000001")
    row = good_row(1, name="杭州海康威视数字科技有限公司", credit_code="", mobile="13910000001")
    customer_import = upload(rep, csv_file([row]))
    dry = only_row(customer_import.report)["duplicates"]
    assert [(item["reason"], item["customer_id"]) for item in dry] == [("similar_name", similar.pk)]
    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=True)
    assert report["committed"]
    assert [item["customer_id"] for item in only_row(report)["duplicates"]] == [similar.pk]


def test_duplicates_within_the_file(rep):
    content = csv_file(
        [
            good_row(1),
            good_row(2, name="杭州第1科技有限公司"),  # same name, other credit code: a second company?
            good_row(3, mobile="13910000001"),  # the person of row 2 again, at another customer
        ]
    )
    rows = check(rep, content)["rows"]
    assert [entry["status"] for entry in rows] == ["ok", "duplicate", "duplicate"]
    assert rows[1]["duplicates"] == [{"reason": "file_name", "label": "same name as row 2 of this file", "row": 2}]
    assert rows[2]["duplicates"][0]["row"] == 2


# --- commit: all or nothing ----------------------------------------------------------------------------------------


def test_one_bad_row_means_nothing_is_written(rep):
    customer_import = upload(rep, csv_file([good_row(1), good_row(2), good_row(3, mobile="123")]))

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    assert not report["committed"] and report["created"] == []
    assert Customer.objects.count() == Contact.objects.count() == Department.objects.count() == 0
    customer_import.refresh_from_db()
    assert customer_import.status == CustomerImport.Status.FAILED


def test_a_credit_code_saved_after_the_check_rolls_back_everything(rep, other_rep):
    """The bulk write trusts the check's duplicate search; a customer saved between that search and the
    write is still refused by the database's unique constraint, and nothing of the file is kept."""
    customer_import = upload(rep, csv_file([good_row(1), good_row(2), good_row(3)]))
    real_search = duplicates.find_in_database

    def search_then_someone_saves(check):
        real_search(check)
        CustomerFactory(owner=other_rep, name="别名有限公司", credit_code=credit_code(3))

    with (
        mock.patch.object(duplicates, "find_in_database", side_effect=search_then_someone_saves),
        pytest.raises(DomainError),
    ):
        importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    assert Customer.objects.filter(owner=rep).count() == 0 and Contact.objects.count() == 0
    customer_import.refresh_from_db()
    assert customer_import.status == CustomerImport.Status.CHECKED


def test_duplicates_are_imported_only_when_confirmed(rep, other_rep):
    CustomerFactory(owner=other_rep, name="杭州第1科技有限公司")
    customer_import = upload(rep, csv_file([good_row(1), good_row(2)]))

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)
    assert not report["committed"] and Customer.objects.filter(owner=rep).count() == 0

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=True)
    assert report["committed"] and Customer.objects.filter(owner=rep).count() == 2


def test_the_database_is_checked_again_at_commit(rep, other_rep):
    customer_import = upload(rep, csv_file([good_row(1)]))
    CustomerFactory(owner=other_rep, name="别名有限公司", credit_code=credit_code(1))  # added since the dry run

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=True)

    assert not report["committed"]
    assert "统一社会信用代码" in report["rows"][0]["errors"]
    assert Customer.objects.filter(owner=rep).count() == 0


def test_an_import_is_committed_once_and_only_by_its_uploader(rep, lead):
    customer_import = upload(rep, csv_file([good_row(1)]))
    with pytest.raises(DomainError, match="uploaded"):
        importing.commit(user=lead, customer_import=customer_import, confirm_duplicates=False)
    importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)
    with pytest.raises(DomainError, match="already been imported"):
        importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)
    assert Customer.objects.count() == 1


# --- failed rows file ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_failed_rows_file_lists_the_failed_customers_rows_with_the_reason(rep, fmt):
    content = csv_file(
        [
            good_row(1),
            good_row(2, mobile="123"),
            row(name="杭州第2科技有限公司", contact_name="钱七"),  # same customer as the failed row
            good_row(3),
        ]
    )
    customer_import = upload(rep, content)

    output = importing.failed_rows_file(report=customer_import.report, content=content, fmt=fmt)

    rows = read_csv(output) if fmt == "csv" else read_xlsx(output)
    assert rows[0] == [*HEADERS, "错误", "原行号"]
    assert [(r[0], r[-1]) for r in rows[1:]] == [("杭州第2科技有限公司", "3"), ("杭州第2科技有限公司", "4")]
    assert rows[1][-2].startswith("手机: ")
    assert rows[2][-2] == ""


def test_fixed_failed_rows_file_imports(rep):
    content = csv_file([good_row(1), good_row(2, mobile="123")])
    customer_import = upload(rep, content)
    failed = read_csv(importing.failed_rows_file(report=customer_import.report, content=content, fmt="csv"))
    failed[1][HEADERS.index("手机")] = "13910000002"

    fixed = csv_file(failed[1:], headers=failed[0])

    assert only_row(check(rep, fixed))["status"] == "ok", "the 错误 and 原行号 columns are ignored"


# --- export --------------------------------------------------------------------------------------------------------


@pytest.fixture
def books(rep, other_rep, outsider_rep):
    customers = {
        "rep": CustomerFactory(owner=rep, name="杭州甲科技有限公司", level="A"),
        "other_rep": CustomerFactory(owner=other_rep, name="宁波乙贸易有限公司", level="B"),
        "outsider_rep": CustomerFactory(owner=outsider_rep, name="广州丙实业有限公司", level="A"),
    }
    for customer in customers.values():
        ContactFactory(customer=customer)
    return customers


def exported_names(content: bytes, fmt: str) -> set[str]:
    rows = read_csv(content) if fmt == "csv" else read_xlsx(content)
    assert rows[0] == HEADERS
    return {r[0] for r in rows[1:]}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("rep", {"杭州甲科技有限公司"}),
        ("lead", {"杭州甲科技有限公司", "宁波乙贸易有限公司"}),
        ("outsider_rep", {"广州丙实业有限公司"}),
        ("admin", {"杭州甲科技有限公司", "宁波乙贸易有限公司", "广州丙实业有限公司"}),
    ],
)
def test_export_contains_only_visible_customers(client_for, books, persona, expected, fmt):
    content = page_download(client_for(persona), f"/customers/export/?format={fmt}")
    assert exported_names(content, fmt) == expected


def test_export_applies_the_list_filters(admin_client, books):
    content = page_download(admin_client, "/customers/export/?format=csv&level=A")
    assert exported_names(content, "csv") == {"杭州甲科技有限公司", "广州丙实业有限公司"}
    content = page_download(admin_client, "/customers/export/?format=csv&q=宁波")
    assert exported_names(content, "csv") == {"宁波乙贸易有限公司"}


def test_export_rows_are_one_per_contact_with_readable_values(rep):
    customer = CustomerFactory(owner=rep, name='=HYPERLINK("x")', level="A", industry="manufacturing")
    ContactFactory(customer=customer, name="甲", buying_role="decision_maker")
    ContactFactory(customer=customer, name="乙", has_left=True)
    CustomerFactory(owner=rep, name="没有联系人的公司")

    customers = Customer.objects.visible_to(rep).order_by("id")
    lines = exporting.csv_lines(exporting.HEADERS, exporting.customer_rows(customers, user=rep))
    rows = read_csv("".join(lines).encode())

    data = [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]
    assert [(d["客户名称"], d["联系人姓名"]) for d in data] == [
        ('\'=HYPERLINK("x")', "甲"),
        ('\'=HYPERLINK("x")', "乙"),
        ("没有联系人的公司", ""),
    ], "a leading = is escaped so Excel does not run it"
    assert (data[0]["行业"], data[0]["客户级别"], data[0]["地区"]) == ("制造业", "重点", "浙江省-杭州市-西湖区")
    assert (data[0]["购买角色"], data[1]["已离职"], data[0]["负责人"]) == ("决策者", "是", "rep")


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","点我")', "+86 公司", "-1", "@SUM(A1)"])
def test_xlsx_export_stores_formula_like_text_as_text_without_a_visible_quote(rep_client, rep, name):
    CustomerFactory(owner=rep, name=name)

    workbook = openpyxl.load_workbook(io.BytesIO(page_download(rep_client, "/customers/export/?format=xlsx")))
    cell = workbook.active.cell(row=2, column=HEADERS.index("客户名称") + 1)

    assert cell.value == name, "the exact text, no ' in front"
    assert cell.data_type == "s", "a string cell, not a formula"
    assert cell.quotePrefix, "Excel keeps it text even when the cell is edited"


def test_customer_seen_through_own_project_exports_only_the_limited_view(rep_client, rep, other_rep):
    customer = CustomerFactory(
        owner=other_rep, name="宁波项目往来有限公司", credit_code=credit_code(5), notes="内部备注"
    )
    on_committee = ContactFactory(customer=customer, name="委员会成员")
    ContactFactory(customer=customer, name="别的人")
    project = ProjectFactory(customer=customer, owner=rep)
    apps.get_model("projects", "Stakeholder").objects.create(project=project, contact=on_committee, role="user")

    rows = read_csv(page_download(rep_client, "/customers/export/?format=csv"))

    [data] = [dict(zip(HEADERS, r, strict=True)) for r in rows[1:]]
    assert (data["客户名称"], data["联系人姓名"]) == ("宁波项目往来有限公司", "委员会成员")
    assert data["统一社会信用代码"] == data["备注"] == data["详细地址"] == ""


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_again(admin, rep, outsider_rep, fmt):
    first = CustomerFactory(
        owner=rep,
        name="杭州往返科技有限公司",
        credit_code=credit_code(9),
        level="C",
        source="referral",
        website="https://example.cn",
        notes="多行\n备注",
    )
    ContactFactory(customer=first, name="周一", email="zhou@example.cn", wechat="zhouyi_88", landline="0571-8888 1234")
    ContactFactory(customer=first, name="吴二", has_left=True)
    CustomerFactory(owner=outsider_rep, name="北京往返有限公司", province="110000", city="110100", district="110105")
    before = _snapshot()
    response = page_download(_client(admin), f"/customers/export/?format={fmt}")
    Customer.objects.all().delete()

    customer_import = upload(admin, response, f"export.{fmt}")
    assert {entry["status"] for entry in customer_import.report["rows"]} == {"ok"}, customer_import.report["rows"]
    importing.commit(user=admin, customer_import=customer_import, confirm_duplicates=False)

    assert _snapshot() == before


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _snapshot():
    customers = {
        c.name: (
            c.credit_code,
            c.industry,
            c.level,
            c.source,
            c.province,
            c.city,
            c.district,
            c.address,
            c.website,
            c.notes,
            c.owner_id,
        )
        for c in Customer.objects.all()
    }
    contacts = sorted(
        Contact.objects.values_list(
            "customer__name",
            "name",
            "title",
            "mobile",
            "landline",
            "email",
            "wechat",
            "buying_role",
            "has_left",
            "department__name",
            "department__kind",
        )
    )
    return customers, contacts


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_rows(admin_client, rep, django_assert_max_num_queries, fmt):
    def export():
        # session + user; the audit entry's row count and its INSERT; customers with their owners;
        # their contacts with departments (prefetch)
        with django_assert_max_num_queries(6):
            page_download(admin_client, f"/customers/export/?format={fmt}")

    for _ in range(3):
        ContactFactory(customer=CustomerFactory(owner=rep))
    export()
    for _ in range(40):
        customer = CustomerFactory(owner=rep)
        ContactFactory(customer=customer)
        ContactFactory(customer=customer)
    export()


# --- API -----------------------------------------------------------------------------------------------------------


def test_api_dry_run_answers_the_report_and_writes_nothing(rep_api, rep):
    content = csv_file([good_row(1), good_row(2, mobile="123")])
    response = rep_api.post(
        "/api/v1/customers/import/", {"file": _named(content, "a.csv")}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "checked" and body["created"] == []
    assert body["report"]["counts"]["error"] == 1
    assert body["report"]["rows"][1]["errors"]["手机"]
    assert Customer.objects.count() == 0
    assert CustomerImport.objects.get(pk=body["id"]).user == rep


def test_api_import_commits_all_or_nothing(rep_api):
    good = csv_file([good_row(1), good_row(2)])
    response = rep_api.post(
        "/api/v1/customers/import/",
        {"file": _named(good, "a.csv"), "dry_run": "false"},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["created"]) == sorted(Customer.objects.values_list("pk", flat=True))

    bad = csv_file([good_row(3), good_row(4, mobile="123")])
    response = rep_api.post(
        "/api/v1/customers/import/",
        {"file": _named(bad, "b.csv"), "dry_run": "false"},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Row 3 · 手机:")
    assert Customer.objects.count() == 2


def test_api_import_refuses_unreadable_files_with_a_message(rep_api):
    unreadable = [(b"", "The file is empty."), (b"x" * (11 * 1024 * 1024), "limit"), (b"Foo\r\n1\r\n", "Foo")]
    for (content, message), dry_run in itertools.product(unreadable, ["true", "false"]):
        response = rep_api.post(
            "/api/v1/customers/import/",
            {"file": _named(content, "a.csv"), "dry_run": dry_run},
            format="multipart",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        assert message in response.json()["detail"]
        assert "file" in response.json()["errors"]
    assert CustomerImport.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_api_export_respects_scope_and_filters(api_for, books, fmt):
    response = api_for("lead").get(f"/api/v1/customers/export/?format={fmt}&level=A")
    assert response.status_code == 200
    assert response["Content-Type"] == importing.CONTENT_TYPES[fmt]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert exported_names(content, fmt) == {"杭州甲科技有限公司"}


def test_api_export_errors_are_json(api_for):
    assert api_for(None).get("/api/v1/customers/export/?format=csv").status_code == 401
    response = api_for("rep").get("/api/v1/customers/export/?format=pdf", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and response.json()["errors"] == {"format": ["Use csv or xlsx."]}


# --- pages ---------------------------------------------------------------------------------------------------------


def test_upload_report_commit_pages(rep_client, rep, run_jobs):
    response = rep_client.get("/customers/import/")
    assert response.status_code == 200
    assert "/customers/import/template/?format=xlsx" in response.content.decode()

    content = csv_file([good_row(1), good_row(2, region="火星")])
    response = rep_client.post("/customers/import/", {"file": _named(content, "客户.csv")})
    customer_import = CustomerImport.objects.get()
    assert response.status_code == 302 and response.url == f"/customers/import/{customer_import.pk}/"

    page = rep_client.get(response.url).content.decode()
    assert "火星" in page and "地区" in page
    # A row in error leaves only the choice to import the valid rows.
    assert 'name="mode" value="all" disabled' in page and 'value="valid_only" checked' in page
    failed = page_download(rep_client, f"/customers/import/{customer_import.pk}/failed-rows/?format=csv")
    assert read_csv(failed)[1][-1] == "3"

    fixed = csv_file([good_row(1), good_row(2)])
    response = rep_client.post("/customers/import/", {"file": _named(fixed, "客户.csv")})
    page = rep_client.get(response.url).content.decode()
    assert "/commit/" in page and 'name="mode"' not in page
    with run_jobs():
        response = rep_client.post(response.url + "commit/")
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert Customer.objects.filter(owner=rep).count() == 2


def test_duplicates_need_the_checkbox_on_the_page(rep_client, rep, outsider_rep, run_jobs):
    CustomerFactory(owner=outsider_rep, name="杭州第1科技有限公司")
    response = rep_client.post("/customers/import/", {"file": _named(csv_file([good_row(1)]), "a.csv")})
    page = rep_client.get(response.url).content.decode()
    assert "confirm_duplicates" in page and "刘洋" in page

    with run_jobs():
        rep_client.post(response.url + "commit/")
    assert not Customer.objects.filter(owner=rep).exists()
    assert "Nothing was imported." in Job.objects.get().error or "未导入任何" in Job.objects.get().error
    with run_jobs():
        rep_client.post(response.url + "commit/", {"confirm_duplicates": "1"})
    assert Customer.objects.filter(owner=rep).count() == 1


@pytest.mark.parametrize(("persona", "page", "expected"), IMPORT_PAGE_MATRIX)
def test_import_pages_permission_matrix(client_for, rep, persona, page, expected, run_jobs):
    customer_import = upload(rep, csv_file([good_row(1)]))
    with run_jobs():
        response = import_page(client_for(persona), start_url="/customers/import/", pk=customer_import.pk, page=page)
    assert response.status_code == expected
    assert Customer.objects.count() == (1 if (persona, page) == ("rep", "commit") else 0)


def test_template_and_bad_format_downloads(rep_client):
    response = rep_client.get("/customers/import/template/?format=xlsx")
    assert response["Content-Type"] == importing.CONTENT_TYPES["xlsx"]
    assert "attachment" in response["Content-Disposition"]
    assert rep_client.get("/customers/import/template/?format=pdf").status_code == 400
    assert rep_client.get("/customers/export/?format=pdf").status_code == 400


def test_values_in_columns_without_header_are_not_dropped_silently(rep):
    content = csv_file([[*good_row(1), "多出来的值"]])
    entry = only_row(check(rep, content))
    letter = get_column_letter(len(HEADERS) + 1)
    assert entry["errors"] == {letter: [f"Column {letter} has no header, so this value cannot be imported."]}


def test_page_refuses_a_file_over_the_limit_beside_the_field(rep_client):
    big = _named(b"x" * (11 * 1024 * 1024), "big.csv")
    response = rep_client.post("/customers/import/", {"file": big}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "the limit is 10.0" in response.content.decode()
    assert not CustomerImport.objects.exists()


def test_page_reads_a_gbk_file_from_excel(rep_client):
    content = csv_file([good_row(1, notes="客户要求开增值税专用发票")], encoding="gbk")
    response = rep_client.post("/customers/import/", {"file": _named(content, "客户.csv")})
    report = CustomerImport.objects.get().report
    assert response.status_code == 302 and report["encoding"] == "gb18030"
    assert only_row(report)["status"] == "ok"
