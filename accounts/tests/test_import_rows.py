"""Import of real exports: development zones, rows of the same company, owners in scope, the shared duplicate rules."""

import json

import pytest

from accounts import importing, regions, zones
from accounts.models import Customer
from accounts.selectors import find_duplicates
from accounts.tests.test_import_export import (
    _named,
    check,
    credit_code,
    csv_file,
    good_row,
    only_row,
    upload,
)
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db

# What another CRM writes: GBK, its own headers (all known aliases), the district as a development zone.
OTHER_CRM_HEADERS = ["公司名称", "省", "市", "区/县", "地址", "联系人", "手机号码", "备注"]


def other_crm_file(rows) -> bytes:
    return csv_file(rows, headers=OTHER_CRM_HEADERS, encoding="gbk")


# --- development zones ---------------------------------------------------------------------------------------------


def test_every_zone_in_the_table_names_existing_regions_of_one_city():
    with zones.DATA_FILE.open(encoding="utf-8") as fh:
        table = json.load(fh)["zones"]
    assert 20 <= len(table) <= 60
    for zone in table:
        regions.validate(zone["province"], zone["city"], zone["district"] or None)  # raises if inconsistent
        assert zone["note"], f"{zone['name']}: say why it maps as it does"


def test_real_export_with_development_zones_imports_with_warnings(rep):
    content = other_crm_file(
        [
            ["苏州星海电子有限公司", "江苏省", "苏州市", "苏州工业园区", "星湖街 328 号", "王强", "13910000001", ""],
            ["苏州枫桥精密有限公司", "江苏", "苏州", "苏州高新区", "竹园路 209 号", "李明", "13910000002", ""],
            ["东莞松湖智能有限公司", "广东省", "东莞市", "松山湖", "工业西路 8 号", "陈刚", "13910000003", ""],
            ["武汉光谷芯片有限公司", "湖北省", "武汉市", "东湖高新区", "", "周杰", "13910000004", ""],
        ]
    )
    customer_import = upload(rep, content)
    report = customer_import.report

    assert report["encoding"] == "gb18030"
    assert [row["status"] for row in report["rows"]] == ["ok"] * 4, report["rows"]
    assert report["counts"]["warnings"] == 4
    assert all(row["warnings"]["区/县"] for row in report["rows"])

    created = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)["created"]

    assert len(created) == 4
    stored = {c.name: (c.province, c.city, c.district, c.address) for c in Customer.objects.all()}
    assert stored == {
        "苏州星海电子有限公司": ("320000", "320500", "", "苏州工业园区 星湖街 328 号"),
        "苏州枫桥精密有限公司": ("320000", "320500", "320505", "竹园路 209 号"),  # 苏州高新区 = 虎丘区
        "东莞松湖智能有限公司": ("440000", "441900", "", "东莞松山湖 工业西路 8 号"),
        "武汉光谷芯片有限公司": ("420000", "420100", "", "武汉东湖高新区"),
    }


@pytest.mark.parametrize(
    ("region", "codes", "address"),
    [
        ("江苏省-苏州市-苏州工业园区", ("320000", "320500", ""), "苏州工业园区 文三路 1 号"),
        ("江苏省苏州市苏州工业园区", ("320000", "320500", ""), "苏州工业园区 文三路 1 号"),
        ("山东省-青岛市-西海岸新区", ("370000", "370200", "370211"), "文三路 1 号"),
        ("广东省-广州市-广州开发区", ("440000", "440100", "440112"), "文三路 1 号"),
        # not in the table: known by its ending, the city is kept
        ("浙江省-杭州市-某某高新区", ("330000", "330100", ""), "某某高新区 文三路 1 号"),
    ],
)
def test_zone_in_the_region_column_is_a_warning(rep, region, codes, address):
    customer_import = upload(rep, csv_file([good_row(1, region=region)]))
    entry = only_row(customer_import.report)
    assert entry["status"] == "ok" and entry["warnings"]["地区"], entry

    importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)

    customer = Customer.objects.get()
    assert (customer.province, customer.city, customer.district, customer.address) == (*codes, address)


@pytest.mark.parametrize("region", ["江苏省-南京市-苏州工业园区", "浙江省-杭州市-不存在区"])
def test_a_zone_of_another_city_or_an_unknown_district_is_still_an_error(rep, region):
    entry = only_row(check(rep, csv_file([good_row(1, region=region)])))
    assert entry["status"] == "error" and entry["errors"]["地区"]


def test_api_dry_run_reports_zone_warnings(rep_api):
    content = csv_file([good_row(1, region="江苏-苏州-工业园区")])
    response = rep_api.post(
        "/api/v1/customers/import/", {"file": _named(content, "a.csv")}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200, response.json()
    [row] = response.json()["report"]["rows"]
    assert row["status"] == "ok"
    assert "development zone" in row["warnings"]["地区"][0]


def test_report_page_shows_warnings(rep_client, rep):
    customer_import = upload(rep, csv_file([good_row(1, region="江苏-苏州-工业园区")]))
    page = rep_client.get(f"/customers/import/{customer_import.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "warninglist" in page and "development zone" in page


# --- a later row of the same company with another address ----------------------------------------------------------


def same_company_file(**second):
    return csv_file(
        [
            good_row(1, name="苏州星辰有限公司", credit_code="", address="星湖街 1 号", notes=""),
            good_row(2, name="苏州星辰（集团）有限公司", credit_code="", address="金鸡湖大道 99 号", notes="集团总部")
            if not second
            else good_row(2, **second),
        ]
    )


def test_same_company_with_another_address_is_offered_not_refused(rep):
    report = check(rep, same_company_file())

    first, second = report["rows"]
    assert first["status"] == "ok"
    assert second["status"] == "duplicate" and not second["errors"], second
    [offer] = second["duplicates"]
    assert (offer["reason"], offer["row"], offer["choices"]) == ("file_same_company", 2, ["merge", "separate"])
    assert offer["columns"] == ["详细地址"], "empty notes on the first row are filled, not a difference"


def test_undecided_same_company_rows_block_until_confirmed_then_merge(rep):
    customer_import = upload(rep, same_company_file())

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=False)
    assert not report["committed"] and Customer.objects.count() == 0

    report = importing.commit(user=rep, customer_import=customer_import, confirm_duplicates=True)

    assert report["committed"]
    customer = Customer.objects.get()
    assert (customer.name, customer.address) == ("苏州星辰有限公司", "星湖街 1 号")
    assert sorted(customer.contacts.values_list("name", flat=True)) == ["王1", "王2"]


def test_merge_into_the_earlier_row_keeps_its_values_and_fills_empty_ones(rep):
    customer_import = upload(rep, same_company_file())

    report = importing.commit(
        user=rep, customer_import=customer_import, confirm_duplicates=False, decisions={3: "merge"}
    )

    assert report["committed"], report["rows"]
    assert report["rows"][1]["decision"] == "merge" and report["rows"][1]["warnings"]
    customer = Customer.objects.get()
    assert (customer.address, customer.notes) == ("星湖街 1 号", "集团总部"), "the earlier row wins; empty is filled"
    assert customer.contacts.count() == 2


def test_separate_imports_the_row_as_its_own_customer(rep):
    customer_import = upload(rep, same_company_file())

    report = importing.commit(
        user=rep, customer_import=customer_import, confirm_duplicates=False, decisions={3: "separate"}
    )

    assert report["committed"], report["rows"]
    stored = sorted(Customer.objects.values_list("name", "address", "notes"))
    assert stored == [
        ("苏州星辰有限公司", "星湖街 1 号", ""),
        ("苏州星辰（集团）有限公司", "金鸡湖大道 99 号", "集团总部"),
    ]
    assert [c.contacts.count() for c in Customer.objects.all()] == [1, 1]


def test_same_credit_code_can_only_be_merged(rep):
    code = credit_code(9)
    content = csv_file(
        [good_row(1, credit_code=code), good_row(2, name="别的名字", credit_code=code, address="另一处")]
    )

    [_first, second] = check(rep, content)["rows"]
    assert second["duplicates"][0]["choices"] == ["merge"]

    second = check_with(rep, content, {3: "separate"})["rows"][1]
    assert second["status"] == "error" and second["errors"]["统一社会信用代码"]


def check_with(user, content, decisions):
    return importing.dry_run(user=user, content=content, filename="a.csv", decisions=decisions)


def test_other_differences_are_still_errors(rep):
    content = same_company_file(name="苏州星辰有限公司", credit_code="", industry="金融")
    second = check(rep, content)["rows"][1]
    assert second["status"] == "error" and "行业" in second["errors"]


@pytest.mark.parametrize(("decision", "customers"), [("merge", 1), ("separate", 2)])
def test_api_takes_a_decision_per_row(rep_api, decision, customers):
    response = rep_api.post(
        "/api/v1/customers/import/",
        {"file": _named(same_company_file(), "a.csv"), "dry_run": "false", f"{decision}_rows": ["3"]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert Customer.objects.count() == customers


def test_api_refuses_a_row_both_merged_and_separate(rep_api):
    response = rep_api.post(
        "/api/v1/customers/import/",
        {"file": _named(same_company_file(), "a.csv"), "dry_run": "false", "merge_rows": ["3"], "separate_rows": ["3"]},
        format="multipart",
    )
    assert response.status_code == 400
    assert Customer.objects.count() == 0


def test_report_page_offers_the_choice_and_commits_it(rep_client, rep, run_jobs):
    customer_import = upload(rep, same_company_file())
    page = rep_client.get(f"/customers/import/{customer_import.pk}/").content.decode()
    assert 'name="row-3" value="merge"' in page and 'name="row-3" value="separate"' in page

    with run_jobs():
        response = rep_client.post(f"/customers/import/{customer_import.pk}/commit/", {"row-3": "separate"})

    assert response.status_code == 302
    assert Customer.objects.count() == 2


# --- scope -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "owner"),
    [("rep", "outsider_rep"), ("rep", "other_rep"), ("lead", "outsider_rep"), ("lead", "other_lead")],
)
def test_owner_column_names_only_users_one_may_assign(request, persona, owner):
    user, named = request.getfixturevalue(persona), request.getfixturevalue(owner)
    customer_import = upload(user, csv_file([good_row(1, owner=named.username), good_row(2)]))
    assert customer_import.report["rows"][0]["errors"]["负责人"]

    report = importing.commit(user=user, customer_import=customer_import, confirm_duplicates=True)

    assert not report["committed"]
    assert Customer.objects.count() == 0, "all or nothing: the good row is not imported either"


def test_lead_may_name_a_rep_of_the_own_team(lead, rep):
    customer_import = upload(lead, csv_file([good_row(1, owner=rep.username)]))
    importing.commit(user=lead, customer_import=customer_import, confirm_duplicates=False)
    assert Customer.objects.get().owner == rep


def test_database_duplicate_outside_scope_discloses_only_the_owner(rep, outsider_rep):
    CustomerFactory(owner=outsider_rep, name="杭州第1科技有限公司", credit_code="")

    [duplicate] = only_row(check(rep, csv_file([good_row(1, credit_code="")])))["duplicates"]

    assert duplicate == {"reason": "name", "label": "same name", "owner": outsider_rep.name, "visible": False}


# --- one set of duplicate rules --------------------------------------------------------------------------------


def test_import_finds_what_the_customer_form_finds(rep, other_rep):
    existing = [
        CustomerFactory(owner=other_rep, name="杭州云帆信息技术有限公司", credit_code=""),  # trigram-similar
        CustomerFactory(owner=other_rep, name="宁波海曙云帆贸易有限公司", credit_code=""),  # same 字号
        CustomerFactory(owner=other_rep, name="上海浦东新华制造有限公司", credit_code=credit_code(7)),
    ]
    ContactFactory(customer=existing[2], mobile="13955550000")
    typed = [
        {"name": "杭州云帆信息科技有限公司", "credit_code": "", "mobile": "13910000001"},
        {"name": "杭州云帆信息技术服务有限公司", "credit_code": credit_code(7), "mobile": "13910000002"},
        {"name": "另一家无关公司", "credit_code": "", "mobile": "13955550000"},
    ]
    report = check(rep, csv_file([good_row(n, **values) for n, values in enumerate(typed, start=1)]))

    for values, row in zip(typed, report["rows"], strict=True):
        assert row["duplicates"], values
        form = find_duplicates(name=values["name"], credit_code=values["credit_code"], mobiles=[values["mobile"]])
        assert [(m.reason, m.owner_name) for m in form] == [(d["reason"], d["owner"]) for d in row["duplicates"]]
