"""Coaching notes in a real browser: the lead writes a note on a rep's project page
@mentioning the rep; the rep logs in, sees the bell count, opens My coaching and
reads it, the mention marked. Phone (390 × 844) and desktop, no sideways scrolling;
screenshots in /tmp/coaching-notes-*.png."""

from pathlib import Path

import pytest

from coaching.models import CoachingNote
from pipeline.tests.project_helpers import create_project
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def test_the_lead_writes_a_note_and_the_rep_reads_it_in_my_coaching(page_for, lead, rep, other_rep):
    project = create_project(rep, CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司"), name="云帆客服中心升级")

    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, "lead", project.get_absolute_url())
    section = page.locator("#coaching-note")
    section.locator("summary").click()
    section.locator("textarea[name=body]").fill("@张伟 下周二带上方案去见采购，先问清预算审批流程。")
    page.screenshot(path=str(SHOTS / "coaching-notes-form-phone.png"), full_page=False)
    section.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    note = CoachingNote.objects.get()
    assert note.rep == rep and list(note.mentions.all()) == [rep]
    entry = page.locator(f"#note-{note.pk}")
    assert entry.locator("mark.mention").inner_text() == "@张伟"
    assert_no_sideways_scroll(page)
    page.goto(f"/coaching/notes/new/?rep={rep.pk}")  # the 1:1 form fits a phone too
    assert_no_sideways_scroll(page)

    rep_page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(rep_page, "rep")
    rep_page.locator(".bell .bell-count").wait_for()
    assert rep_page.locator(".bell .bell-count").inner_text() == "1"
    rep_page.locator("summary", has_text="菜单").click()
    rep_page.locator(".nav-links a[href='/coaching/me/']").click()  # the one coaching entry...
    rep_page.wait_for_load_state("networkidle")
    rep_page.locator(".sub-nav a[href='/coaching/notes/mine/']").click()  # ...and its tab
    rep_page.wait_for_load_state("networkidle")
    card = rep_page.locator(".list-cards .list-card").first
    assert card.is_visible() and not rep_page.locator(".list-table").is_visible()
    assert "先问清预算审批流程" in card.inner_text()
    assert card.locator("mark.mention").inner_text() == "@张伟"
    assert card.locator("a", has_text="云帆客服中心升级").get_attribute("href") == (
        project.get_absolute_url() + f"#note-{note.pk}"
    )
    assert_no_sideways_scroll(rep_page)
    rep_page.screenshot(path=str(SHOTS / "coaching-notes-mine-phone.png"), full_page=True)

    rep_page.set_viewport_size(DESKTOP)
    rep_page.reload()
    assert rep_page.locator(".list-table").is_visible()
    assert "先问清预算审批流程" in rep_page.locator(".list-table").inner_text()
    rep_page.screenshot(path=str(SHOTS / "coaching-notes-mine-desktop.png"), full_page=True)

    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(viewport)
        page.goto("/coaching/notes/")
        assert "李娜" in page.locator("#no-one-on-one").inner_text()
        assert_no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"coaching-notes-team-{name}.png"), full_page=True)
        page.goto(project.get_absolute_url() + f"#note-{note.pk}")
        assert_no_sideways_scroll(page)
        page.locator(f"#note-{note.pk}").screenshot(path=str(SHOTS / f"coaching-notes-timeline-{name}.png"))
