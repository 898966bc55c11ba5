"""Issue 12's "Done when" core in a real browser: an admin moves a leaving rep's 150
customers to two colleagues in one action, watches the progress bar reach the end,
every moved customer's history names the admin and the reason, and the audit log
page shows the move. The job runs
eagerly inside the live server here (a real worker runs jobs in
tests/test_celery_worker.py). Screenshots at 390×844 and 1280×800 go to
SCREENSHOT_DIR when it is set."""

import os
from pathlib import Path

import pytest

from accounts.models import Customer
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import AdminFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def _shot(page, name):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_moves_a_leaving_reps_150_customers_to_two_colleagues(page_for, eager_celery, viewport):
    AdminFactory(username="admin", display_name="管理员")
    team = TeamFactory(name="华东一组")
    leaving = UserFactory(username="leaving", display_name="赵离职", team=team)
    first = UserFactory(username="first", display_name="钱同事", team=team)
    second = UserFactory(username="second", display_name="孙同事", team=team)
    CustomerFactory.create_batch(150, owner=leaving)

    page = page_for(locale="en-US", viewport=viewport)
    sign_in(page, "admin", "/transfers/new/")
    page.select_option("select[name=from_user]", str(leaving.pk))
    page.check(f"input[name=to_users][value='{first.pk}']")
    page.check(f"input[name=to_users][value='{second.pk}']")
    page.fill("textarea[name=reason]", "离职交接")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#transfer-preview")
    preview.wait_for()
    assert "75 customers" in preview.inner_text()
    assert_no_sideways_scroll(page)
    _shot(page, f"transfer-preview-{viewport['width']}")
    assert Customer.objects.filter(owner=leaving).count() == 150  # the preview moved nothing

    page.get_by_role("button", name="Confirm and move").click()
    page.wait_for_url("**/jobs/*/")
    progress = page.locator("#job-progress")
    progress.and_(page.locator("[data-status=done]")).wait_for()
    assert page.locator("#job-progress progress").get_attribute("value") == "100"
    assert "75 customers" in progress.inner_text()
    assert_no_sideways_scroll(page)
    _shot(page, f"transfer-job-{viewport['width']}")

    assert Customer.objects.filter(owner=first).count() == 75
    assert Customer.objects.filter(owner=second).count() == 75
    for customer in Customer.objects.all():
        latest = customer.history.first()
        assert latest.history_user.username == "admin" and latest.history_change_reason == "离职交接"

    # The audit trail shows the move.
    page.goto("/manage/audit/")
    assert "150 customers and 0 open projects of 赵离职 moved: 离职交接" in page.locator("main").inner_text()
    assert_no_sideways_scroll(page)
    _shot(page, f"transfer-audit-{viewport['width']}")
