"""The trend and weekly review pages in Chromium, in Chinese: no sideways scrolling on a
390 × 844 phone nor at 1280 × 900, the sparklines drawn, the review printable (print
media: no navigation, a page per rep). Screenshots land in /tmp (trend-*.png, review-*.png)."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from coaching.tests.trend_data import at, monday, open_project, write_note
from projects.models import Project
from tests.browser import assert_no_sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def coached_team(history, lead, rep, other_rep, team):
    write_note(lead=lead, rep=rep, moment=at(history + datetime.timedelta(days=2)))
    write_note(lead=lead, rep=rep, moment=at(monday(1) + datetime.timedelta(days=1)))
    late = open_project(rep, at(monday(6)), name="杭州云帆信息科技有限公司客服中心升级二期项目")
    Project.objects.filter(pk=late.pk).update(next_contact_on=timezone.localdate() - datetime.timedelta(days=9))
    return team


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_trend_page_fits_and_draws_the_lines(page_for, coached_team, lead, rep, name, viewport):
    page = page_for(locale="zh-CN", viewport=viewport)
    sign_in(page, lead.username, "/coaching/trend/")
    assert page.locator("svg.sparkline").count() == 3 + 2 * 3
    assert page.locator(f"#rep-{rep.pk} .spark-mark").count() == 3 * 2
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / f"trend-{name}.png"), full_page=True)


@pytest.mark.parametrize(("name", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_review_page_fits_and_prints_a_page_per_rep(page_for, coached_team, lead, history, name, viewport):
    page = page_for(locale="zh-CN", viewport=viewport)
    sign_in(page, lead.username, None)
    end = history + datetime.timedelta(days=6)
    page.goto(f"/coaching/review/?start={history.isoformat()}&end={end.isoformat()}")
    assert page.locator(".review-rep").count() == 2
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / f"review-{name}.png"), full_page=True)
    if name == "desktop":
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible()
        assert not page.locator("form.review-period").is_visible()
        breaks = page.eval_on_selector_all(".review-rep", "els => els.map(e => getComputedStyle(e).breakAfter)")
        assert breaks[0] == "page"
        page.screenshot(path=str(SHOTS / "review-print.png"), full_page=True)
        page.pdf(path=str(SHOTS / "review-print.pdf"))


def test_rep_sees_their_own_trend_on_a_phone(page_for, coached_team, rep, other_rep):
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, rep.username, "/coaching/trend/")
    assert page.locator(".trend-rep").count() == 1
    assert page.locator(f"#rep-{other_rep.pk}").count() == 0
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "trend-rep-phone.png"), full_page=True)
