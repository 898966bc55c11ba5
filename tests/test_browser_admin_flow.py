"""Issue 12's "Done when", in a real browser: an admin onboards a new team (creates
the team, a lead with an initial password, two reps invited by e-mail, sets the
lead), deactivates a leaving rep, moves the leaving rep's 150 customers to the two
new reps in one action with a progress bar, and opens the audit trail of it. Every
admin page on the way fits 1280 px and 390 px without sideways scrolling.

The job runs eagerly inside the live server (a real worker runs jobs in
tests/test_celery_worker.py). Screenshots go to SCREENSHOT_DIR when it is set.
The same flow through the API: tests/test_admin_flow_api.py."""

import os
from pathlib import Path

import pytest
from django.core import mail

from accounts.models import Customer
from teams.audit import AuditAction, AuditEntry
from teams.models import Role, Team, User
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import AdminFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _fits(page, name):
    """The page fits both widths (checked at each), and its screenshots are kept when asked."""
    folder = os.environ.get("SCREENSHOT_DIR")
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        assert_no_sideways_scroll(page)
        if folder:
            page.screenshot(path=str(Path(folder) / f"admin-flow-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def _create_user(page, team, username, name, *, email="", password="", role="rep"):
    page.goto(f"/manage/users/new/?team={team.pk}")
    page.fill("input[name=username]", username)
    page.fill("input[name=display_name]", name)
    page.fill("input[name=email]", email)
    page.select_option("select[name=role]", role)
    if password:
        page.fill("input[name=password]", password)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/manage/users/")
    return User.objects.get(username=username)


def test_admin_onboards_a_team_and_moves_a_leaving_reps_book(page_for, eager_celery):
    AdminFactory(username="admin", display_name="管理员")
    old_team = TeamFactory(name="华东一组")
    leaving = UserFactory(username="leaving", display_name="赵离职", team=old_team)
    CustomerFactory.create_batch(150, owner=leaving)

    page = page_for(locale="en-US", viewport=DESKTOP)
    sign_in(page, "admin", None)

    # 1. A new team.
    page.goto("/manage/teams/new/")
    page.fill("input[name=name]", "华南三组")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/manage/teams/*/")
    team = Team.objects.get(name="华南三组")

    # 2. Its lead (an initial password, changed at first login) and two reps (invited by e-mail).
    lead = _create_user(page, team, "lead_south", "孙主管", password="Initial-Passw0rd-9")
    first = _create_user(page, team, "rep_a", "钱销售", email="rep_a@example.cn")
    second = _create_user(page, team, "rep_b", "李销售", email="rep_b@example.cn")
    assert lead.must_change_password
    assert sorted(message.to[0] for message in mail.outbox) == ["rep_a@example.cn", "rep_b@example.cn"]

    # 3. Set the lead on the team.
    page.goto(f"/manage/teams/{team.pk}/edit/")
    page.select_option("select[name=lead]", str(lead.pk))
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/manage/teams/{team.pk}/")
    team.refresh_from_db()
    lead.refresh_from_db()
    assert team.lead_id == lead.pk and lead.role == Role.LEAD
    assert "孙主管" in page.locator("main").inner_text()
    _fits(page, "team")

    # 4. The leaving rep is deactivated (the book stays, flagged on the start page).
    page.goto(f"/manage/users/{leaving.pk}/edit/")
    _fits(page, "user")
    page.get_by_role("button", name="Deactivate").click()
    page.wait_for_url(f"**/manage/users/{leaving.pk}/deactivate/")
    _fits(page, "deactivate")
    page.get_by_role("button", name="Deactivate").click()
    page.wait_for_url(f"**/manage/users/{leaving.pk}/edit/")
    leaving.refresh_from_db()
    assert not leaving.is_active
    page.goto("/")
    assert "赵离职" in page.locator("main").inner_text()

    # 5. The 150 customers go to the two new reps in one action, with a progress bar.
    page.goto(f"/transfers/new/?from_user={leaving.pk}")
    page.check(f"input[name=to_users][value='{first.pk}']")
    page.check(f"input[name=to_users][value='{second.pk}']")
    page.fill("textarea[name=reason]", "离职交接")
    page.get_by_role("button", name="Preview").click()
    page.locator("#transfer-preview").wait_for()
    _fits(page, "transfer-preview")
    page.get_by_role("button", name="Confirm and move").click()
    page.wait_for_url("**/jobs/*/")
    progress = page.locator("#job-progress")
    progress.and_(page.locator("[data-status=done]")).wait_for()
    assert page.locator("#job-progress progress").get_attribute("value") == "100"
    _fits(page, "transfer-job")
    assert Customer.objects.filter(owner=first).count() == 75
    assert Customer.objects.filter(owner=second).count() == 75

    # 6. The team page shows the new books; the audit trail shows the move, from this browser.
    page.goto(f"/manage/teams/{team.pk}/")
    rows = page.locator("#members tbody tr")
    assert rows.filter(has_text="钱销售").inner_text().count("75") == 1
    page.goto("/manage/audit/?action=transfer")
    assert "150 customers and 0 open projects of 赵离职 moved: 离职交接" in page.locator("main").inner_text()
    _fits(page, "audit")
    entry = AuditEntry.objects.get(action=AuditAction.TRANSFER)
    assert entry.ip == "127.0.0.1" and "Chrome" in entry.user_agent
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {AuditAction.TEAM_CREATED, AuditAction.USER_CREATED, AuditAction.USER_INVITED} <= actions
    assert {AuditAction.TEAM_UPDATED, AuditAction.USER_DEACTIVATED, AuditAction.TRANSFER} <= actions
