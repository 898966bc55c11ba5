"""My day in a real browser, in Chinese: on a 390 × 844 phone a rep logs a
contact from an overdue card (open the form, type, save: two clicks plus
typing), the row leaves "overdue" without a reload and the next contact is
stored; a bad date keeps the dialog open with the error beside the field. The
screenshots land in docs/screenshots/ (my-day-phone.png, my-day-log-phone.png,
my-day-desktop.png)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.choices import BuyingRole
from pipeline import services
from pipeline.models import Activity, ProjectState, StageChange
from projects.models import Project, Stakeholder
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import ContactFactory, CustomerFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# (customer, project, next contact in days (None: none planned), days in its stage)
PROJECTS = [
    ("杭州云帆信息科技有限公司", "云帆客服中心升级", -9, 12),
    ("宁波港城智能制造股份有限公司", "港城MES二期", -3, 5),
    ("上海浦江医疗器械有限公司", "浦江医疗CRM替换", 0, 8),
    ("北京华信通达软件技术有限公司", "华信通达数据中台", 6, 47),
    ("苏州工业园区新材料研究院", "新材料研究院实验室管理系统", None, 3),
    ("温州瓯江电气设备有限公司", "瓯江电气经销商门户", 12, 2),
]


@pytest.fixture
def rep_day(rep, other_rep):
    today = services.today()
    projects = {}
    for customer_name, name, next_in, in_stage in PROJECTS:
        customer = CustomerFactory(owner=rep, name=customer_name)
        boss = ContactFactory(customer=customer, name="周建国", title="信息中心主任", buying_role="decision_maker")
        ContactFactory(customer=customer, name="吴敏", title="采购经理")
        project = ProjectFactory(customer=customer, owner=rep, name=name)
        Stakeholder.objects.create(project=project, contact=boss, role=BuyingRole.DECISION_MAKER)
        entered = timezone.now() - timedelta(days=in_stage, hours=2)
        next_on = today + timedelta(days=next_in) if next_in is not None else None
        Project.objects.filter(pk=project.pk).update(next_contact_on=next_on, opened_at=entered)
        ProjectState.objects.filter(pk=project.pk).update(entered_at=entered)
        StageChange.objects.filter(project=project).update(at=entered)
        services.stale_refresh(stages=[project.state.stage_id])  # what a back-dated entry keeps on the project
        projects[name] = project
    colleague = ProjectFactory(customer=CustomerFactory(owner=other_rep), owner=other_rep, name="同事的项目")
    Project.objects.filter(pk=colleague.pk).update(next_contact_on=today - timedelta(days=1))
    return projects


def test_rep_logs_a_contact_from_my_day_on_a_phone(page_for, rep_day):
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, "rep", "/")  # the rep's start page is My day
    assert_no_sideways_scroll(page)
    actions = page.locator(".quick-actions [role=button]")
    assert actions.count() == 3
    for index in range(3):  # within thumb reach, without scrolling
        box = actions.nth(index).bounding_box()
        assert box["height"] >= 44 and box["y"] + box["height"] <= PHONE["height"], box

    page.goto("/my-day/")
    assert_no_sideways_scroll(page)
    overdue = page.locator("#my-day-overdue")
    # One markup (includes/list.html): on a phone the rows are cards, the table head hidden.
    assert overdue.locator("tr.list-card").first.evaluate("row => getComputedStyle(row).display") == "flex"
    assert not overdue.locator(".list-table thead").is_visible()
    assert overdue.locator(".list-card .card-title").all_inner_texts() == ["云帆客服中心升级", "港城MES二期"]
    assert "逾期 9 天" in overdue.inner_text()
    assert page.locator("#my-day-stale .card-title").all_inner_texts() == ["华信通达数据中台"]
    assert "同事的项目" not in page.content()
    page.screenshot(path=str(SCREENSHOTS / "my-day-phone.png"), full_page=True)

    # Click 1: open the form of the oldest overdue row.
    overdue.locator(".list-card").first.locator(".log-contact").click()
    dialog = page.locator("dialog#log-contact[open]")
    dialog.wait_for()
    assert_no_sideways_scroll(page)
    assert dialog.locator("h2").inner_text() == "记录跟进"
    # The summary has the focus: typing starts at once.
    page.keyboard.type("电话沟通：周主任确认预算已批，下周安排方案评审会。")
    # A bad date first (the picker offers none before today, so it is set underneath, as a stale
    # form would send it): the error comes beside the field, the dialog stays open, the text is kept.
    dialog.locator("input[name=next_contact_on]").evaluate("input => { input.value = '2020-01-01'; }")
    dialog.locator("button[type=submit]").click()
    error = dialog.locator("#log_next_contact_on_error")
    error.wait_for()
    assert "不能早于今天" in error.inner_text()
    assert "周主任确认预算已批" in dialog.locator("textarea[name=summary]").input_value()
    assert not Activity.objects.exists()

    dialog.locator("[data-set-date]").nth(1).click()  # +3 days
    dialog.locator("label", has_text="周建国").click()  # the decision maker, listed first
    page.screenshot(path=str(SCREENSHOTS / "my-day-log-phone.png"))
    # Click 2: save. The dialog closes and the row leaves "overdue" without a reload.
    page.evaluate("window.__stayed = true")
    dialog.locator("button[type=submit]").click()
    page.locator("dialog#log-contact[open]").wait_for(state="detached")
    page.wait_for_function(
        "!document.querySelector('#my-day-overdue').innerText.includes('云帆客服中心升级')", timeout=10_000
    )
    assert page.evaluate("window.__stayed") is True  # no page load happened
    assert overdue.locator(".list-card .card-title").all_inner_texts() == ["港城MES二期"]
    assert "已记录“云帆客服中心升级”的跟进" in page.locator("#my-day-status").inner_text()
    assert_no_sideways_scroll(page)

    project = rep_day["云帆客服中心升级"]
    project.refresh_from_db()
    assert project.next_contact_on == services.today() + timedelta(days=3)
    activity = Activity.objects.get()
    assert (activity.project_id, activity.kind, [c.name for c in activity.contacts.all()]) == (
        project.pk,
        "call",
        ["周建国"],
    )


def test_my_day_on_a_desktop_is_a_table_and_logs_from_a_row(page_for, rep_day):
    page = page_for(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, "rep", "/my-day/")
    assert_no_sideways_scroll(page)
    overdue = page.locator("#my-day-overdue")
    assert overdue.locator(".list-table thead").is_visible()
    assert overdue.locator("tr.list-card").first.evaluate("row => getComputedStyle(row).display") == "table-row"
    page.screenshot(path=str(SCREENSHOTS / "my-day-desktop.png"), full_page=True)

    unplanned = page.locator("#my-day-unplanned")
    unplanned.locator("tbody tr").first.locator(".log-contact").click()
    dialog = page.locator("dialog#log-contact[open]")
    dialog.wait_for()
    page.keyboard.type("微信确认需求，约下周拜访。")
    dialog.locator("input[name=kind][value=message]").check()
    dialog.locator("button[type=submit]").click()
    page.locator("dialog#log-contact[open]").wait_for(state="detached")
    page.wait_for_function("!document.querySelector('#my-day-unplanned tbody')")
    project = rep_day["新材料研究院实验室管理系统"]
    project.refresh_from_db()
    assert project.next_contact_on == services.today() + timedelta(days=7)  # the week ahead it offered
