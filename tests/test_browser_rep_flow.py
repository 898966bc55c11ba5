"""One piece of a rep's day in Chromium, board to My day: a card dragged into
a stage whose exit check blocks comes back with the reason and nothing moved
(checked in the database); the rep fixes it on the project page (the decision
maker joins the buying committee), drags again and confirms the warnings; then
logs a contact on that project from My day with a next contact date, and the
project leaves the overdue section without a reload."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import Activity, ProjectState, StageChange
from projects import services as project_services
from projects.models import Project
from tests.browser import assert_no_sideways_scroll, sign_in
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def stuck_project(rep):
    """In need_confirmed (which blocks without a decision maker on the committee),
    its next contact two days overdue; the customer's 周建国 decides but is not on
    the committee yet."""
    customer = CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司")
    ContactFactory(customer=customer, name="周建国", title="信息中心主任", buying_role="decision_maker")
    project = project_services.project_create(
        user=rep,
        customer=customer,
        data={
            "name": "智慧园区一期",
            "stage": "need_confirmed",
            "budget": "1200000",
            "opened_at": timezone.now() - timedelta(days=10),
            "next_contact_on": services.today(),
        },
    )
    Project.objects.filter(pk=project.pk).update(next_contact_on=services.today() - timedelta(days=2))
    return Project.objects.get(pk=project.pk)


def _stored(project):
    """Stage, version and number of stage changes, as stored."""
    stage = ProjectState.objects.get(pk=project.pk).stage.key
    changes = StageChange.objects.filter(project=project).count()
    return stage, Project.objects.get(pk=project.pk).version, changes


def test_a_blocked_drag_fixed_moved_then_logged_from_my_day(page_for, rep, stuck_project):
    project = stuck_project
    before = _stored(project)
    page = page_for(locale="en-US", viewport=DESKTOP)
    sign_in(page, "rep", None)

    # 1. The drag is refused with the reason; the card goes back and nothing is stored.
    page.goto("/board/")
    card = page.locator(f"#card-{project.pk}")
    card.drag_to(page.locator("#cards-proposal_accepted"))
    message = page.locator("#board-status .message.error")
    message.wait_for()
    assert "A decision maker is on the buying committee" in message.inner_text()
    page.locator(f"#cards-need_confirmed #card-{project.pk}").wait_for()
    assert _stored(project) == before

    # 2. The fix: the decision maker joins the buying committee on the project page.
    page.goto(f"/projects/{project.pk}/")
    committee = page.locator("#committee")
    committee.locator("summary", has_text="Add a person to the committee").click()
    form = committee.locator("form").last
    form.locator("select[name$=contact]").select_option(label="周建国")
    form.locator("select[name$=role]").select_option("decision_maker")
    form.get_by_role("button", name="Add").click()
    page.locator("#committee").get_by_text("周建国").first.wait_for()

    # 3. The same drag now passes the block; the warnings left are confirmed.
    page.goto("/board/")
    page.locator(f"#card-{project.pk}").drag_to(page.locator("#cards-proposal_accepted"))
    confirm = page.locator("#confirm-dialog")
    confirm.wait_for(state="visible")
    confirm.get_by_role("button", name="Move anyway").click()
    page.locator(f"#cards-proposal_accepted #card-{project.pk}").wait_for()
    page.locator("#board-status").get_by_text("moved to “Proposal formally accepted”").wait_for()
    stage, _version, changes = _stored(project)
    assert (stage, changes) == ("proposal_accepted", before[2] + 1)

    # 4. My day still lists it as overdue; a contact logged there with a next date takes it off.
    page.goto("/my-day/")
    overdue = page.locator("#my-day-overdue")
    row = overdue.locator("tbody tr", has_text="智慧园区一期")
    assert "2 days overdue" in row.inner_text()
    row.locator(".log-contact").click()
    dialog = page.locator("dialog#log-contact[open]")
    dialog.wait_for()
    page.keyboard.type("Called 周建国: the proposal review is booked.")
    dialog.locator("[data-set-date]").nth(1).click()  # +3 days
    page.evaluate("window.__stayed = true")
    dialog.locator("button[type=submit]").click()
    page.locator("dialog#log-contact[open]").wait_for(state="detached")
    # Its only open project planned, the rep's day is clear: My day says so, in place.
    page.get_by_text("All caught up").wait_for()
    assert "Contact on 智慧园区一期 logged." in page.locator("main").inner_text()
    assert page.locator("#my-day-overdue").count() == 0
    assert page.evaluate("window.__stayed") is True  # no page load happened
    assert_no_sideways_scroll(page)
    project.refresh_from_db()
    assert project.next_contact_on == services.today() + timedelta(days=3)
    assert project.last_contact_at is not None
    activity = Activity.objects.get(project=project)
    assert "proposal review is booked" in activity.summary
    assert ProjectState.objects.get(pk=project.pk).stage.key == "proposal_accepted"  # the log did not move it
