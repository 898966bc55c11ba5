"""Date boxes follow the UI language, not the browser's: Chromium started with
``--lang=en-US`` and with ``--lang=zh-CN``, each showing the Chinese and the
English UI. A native ``<input type="date">`` would read 12/02/2026 on the
English browser even on a Chinese page (checked here too, so the reason for
the vendored picker stays visible); the picker shows 2026年12月2日 / 2026-12-02
and still sends ISO. Screenshots of the open calendar land in docs/screenshots/."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.browser import launch, sign_in
from tests.factories import CustomerFactory, ProjectFactory
from tests.test_browser_layout import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHANGHAI = ZoneInfo("Asia/Shanghai")

UI = {"zh-hans": ("2026年12月2日", "十二月"), "en": ("2026-12-02", "December")}
NATIVE_DATE = """() => { const i = document.createElement('input'); i.type = 'date'; i.value = '2026-12-02';
  i.style.font = '16px monospace'; document.body.prepend(i); return i; }"""


def type_date(page, name, typed):
    """Type into the picker's box of field ``name``: what the box then shows, and what the form sends."""
    box = page.locator(f"#id_{name}")
    box.fill(typed)
    box.press("Enter")
    return box.input_value(), page.locator(f"input[name={name}]").input_value()


def save(page):
    page.locator(".form-actions button[type=submit]").click()
    page.wait_for_load_state("networkidle")


@pytest.fixture
def project(rep):
    customer = CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司")
    return ProjectFactory(
        customer=customer,
        name="云帆数字化平台建设",
        start_on=datetime.date(2026, 12, 2),
        end_on=datetime.date(2027, 3, 31),
    )


@pytest.mark.parametrize("browser_lang", ["en-US", "zh-CN"])
def test_date_picker_follows_the_ui_language_on_any_browser(playwright, live_server, project, browser_lang):
    browser = launch(playwright, f"--lang={browser_lang}")
    try:
        for ui_lang, (shown, month) in UI.items():
            context = browser.new_context(
                locale=browser_lang, base_url=live_server.url, viewport={"width": 390, "height": 844}
            )
            context.add_cookies([{"name": "django_language", "value": ui_lang, "url": live_server.url}])
            page = context.new_page()
            sign_in(page, "rep", f"/projects/{project.pk}/edit/", base_url=live_server.url)
            assert page.locator("html").get_attribute("lang") == ui_lang

            start = page.locator("#id_start_on")  # the label's box is the picker's
            start.wait_for()
            assert start.input_value() == shown
            assert page.locator("input[name=start_on]").input_value() == "2026-12-02"
            label = page.locator("label[for=id_start_on]")
            assert label.is_visible()

            start.click()
            calendar = page.locator(".flatpickr-calendar.open")
            assert month in calendar.locator(".flatpickr-month").inner_text()
            assert calendar.locator(".flatpickr-weekday").first.inner_text().strip() in ("周一", "Mon")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the open calendar makes the page {width}px wide"
            page.screenshot(
                path=str(SCREENSHOTS / f"date-picker-{ui_lang}-on-{browser_lang}-browser.png"), animations="disabled"
            )

            # Pick the 15th and save: the server gets ISO and stores the day picked.
            calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="15").first.click()
            assert page.locator("input[name=start_on]").input_value() == "2026-12-15"
            save(page)
            project.refresh_from_db()
            assert project.start_on == datetime.date(2026, 12, 15)
            project.start_on = datetime.date(2026, 12, 2)
            project.save(update_fields=["start_on"])

            if ui_lang == "zh-hans":  # what a native input shows on this browser, on a page with lang="zh-hans"
                native = page.evaluate_handle(NATIVE_DATE).as_element()
                native.screenshot(path=str(SCREENSHOTS / f"date-native-on-{browser_lang}-browser.png"))
            context.close()
    finally:
        browser.close()


def test_typed_dates_are_read_in_either_format(page_for, project):
    page = page_for(locale="zh-CN", viewport={"width": 1280, "height": 800})
    sign_in(page, "rep", f"/projects/{project.pk}/edit/")
    assert page.locator("#id_end_on").input_value() == "2027年3月31日"
    assert type_date(page, "end_on", "2027-04-30") == ("2027年4月30日", "2027-04-30")
    save(page)
    project.refresh_from_db()
    assert project.end_on == datetime.date(2027, 4, 30)


def test_date_and_time_picker_sends_iso_and_the_project_is_back_dated(page_for, live_server, project):
    """An English browser, the Chinese UI: the picker still writes Chinese, the server gets ISO."""
    page = page_for(locale="en-US", viewport={"width": 390, "height": 844})
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    sign_in(page, "rep", f"/projects/new/?customer={project.customer_id}")
    page.locator("#id_name").fill("云帆二期")
    assert type_date(page, "opened_at", "2026-11-30 09:30") == ("2026年11月30日 09:30", "2026-11-30T09:30")
    next_on = timezone.localdate() + datetime.timedelta(days=2)
    shown, sent = type_date(page, "next_contact_on", next_on.isoformat())  # every open project needs one
    assert sent == next_on.isoformat() and shown == f"{next_on.year}年{next_on.month}月{next_on.day}日"
    save(page)
    created = project.customer.projects.get(name="云帆二期")
    assert created.opened_at == datetime.datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)
