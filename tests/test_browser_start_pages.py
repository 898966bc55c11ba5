"""The rep's start page and the lead's conflict queue on a 390 × 844 phone:
no sideways scrolling, quick actions in reach, compact conflict cards. The
screenshots land in docs/screenshots/ (rep-home-phone.png, conflict-queue-phone.png)."""

from pathlib import Path

import pytest

from projects import services
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
COMPANIES = [
    "杭州云帆信息科技有限公司",
    "宁波港城智能制造股份有限公司",
    "上海浦江医疗器械有限公司",
    "北京华信通达软件技术有限公司",
    "苏州工业园区新材料研究院",
    "温州瓯江电气设备有限公司",
    "嘉兴南湖纺织集团有限公司",
]


@pytest.fixture
def colliding(rep, other_rep):
    """Each customer of the rep has a second project of a colleague: one conflict each."""
    for index, name in enumerate(COMPANIES):
        customer = CustomerFactory(owner=rep, name=name, completeness=(15, 30, 45, 55, 65, 80, 90)[index])
        services.project_create(user=rep, customer=customer, data={"name": f"{name[:4]}数字化平台建设"})
        services.project_create(user=other_rep, customer=customer, data={"name": "续费：年度服务续约"})


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_rep_start_page_on_a_phone(page_for, colliding, locale):
    page = page_for(locale=locale, viewport=PHONE)
    sign_in(page, "rep", "/")
    assert_no_sideways_scroll(page)
    actions = page.locator(".quick-actions [role=button]")
    assert actions.count() == 3  # new customer, new project, log contact (pipeline's My day)
    for index in range(3):  # big enough for a thumb, visible without scrolling
        box = actions.nth(index).bounding_box()
        assert box["height"] >= 44 and box["y"] + box["height"] <= PHONE["height"], box
    figure = page.locator(".stat").first
    assert figure.locator(".figure").inner_text() == str(len(COMPANIES))
    if locale == "zh-CN":
        page.screenshot(path=str(SCREENSHOTS / "rep-home-phone.png"), full_page=True)
    figure.click()  # "my customers" opens the list of just those
    page.wait_for_load_state("networkidle")
    assert page.locator(".list-card").count() == len(COMPANIES)


def test_conflict_queue_on_a_phone_is_compact(page_for, colliding):
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, "lead", "/conflicts/")
    assert_no_sideways_scroll(page)
    cards = page.locator(".conflict-card")
    assert cards.count() == len(COMPANIES)
    # Folded: a card is a few lines, so a day's conflicts fit in a few screens.
    for card in cards.all():
        assert card.bounding_box()["height"] < 260, card.inner_text()
    cards.first.locator("summary").click()
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(SCREENSHOTS / "conflict-queue-phone.png"), full_page=True)
