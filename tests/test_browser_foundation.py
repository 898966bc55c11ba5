import pytest

from tests.browser import log_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_logs_in_and_sees_home_in_chinese_then_english(page_for, rep):
    page = page_for(locale="zh-CN")
    page.goto("/")
    assert page.locator("h1").inner_text() == "登录"
    log_in(page, "rep", TEST_PASSWORD)
    assert page.locator("h1").inner_text() == "张伟，你好"
    assert page.get_by_role("link", name="我的一天").is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Good day, 张伟"
    assert page.get_by_role("link", name="My day").is_visible()


def test_wrong_password_is_explained_on_the_login_page(page_for, rep):
    page = page_for(locale="zh-CN")
    log_in(page, "rep", "not-the-password")
    assert "请输入一个正确的" in page.locator("[role=alert]").inner_text()


def test_phone_sized_screen_folds_the_menu(page_for, rep):
    page = page_for(locale="en-US", viewport={"width": 390, "height": 844})
    log_in(page, "rep", TEST_PASSWORD)
    menu_link = page.get_by_role("link", name="My day")
    assert not menu_link.is_visible()
    page.get_by_text("Menu").click()
    assert menu_link.is_visible()
