"""Real-browser tests: headless Chromium (Debian's) driven by Playwright against the live server.

Fixtures in ``conftest.py``. ``expect`` is Playwright's assertion helper, imported here so that a
test module can say ``from tests.browser import expect`` and still be collected where Playwright
is missing: the ``chromium`` fixture then skips the test (fails it under ``CI=true``) with the reason.
"""

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the chromium fixture says what to install
    expect = None

__all__ = ["expect"]
