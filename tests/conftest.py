from tests.browser import browser, page_for, playwright  # noqa: F401  (fixtures)
