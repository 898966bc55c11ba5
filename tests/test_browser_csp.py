"""The Content-Security-Policy holds on the pages: every browser test already fails on a
violation (the ``page_for`` fixture in tests/browser.py); this one crawls what each role
reaches from the menu and the coaching tabs, plus a customer, a project, their forms, the
board (drag and drop loads Sortable) and the API docs, and checks the check itself: an
inline script injected into a page is refused and reported."""

import datetime

import pytest
from django.utils import timezone

from tests.browser import CSP_MARKERS, log_in, sign_in, watch_csp
from tests.factories import TEST_PASSWORD, ContactFactory, CustomerFactory, DepartmentFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINKS = "() => [...document.querySelectorAll('.nav-links a, nav.sub-nav a')].map(a => a.getAttribute('href'))"


@pytest.fixture
def world(rep, lead, admin, other_rep):
    customer = CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司")
    department = DepartmentFactory(customer=customer, name="采购部")
    contact = ContactFactory(customer=customer, department=department, name="周敏")
    today = timezone.localdate()
    project = ProjectFactory(
        customer=customer,
        owner=rep,
        name="云帆数字化平台建设",
        start_on=today,
        end_on=today + datetime.timedelta(days=90),
        next_contact_on=today - datetime.timedelta(days=2),
    )
    return {"customer": customer, "project": project, "contact": contact, "department": department}


def visit(page, path):
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    assert response.status < 400, f"{path} answered {response.status}"


@pytest.mark.parametrize("role", ["rep", "lead", "admin"])
def test_every_page_a_role_reaches_satisfies_the_csp(page_for, world, role):
    page = page_for("zh-CN", viewport={"width": 1280, "height": 800})
    sign_in(page, role)
    seen = set()
    todo = ["/"]
    while todo:
        path = todo.pop(0)
        if path in seen or not path.startswith("/"):
            continue
        seen.add(path)
        visit(page, path)
        todo += [href for href in page.evaluate(LINKS) if href and href not in seen]
    customer, project = world["customer"], world["project"]
    pages = [
        customer.get_absolute_url(),
        project.get_absolute_url(),
        "/customers/new/",
        f"/projects/{project.pk}/edit/",
        f"/contacts/{world['contact'].pk}/edit/",
        "/api/docs/",
    ]
    for path in pages:
        visit(page, path)
    assert "/board/" in seen, seen
    # The filter bar's selects still reload the list (their trigger is no longer an htmx
    # filter expression, which would need 'unsafe-eval').
    visit(page, "/projects/")
    select = page.locator("form.filter-bar select").first
    if select.count():
        options = select.locator("option").all()
        if len(options) > 1:
            with page.expect_response(lambda response: "/projects/" in response.url):
                select.select_option(index=1)


def test_the_check_can_fail(browser, live_server, rep):
    """An inline script added to a page is refused, and watch_csp (what page_for uses)
    reports it; a page of its own, so this violation fails no fixture."""
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    try:
        violations = watch_csp(context)
        page = context.new_page()
        log_in(page, "rep", TEST_PASSWORD)
        assert violations == []
        ran = page.evaluate(
            """() => { window.inlineRan = false; const s = document.createElement('script');
            s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); return window.inlineRan; }"""
        )
        page.wait_for_timeout(200)
        assert ran is False
        assert any("inline script" in text for text in violations), violations
        assert all(any(marker in text for marker in CSP_MARKERS) for text in violations)
    finally:
        context.close()
