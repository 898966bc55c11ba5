"""An axe-core scan in real Chromium of what the page matrix of
test_browser_screens.py does not open: the login page, opened menus and sheets,
forms sent back with errors, the edit pages and the secondary forms. No
violation of impact "serious" or "critical" may remain. axe-core is vendored in
tests/assets/ (see its README); the app never serves it."""

from pathlib import Path

import pytest

from projects import services
from tests.browser import sign_in
from tests.factories import CustomerFactory
from tests.test_browser_layout import UNLABELLED_CONTROLS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
BLOCKING = {"serious", "critical"}
# Rules below "serious" that the pages once broke and now pass: they stay fixed.
KEPT_FIXED = {"landmark-unique", "empty-table-header"}
RUN_AXE = "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"


@pytest.fixture
def sample(rep, other_rep, lead, admin):
    """Two customers of the rep, each with a project; the second collides with a colleague's
    (its page shows the conflict banner, the lists show the conflict badge)."""
    first = CustomerFactory(owner=rep, name="杭州云帆信息科技有限公司", level="A", completeness=60)
    second = CustomerFactory(owner=rep, name="宁波港城智能制造股份有限公司", level="B", completeness=30)
    project = services.project_create(user=rep, customer=first, data={"name": "云帆数字化平台建设"})
    colliding = services.project_create(user=rep, customer=second, data={"name": "港城 CRM 系统"})
    services.project_create(user=other_rep, customer=second, data={"name": "续费：年度服务续约", "kind": "renewal"})
    return first, project, colliding


def blocking_violations(page):
    """axe's serious and critical violations (and KEPT_FIXED ones) on the open page, one line each."""
    # Evaluated through DevTools (or a context init script), not added as an inline <script>: the CSP refuses those.
    if page.evaluate("() => typeof axe") == "undefined":
        page.evaluate(AXE.read_text(encoding="utf-8"))
    lines = []
    for violation in page.evaluate(RUN_AXE):
        if violation["impact"] not in BLOCKING and violation["id"] not in KEPT_FIXED:
            continue
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        lines.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×): {targets}")
    return lines


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_login_page_has_no_serious_accessibility_violations(page_for, locale):
    """The one page before logging in; every page behind it is scanned by test_browser_screens.py."""
    for viewport in (PHONE, DESKTOP):
        page = page_for(locale=locale, viewport=viewport)
        page.goto("/login/")
        assert blocking_violations(page) == []


def open_all(page, selectors):
    for selector in [selectors] if isinstance(selectors, str) else selectors:
        for summary in page.locator(selector).all():
            if summary.is_visible():
                summary.click()


@pytest.mark.parametrize("role", ["rep", "lead"])
def test_opened_menus_sheets_and_form_errors_have_no_serious_accessibility_violations(page_for, sample, role):
    """What a phone user opens: the menu, the filter sheet, a conflict's resolution
    form, a form sent back with errors, and the edit and password pages."""
    customer, project, _ = sample
    page = page_for(locale="zh-CN", viewport=PHONE)
    sign_in(page, role, None)
    found = {}
    states = [
        # The filter sheet first: the opened menu drops over the page and would cover its summary.
        ("/customers/", (".filter-sheet > summary", ".nav-toggle > summary")),
        ("/projects/", ".filter-sheet > summary"),
        (f"/customers/{customer.pk}/edit/", ""),
        (f"/projects/{project.pk}/edit/", ""),
        ("/password/", ""),
    ]
    if role == "lead":
        states.append(("/conflicts/", ".conflict summary, [id^=conflict-] summary"))
    for path, to_open in states:
        assert page.goto(path).status == 200, path
        if to_open:
            open_all(page, to_open)
        found[path] = blocking_violations(page)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > inner:
            found[path].append(f"{width}px wide in a {inner}px window")
        found[path] += [f"unlabelled {html}" for html in page.evaluate(UNLABELLED_CONTROLS)]
    page.goto("/customers/new/")
    page.locator("#id_name").evaluate("el => el.form.noValidate = true")
    page.locator(".form-actions button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".errorlist, .form-errors").count(), "the empty form came back without errors"
    found["/customers/new/ (errors)"] = blocking_violations(page)
    found = {path: lines for path, lines in found.items() if lines}
    assert not found, "\n".join(f"{path}: {line}" for path, lines in found.items() for line in lines)


def test_secondary_forms_have_no_serious_accessibility_violations(page_for, sample, rep, admin):
    """The forms behind the main pages, at desktop size, as the admin (who may open all)."""
    customer, project, _ = sample
    page = page_for(locale="zh-CN", viewport=DESKTOP)
    sign_in(page, "admin", None)
    paths = [
        "/projects/new/",
        f"/customers/{customer.pk}/transfer/",
        f"/projects/{project.pk}/transfer/",
        "/customers/import/",
        "/projects/import/",
        "/manage/teams/new/",
        f"/manage/teams/{rep.team_id}/edit/",
        "/manage/users/new/",
        f"/manage/users/{rep.pk}/edit/",
    ]
    found = {}
    for path in paths:
        assert page.goto(path).status == 200, path
        found[path] = blocking_violations(page)
    found = {path: lines for path, lines in found.items() if lines}
    assert not found, "\n".join(f"{path}: {line}" for path, lines in found.items() for line in lines)
