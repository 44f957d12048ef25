"""The browser tests' fixture: headless Chromium (tests/e2e/chromium.py)."""

from tests.e2e.chromium import browser  # noqa: F401
