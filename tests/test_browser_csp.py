"""The Content-Security-Policy check itself: every browser test fails on a violation (the
``page_for`` fixture in tests/browser.py); this one proves the check can fail: an inline
script injected into a page is refused and reported. The crawl of what each role reaches
(the menu, the coaching tabs, the forms, the board with Sortable, the API docs) is part of
tests/test_browser_screens.py's one crawl per role."""

import pytest

from tests.browser import CSP_MARKERS, log_in, watch_csp
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
