"""Targets in Chromium: the lead sets a rep's target for this month on the grid and
sees the share reached; at 390 × 844 the grid becomes cards without sideways
scrolling. Writes docs/screenshots/targets-desktop.png and targets-phone.png."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coaching.tests.translations import zh_messages  # noqa: F401  (a fixture)
from pipeline import services
from projects import services as project_services
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import CustomerFactory
from tests.test_browser_layout import DESKTOP, PHONE, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def won_this_month(rep, other_rep):
    """rep won 400,000 today (just now, so in this month in Asia/Shanghai)."""
    project = project_services.project_create(
        user=rep,
        customer=CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司"),
        data={"name": "智慧园区一期", "budget": "400000", "opened_at": timezone.now() - timedelta(minutes=5)},
    )
    services.project_move(user=rep, project=project, stage="won")
    return project


@pytest.mark.usefixtures("zh_messages")
def test_lead_sets_a_target_and_sees_the_share_reached(page_for, lead, rep, team, won_this_month):
    month = timezone.localdate().strftime("%Y-%m")
    page = page_for("zh-CN", viewport=DESKTOP)
    sign_in(page, "lead", "/coaching/targets/")
    cell = page.locator(f"#target-{rep.pk} ~ td[data-month='{month}']")
    cell.get_by_role("link", name=f"设定 {rep.display_name}").click()
    page.get_by_label("赢单金额目标（元）").fill("1,000,000")
    page.get_by_label("回款目标（元）").fill("0")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**/coaching/targets/?team={team.pk}&year=*")
    cell = page.locator(f"#target-{rep.pk} ~ td[data-month='{month}']")
    assert "40%" in cell.inner_text()
    assert "编辑" in cell.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "targets-desktop.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    assert_no_sideways_scroll(page)
    card = page.locator(f"#card-target-{rep.pk}").locator("xpath=..")
    assert "本月" in card.inner_text() and "40%" in card.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "targets-phone.png"), full_page=True)

    # The rep's start page shows their own target block.
    rep_page = page_for("zh-CN", viewport=PHONE)
    sign_in(rep_page, "rep")
    block = rep_page.locator("#targets-summary")
    assert "我的业绩目标" in block.inner_text() and "40%" in block.inner_text()
    assert_no_sideways_scroll(rep_page)
