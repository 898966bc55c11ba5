import pytest

from accounts.models import Customer
from tests.browser import sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_person(page, index, *, name, title="", department="", kind="", mobile="", role="other"):
    prefix = f"#id_contacts-{index}-"
    page.fill(f"{prefix}name", name)
    page.fill(f"{prefix}title", title)
    page.fill(f"{prefix}department", department)
    if kind:
        page.select_option(f"{prefix}department_kind", kind)
    page.fill(f"{prefix}mobile", mobile)
    page.select_option(f"{prefix}buying_role", role)


def test_rep_creates_a_customer_with_two_departments_and_three_people_past_a_duplicate_warning(
    page_for, rep, outsider_rep
):
    CustomerFactory(owner=outsider_rep, name="杭州云帆信息科技有限公司")
    page = page_for(locale="zh-CN")
    sign_in(page, "rep")
    page.get_by_role("link", name="客户").first.click()
    page.get_by_role("button", name="新建客户").click()

    page.fill("#id_name", "杭州云帆信息科技")
    page.select_option("#id_industry", "it")
    page.select_option("#id_province", "330000")
    page.wait_for_function("document.querySelectorAll('#id_city option').length > 1")
    page.select_option("#id_city", "330100")
    page.wait_for_function("document.querySelectorAll('#id_district option').length > 1")
    page.select_option("#id_district", "330106")
    page.fill("#id_address", "文三路 90 号")
    page.fill("#id_department-name", "采购部")

    _fill_person(page, 0, name="王强", title="采购总监", mobile="13912345678", role="decision_maker")
    page.get_by_role("button", name="添加另一位联系人").click()
    _fill_person(
        page,
        1,
        name="李静",
        title="财务经理",
        department="财务部",
        kind="finance",
        mobile="13812345678",
        role="key_person",
    )
    page.get_by_role("button", name="添加另一位联系人").click()
    _fill_person(page, 2, name="陈晨", title="采购专员", department="采购部", role="user")
    page.get_by_role("button", name="保存").click()

    warning = page.locator("#duplicate-warning")
    warning.wait_for()
    assert outsider_rep.name in warning.inner_text()
    assert page.input_value("#id_contacts-2-name") == "陈晨"  # nothing typed is lost
    page.check("#confirm_duplicate")
    page.get_by_role("button", name="保存").click()

    page.locator("#people").wait_for()
    customer = Customer.objects.get(owner=rep)
    assert page.url.endswith(customer.get_absolute_url())
    people = page.locator("#people").inner_text()
    for name in ("采购部", "财务部", "王强", "李静", "陈晨"):
        assert name in people
    assert customer.departments.count() == 2
    assert customer.contacts.count() == 3
    assert customer.region_name == "浙江省 杭州市 西湖区"
