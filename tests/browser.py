"""Playwright driving Debian's Chromium (no browser download)."""

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client

from teams.models import User

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the run: its sync API cannot be started twice in a thread."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    # Playwright's sync API runs an event loop in this thread; the Django ORM
    # calls the tests make around it are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


def launch(playwright, *extra_args):
    """A Chromium of its own, e.g. ``launch(playwright, "--lang=en-US")`` for a browser UI language."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args], headless=True)


@pytest.fixture(scope="session")
def browser(playwright):
    browser = launch(playwright)
    yield browser
    browser.close()


# What Chromium prints when the Content-Security-Policy refuses something.
CSP_MARKERS = ("Content Security Policy", "Refused to")


def watch_csp(context, violations=None):
    """Collect (into ``violations``, a list) the console messages of every page of
    ``context`` that report a Content-Security-Policy violation (an inline script or
    handler, an inline style, a source from elsewhere); :func:`assert_no_csp_violations`
    fails on any."""
    violations = [] if violations is None else violations

    def on_console(message):
        if any(marker in message.text for marker in CSP_MARKERS):
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)
    return violations


def assert_no_csp_violations(violations):
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page_for(browser, live_server):
    """A new browser page for a locale ('zh-CN' or 'en-US'), pointed at the live server.
    Every test using it fails on a Content-Security-Policy violation in its pages."""
    contexts = []
    violations = []

    def open_page(locale="zh-CN", **options):
        context = browser.new_context(locale=locale, base_url=live_server.url, **options)
        context.set_default_timeout(15_000)
        context.live_server_url = live_server.url  # for sign_in
        contexts.append(context)
        watch_csp(context, violations)
        return context.new_page()

    open_page.violations = violations  # what the pages reported so far: a test may name the page that did
    yield open_page
    for context in contexts:
        context.close()
    assert_no_csp_violations(violations)


def sign_in(page, username, path="/", *, base_url=None):
    """Logged in as ``username`` without the login page, then at ``path`` (its
    response returned; None: stays where it is, for a test that goes on with a
    ``page.goto``): the browser gets the cookie of a session made for the user
    as Django's test client's ``force_login`` makes it (the same signal, last login
    and audit entry as a login). For every test whose point is not the login form
    itself (that one is :func:`log_in`). ``base_url``: the live server's, for a
    context not opened through ``page_for``."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    url = base_url or page.context.live_server_url
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": url}])
    return None if path is None else page.goto(path)


def log_in(page, username, password):
    """Through the login form, as a person does (tests of the login itself; elsewhere :func:`sign_in`)."""
    page.goto("/login/")
    form = page.locator("#login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(-3).map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px)`)"""


def assert_no_sideways_scroll(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"page is {width}px wide in a {inner}px window; widest: {page.evaluate(WIDEST)}"
