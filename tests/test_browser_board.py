"""The Board in Chromium: a card dragged past a blocking exit check comes back
with the missing item named, the "move to" menu moves a card back, a drop on
lost asks the reason (cancel puts the card back), and at 390 × 844 the page
never scrolls sideways. Writes docs/screenshots/board-desktop.png and
board-phone.png."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import ProjectState
from projects import services as project_services
from projects.models import Project
from tests.browser import sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# (project, customer, stage, budget, days in the funnel, next contact in days)
DEALS = [
    ("智慧园区一期", "杭州云帆信息科技有限公司", "need_confirmed", "1200000", 10, 3),
    ("数据中台建设", "宁波港城智能制造股份有限公司", "proposal_accepted", "860000", 20, 1),
    ("门店数字化改造", "上海浦江医疗器械有限公司", "prospect", "300000", 45, -2),
    ("供应链协同平台", "北京华信通达软件技术有限公司", "contract_legal", "2500000", 12, 5),
    ("年度运维服务", "苏州工业园区新材料研究院", "payment", "450000", 8, 2),
    ("客服中心升级", "杭州云帆信息科技有限公司", "prospect", None, 3, 7),
]


def _stage(project):
    return ProjectState.objects.get(pk=project.pk).stage.key


@pytest.fixture
def deals(rep):
    today = timezone.localdate()
    projects = {}
    for name, customer, stage, budget, days, next_in in DEALS:
        project = project_services.project_create(
            user=rep,
            customer=CustomerFactory(owner=rep, name=customer),
            data={
                "name": name,
                "stage": stage,
                "budget": budget,
                "opened_at": timezone.now() - timedelta(days=days),
                "next_contact_on": today + timedelta(days=max(next_in, 0)),
            },
        )
        if next_in < 0:  # overdue, as the data stands after a missed call
            Project.objects.filter(pk=project.pk).update(next_contact_on=today + timedelta(days=next_in))
        projects[name] = project
    won = project_services.project_create(
        user=rep,
        customer=CustomerFactory(owner=rep, name="南京金陵软件园"),
        data={
            "name": "园区网络改造",
            "stage": "payment",
            "budget": "980000",
            "opened_at": timezone.now() - timedelta(days=60),
        },
    )
    services.project_move(user=rep, project=won, stage="won", at=timezone.now() - timedelta(days=4))
    return projects


def _no_sideways_scroll(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"page is {width}px wide in a {inner}px window"


def _card(page, project):
    return page.locator(f"#card-{project.pk}")


def test_a_drag_past_a_blocking_check_comes_back_and_the_menu_moves_back(page_for, rep, deals):
    page = page_for(locale="en-US", viewport=DESKTOP)
    sign_in(page, "rep", "/board/")
    _no_sideways_scroll(page)
    blocked = deals["智慧园区一期"]
    card = _card(page, blocked)
    assert page.locator("#column-need_confirmed").locator(f"#card-{blocked.pk}").count() == 1

    # need_confirmed blocks without a decision maker on the buying committee.
    card.drag_to(page.locator("#cards-proposal_accepted"))
    message = page.locator("#board-status .message.error")
    message.wait_for()
    assert "A decision maker is on the buying committee" in message.inner_text()
    assert page.locator("#cards-need_confirmed").locator(f"#card-{blocked.pk}").count() == 1
    assert _stage(blocked) == "need_confirmed"

    # Nothing added: the menu takes it back a stage instead (no checks going back).
    card.locator(".move-to summary").click()
    card.locator("select[name=stage]").select_option("prospect")
    card.get_by_role("button", name="Move").click()
    page.locator("#board-status .message.success").wait_for()
    assert "“智慧园区一期” moved to “Prospect”." in page.locator("#board-status").inner_text()
    page.locator(f"#cards-prospect #card-{blocked.pk}").wait_for()
    assert _stage(blocked) == "prospect"
    assert "3 projects" in page.locator("#column-prospect .column-count").inner_text()
    # The refreshed card carries the new version: a second move goes through.
    assert _card(page, blocked).get_attribute("data-version") == str(Project.objects.get(pk=blocked.pk).version)

    # A drop on lost asks why; cancelling puts the card back where it was.
    other = deals["数据中台建设"]
    _card(page, other).drag_to(page.locator("#cards-lost"))
    dialog = page.locator("#lost-dialog")
    dialog.wait_for(state="visible")
    dialog.get_by_role("button", name="Cancel").click()
    page.locator(f"#cards-proposal_accepted #card-{other.pk}").wait_for()
    assert _stage(other) == "proposal_accepted"

    page.locator("#column-lost .column-toggle").click()
    _card(page, other).drag_to(page.locator("#cards-lost"))
    dialog.wait_for(state="visible")
    dialog.locator("select[name=lost_reason]").select_option("chose_competitor")
    dialog.locator("textarea[name=lost_note]").fill("客户选了友商")
    dialog.get_by_role("button", name="Mark as lost").click()
    page.locator("#board-status").get_by_text("“数据中台建设” moved to “Lost”.").wait_for()
    state = ProjectState.objects.get(pk=other.pk)
    assert (state.stage.key, state.lost_reason.key, state.lost_note) == ("lost", "chose_competitor", "客户选了友商")
    # Once the columns are fetched again (the card has its new version), the lost
    # column is still unfolded.
    version = Project.objects.get(pk=other.pk).version
    page.locator(f'#cards-lost #card-{other.pk}[data-version="{version}"]').wait_for(state="visible")


def test_a_stale_card_goes_back_and_shows_where_the_project_is_now(page_for, rep, lead, deals):
    page = page_for(locale="en-US", viewport=DESKTOP)
    sign_in(page, "rep", "/board/")
    project = deals["门店数字化改造"]
    # The lead moves it while the rep has the board open.
    services.project_move(user=lead, project=project, stage="need_confirmed")
    _card(page, project).drag_to(page.locator("#cards-contract_legal"))
    message = page.locator("#board-status .message.error")
    message.wait_for()
    assert "Someone else changed “门店数字化改造”" in message.inner_text()
    page.locator(f"#cards-need_confirmed #card-{project.pk}").wait_for()
    assert _stage(project) == "need_confirmed"


def test_a_lead_narrows_the_board_with_the_filter_bar(page_for, rep, other_rep, lead, deals):
    colleague = project_services.project_create(
        user=other_rep,
        customer=CustomerFactory(owner=other_rep, name="温州瓯江电气有限公司"),
        data={"name": "配电监控系统"},
    )
    page = page_for(locale="en-US", viewport=DESKTOP)
    sign_in(page, "lead", "/board/")
    assert _card(page, colleague).is_visible() and _card(page, deals["智慧园区一期"]).is_visible()
    # Choosing a rep reloads the board in place (htmx) with that rep's projects only.
    page.locator(".filter-bar select[name=owner]").select_option(str(other_rep.pk))
    _card(page, deals["智慧园区一期"]).wait_for(state="detached")
    assert _card(page, colleague).is_visible()
    assert "owner=" in page.url
    # Typing searches; a card's own "move to" select does not reload the board.
    page.locator(".filter-bar select[name=owner]").select_option("")
    page.locator(f"#card-{deals['智慧园区一期'].pk}").wait_for()
    page.locator("#filter-search").fill("智慧")
    _card(page, colleague).wait_for(state="detached")
    card = _card(page, deals["智慧园区一期"])
    card.locator(".move-to summary").click()
    card.locator("select[name=stage]").select_option("prospect")
    page.wait_for_timeout(500)
    assert card.locator("select[name=stage]").input_value() == "prospect"  # the same element, not reloaded


def test_board_screenshots_and_phone_layout(page_for, rep, deals):
    page = page_for(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, "rep", "/board/")
    _no_sideways_scroll(page)
    page.locator("#column-won .column-toggle").click()
    page.screenshot(path=str(SCREENSHOTS / "board-desktop.png"), full_page=False)

    phone = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(phone, "rep", "/board/")
    _no_sideways_scroll(phone)
    assert phone.locator(".board-tabs").is_visible()
    # One column at a time: the first fills most of the strip, the second waits off to the side.
    strip = phone.locator(".board-scroll").bounding_box()
    first = phone.locator(".board-column").first.bounding_box()
    assert first["width"] > 0.8 * strip["width"]
    phone.locator(".board-tabs a[data-stage=contract_legal]").click()
    phone.wait_for_timeout(400)  # smooth scrolling of the strip
    column = phone.locator("#column-contract_legal").bounding_box()
    assert 0 <= column["x"] < PHONE["width"] / 2
    _no_sideways_scroll(phone)
    # The menu works on the phone too.
    card = _card(phone, deals["供应链协同平台"])
    card.locator(".move-to summary").click()
    _no_sideways_scroll(phone)
    phone.locator(".board-tabs a[data-stage=prospect]").click()
    phone.wait_for_timeout(400)
    phone.screenshot(path=str(SCREENSHOTS / "board-phone.png"), full_page=False)
