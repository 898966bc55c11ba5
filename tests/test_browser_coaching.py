"""The team dashboard in Chromium: the lead sees the rep's bottleneck, clicks
through to the projects behind it and opens one; the dashboard and the rep's
view fit a 390 × 844 phone and a 1280 × 900 desktop without sideways scrolling
(screenshots in /tmp/coaching-*.png)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coaching.tests.test_dashboard import _history
from tests.browser import assert_no_sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def coached_team(team, rep, other_rep, lead):
    """``rep`` (张伟) clearly worse on prospect → qualified: 2 of 10 against 16 of 20."""
    _history(rep, prospects=10, qualified=2)
    _history(other_rep, prospects=20, qualified=16)
    return team


def _range():
    today = timezone.localdate()
    return f"period=custom&start={(today - timedelta(days=29)).isoformat()}&end={today.isoformat()}"


def test_lead_follows_a_bottleneck_to_its_projects(page_for, coached_team, rep, lead):
    page = page_for("zh-CN", viewport=DESKTOP)
    sign_in(page, lead.username, f"/coaching/?{_range()}")
    block = page.locator(f"#bottleneck-{rep.pk}")
    assert "潜客" in block.locator("h3").inner_text() or "Prospect" in block.locator("h3").inner_text()
    page.screenshot(path="/tmp/coaching-dashboard-desktop.png", full_page=True)
    assert_no_sideways_scroll(page)
    block.locator("a.stuck-link").click()
    page.wait_for_load_state("networkidle")
    assert page.url.split("?")[0].endswith("/coaching/projects/")
    rows = page.locator(".list-table tbody tr")
    assert rows.count() == 8
    first = rows.first.locator("td.name a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state("networkidle")
    assert name in page.locator("h1").inner_text()


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_dashboard_and_rep_view_fit(page_for, coached_team, rep, lead, viewport):
    size = PHONE if viewport == "phone" else DESKTOP
    page = page_for("zh-CN", viewport=size)
    sign_in(page, lead.username, f"/coaching/?{_range()}")
    page.screenshot(path=f"/tmp/coaching-dashboard-{viewport}.png", full_page=True)
    assert_no_sideways_scroll(page)
    page.goto(f"/coaching/me/?rep={rep.pk}&{_range()}")
    page.screenshot(path=f"/tmp/coaching-rep-lead-{viewport}.png", full_page=True)
    assert_no_sideways_scroll(page)
    rep_page = page_for("zh-CN", viewport=size)
    sign_in(rep_page, rep.username, f"/coaching/me/?{_range()}")
    rep_page.screenshot(path=f"/tmp/coaching-rep-{viewport}.png", full_page=True)
    assert_no_sideways_scroll(rep_page)
    assert rep_page.locator("#practice").is_visible()
