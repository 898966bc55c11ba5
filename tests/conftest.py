from tests.browser import browser, page_for  # noqa: F401  (fixtures)
