"""The issue's "Done when", end to end in Chromium: the lead opens the dashboard,
reads 张伟's bottleneck (prospect → qualified, 2 of 10 against the rest's 16 of 20:
significant), clicks its number through to the projects behind it (as many rows as
the number says), opens the stalest and writes a coaching note @mentioning 张伟;
张伟 logs in in a browser of his own, sees the bell, the notification saying he was
mentioned, the note on the project's timeline and on My coaching. Phone and desktop
screenshots in /tmp/coaching-flow-*.png."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from coaching.models import CoachingNote
from coaching.tests.test_dashboard import _history
from tests.browser import assert_no_sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
BODY = "@张伟 这个项目卡在资格确认：下周二前约到决策人，问清预算和审批流程。"


def test_lead_clicks_a_bottleneck_to_its_projects_writes_a_note_and_the_rep_reads_it(
    page_for, team, lead, rep, other_rep
):
    _history(rep, prospects=10, qualified=2)  # 张伟: 20 %
    _history(other_rep, prospects=20, qualified=16)  # the rest of the team: 80 %

    page = page_for("en-US", viewport=DESKTOP)
    sign_in(page, lead.username, None)
    today = timezone.localdate()
    page.goto(f"/coaching/?period=custom&start={today - timedelta(days=29)}&end={today}")
    block = page.locator(f"#bottleneck-{rep.pk}")
    assert "Prospect → qualified" in block.locator("h3").inner_text()
    assert "The rep's own step: send them to training" in block.locator(".action").inner_text()
    page.screenshot(path=str(SHOTS / "coaching-flow-dashboard-desktop.png"), full_page=True)
    link = block.locator("a.stuck-link")
    stuck = int(re.search(r"\d+", link.inner_text()).group())
    assert stuck == 8
    link.click()
    page.wait_for_load_state("networkidle")
    assert page.url.split("?")[0].endswith("/coaching/projects/")
    rows = page.locator(".list-table tbody tr")
    assert rows.count() == stuck  # the list behind the number holds exactly that many projects
    page.screenshot(path=str(SHOTS / "coaching-flow-projects-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "coaching-flow-projects-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    first = rows.first.locator("td.name a").first
    name = first.inner_text()
    first.click()
    page.wait_for_load_state("networkidle")
    assert name in page.locator("h1").inner_text()
    section = page.locator("#coaching-note")
    section.locator("summary").click()
    section.locator("textarea[name=body]").fill(BODY)
    section.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    note = CoachingNote.objects.get()
    assert note.rep == rep and note.project.name == name and list(note.mentions.all()) == [rep]
    assert page.locator(f"#note-{note.pk} mark.mention").inner_text() == "@张伟"

    rep_page = page_for("en-US", viewport=PHONE)
    sign_in(rep_page, rep.username)
    rep_page.locator(".bell .bell-count").wait_for()
    assert rep_page.locator(".bell .bell-count").inner_text() == "1"
    rep_page.goto("/notifications/")
    told = rep_page.get_by_text("王主管 mentioned you in a coaching note")
    assert told.is_visible()
    assert_no_sideways_scroll(rep_page)
    rep_page.screenshot(path=str(SHOTS / "coaching-flow-notification-phone.png"), full_page=True)
    told.click()
    rep_page.wait_for_load_state("networkidle")
    assert rep_page.url.endswith(f"#note-{note.pk}")
    entry = rep_page.locator(f"#note-{note.pk}")
    assert "问清预算和审批流程" in entry.inner_text()
    assert_no_sideways_scroll(rep_page)
    entry.screenshot(path=str(SHOTS / "coaching-flow-timeline-phone.png"))

    rep_page.goto("/coaching/notes/mine/")
    card = rep_page.locator(f".list-cards #note-{note.pk}, .list-cards .list-card").first
    assert "问清预算和审批流程" in card.inner_text()
    assert_no_sideways_scroll(rep_page)
    rep_page.screenshot(path=str(SHOTS / "coaching-flow-mine-phone.png"), full_page=True)
    rep_page.set_viewport_size(DESKTOP)
    rep_page.reload()
    assert "问清预算和审批流程" in rep_page.locator(".list-table").inner_text()
    rep_page.screenshot(path=str(SHOTS / "coaching-flow-mine-desktop.png"), full_page=True)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_lead_edits_and_deletes_a_note_from_the_timeline(page_for, lead, rep, viewport):
    from coaching import notes
    from pipeline.tests.project_helpers import create_project
    from tests.factories import CustomerFactory

    project = create_project(rep, CustomerFactory(owner=rep), name="云帆客服中心升级")
    note = notes.note_write(author=lead, project=project, body="@张伟 先问预算。")
    page = page_for("en-US", viewport=PHONE if viewport == "phone" else DESKTOP)
    sign_in(page, lead.username, project.get_absolute_url() + f"#note-{note.pk}")
    page.locator(f"#note-{note.pk} a", has_text="Edit").click()
    page.wait_for_load_state("networkidle")
    page.locator("textarea[name=body]").fill("@张伟 先问预算，再约决策人。")
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / f"coaching-flow-edit-{viewport}.png"), full_page=True)
    page.get_by_role("button", name="Save note").click()
    page.wait_for_load_state("networkidle")
    assert "再约决策人" in page.locator(f"#note-{note.pk}").inner_text()
    page.locator(f"#note-{note.pk} a", has_text="Delete").click()
    page.wait_for_load_state("networkidle")
    assert_no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / f"coaching-flow-delete-{viewport}.png"), full_page=True)
    assert CoachingNote.objects.filter(pk=note.pk).exists()
    page.get_by_role("button", name="Delete note").click()
    page.wait_for_load_state("networkidle")
    assert not CoachingNote.objects.filter(pk=note.pk).exists()
    assert page.locator(f"#note-{note.pk}").count() == 0


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("persona", ["lead", "rep"])
def test_the_coaching_tabs_fit_and_lead_through_the_pages(page_for, lead, rep, persona, viewport):
    page = page_for("zh-CN", viewport=PHONE if viewport == "phone" else DESKTOP)
    sign_in(page, persona, "/coaching/")
    tabs = page.locator(".sub-nav a")
    expected = 5 if persona == "lead" else 3
    assert tabs.count() == expected
    for index in range(expected):
        tab = page.locator(".sub-nav a").nth(index)
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]
        tab.click()
        page.wait_for_load_state("networkidle")
        assert page.locator(".sub-nav a[aria-current=page]").count() == 1
        assert page.locator(".sub-nav a").nth(index).get_attribute("aria-current") == "page"
        assert_no_sideways_scroll(page)
    page.goto("/coaching/")
    page.screenshot(path=str(SHOTS / f"coaching-tabs-{persona}-{viewport}.png"), full_page=False)
