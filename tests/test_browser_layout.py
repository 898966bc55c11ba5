"""The design system at phone and desktop size: list pages show cards on a
390 × 844 phone and a table at 1280 × 800, and never scroll sideways. The
customer-list screenshots land in docs/screenshots/ (the README shows them).
Every main page, as every role, in both languages: test_browser_screens.py."""

from pathlib import Path

import pytest

from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import CustomerFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
COMPANIES = [
    ("杭州云帆信息科技有限公司", "A", "330000", "330100", "330106"),
    ("宁波港城智能制造股份有限公司", "B", "330000", "330200", ""),
    ("上海浦江医疗器械有限公司", "C", "310000", "310100", "310104"),
    ("北京华信通达软件技术有限公司", "A", "110000", "110100", "110108"),
    ("苏州工业园区新材料研究院", "B", "320000", "320500", ""),
]


@pytest.fixture
def rep_data(rep):
    for index, (name, level, province, city, district) in enumerate(COMPANIES):
        customer = CustomerFactory(
            owner=rep,
            name=name,
            level=level,
            province=province,
            city=city,
            district=district,
            completeness=(85, 60, 35, 20, 70)[index],  # a spread of scores for the screenshots
        )
        ProjectFactory(customer=customer, name=f"{name[:4]}数字化平台建设 第{index + 1}期")
    return rep


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("path", ["/customers/", "/projects/"])
def test_phone_lists_show_cards_and_fit_the_screen(page_for, rep_data, path, locale):
    page = page_for(locale=locale, viewport=PHONE)
    sign_in(page, "rep", path)
    assert_no_sideways_scroll(page)
    # One markup for both widths: each row is laid out as a card, the table head hidden.
    assert page.locator(".list-table").is_visible() and not page.locator(".list-table thead").is_visible()
    assert page.locator("tr.list-card").first.evaluate("row => getComputedStyle(row).display") == "flex"
    assert page.locator(".list-card").count() == len(COMPANIES)
    # A card's title keeps its line: no company name cut into two-character lines.
    for title in page.locator(".list-card .card-title").all():
        assert title.bounding_box()["width"] > 150, title.inner_text()
    # The filters fold into a sheet; the search box is the widest control in view.
    assert not page.locator(".filter-fields select").first.is_visible()
    page.locator(".filter-sheet > summary").click()
    assert page.locator(".filter-fields select").first.is_visible()
    assert_no_sideways_scroll(page)
    if path == "/customers/" and locale == "zh-CN":
        page.locator(".filter-sheet > summary").click()
        page.screenshot(path=str(SCREENSHOTS / "customer-list-phone.png"), full_page=False)


@pytest.mark.parametrize("path", ["/customers/", "/projects/"])
def test_desktop_lists_show_a_table(page_for, rep_data, path):
    page = page_for(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, "rep", path)
    assert_no_sideways_scroll(page)
    assert page.locator(".list-table thead").is_visible()
    assert page.locator("tr.list-card").first.evaluate("row => getComputedStyle(row).display") == "table-row"
    assert page.locator(".list-table tbody tr").count() == len(COMPANIES)
    assert page.locator(".filter-fields select").first.is_visible()
    # Every filter select has a visible label, and none offers "---------".
    for select in page.locator(".filter-fields select").all():
        label = page.locator(f"label[for='{select.get_attribute('id')}']")
        assert label.is_visible() and label.inner_text().strip()
        assert "---------" not in select.inner_text()
    # Company names keep to one line on a wide screen.
    for link in page.locator(".list-table td.name a").all():
        assert link.evaluate("a => a.getClientRects().length") == 1, link.inner_text()
    if path == "/customers/":
        page.screenshot(path=str(SCREENSHOTS / "customer-list-desktop.png"), full_page=False)


def test_phone_header_stays_on_one_row_with_the_menu_open(page_for, rep_data):
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, "rep", "/customers/")
    brand = page.locator(".site-header .brand")
    before = brand.bounding_box()
    user_menu = page.locator(".site-header .dropdown > summary")
    language = page.locator(".language-switch button")
    assert abs(user_menu.bounding_box()["y"] - before["y"]) < 20
    assert abs(language.bounding_box()["y"] - before["y"]) < 20
    page.locator(".nav-toggle > summary").click()
    assert page.get_by_role("link", name="客户").first.is_visible()
    assert brand.bounding_box()["y"] == before["y"]
    assert_no_sideways_scroll(page)


def test_phone_customer_form_fits_and_marks_required_fields(page_for, rep):
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, "rep", "/customers/new/")
    assert_no_sideways_scroll(page)
    name_label = page.locator("label[for=id_name]")
    assert "：" in name_label.inner_text()
    assert name_label.locator(".required-mark").is_visible()
    assert page.locator("#id_name").get_attribute("required") is not None
    # The save bar stays in view at the bottom of the screen.
    save = page.locator(".form-actions button[type=submit]")
    box = save.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]


UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => !['hidden', 'submit', 'button'].includes(el.type) && !el.closest('template'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !el.title)
  .map(el => el.outerHTML.slice(0, 120))"""
