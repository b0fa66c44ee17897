"""Browser tests: headless Chromium (the system's, driven by Playwright) against a whole running line.

Every test here is marked `browser`. A test fails when its page logs a console error or throws,
which is how a script blocked by the Content-Security-Policy shows up.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    WebError,
    sync_playwright,
)

from tests.e2e.conftest import line, line_settings

__all__ = ["line", "line_settings"]  # the e2e harness's running line, re-exported for browser tests

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "test-output" / "screenshots"
DESKTOP_SCREEN = {"viewport": {"width": 1280, "height": 800}}
PHONE_SCREEN = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
INSTALL_HINT = (
    "Install Debian's Chromium (sudo apt-get install --no-install-recommends chromium), "
    "or set PEERLINE_CHROMIUM to a Chromium executable. `playwright install` is not used: "
    "the tests launch the system's Chromium."
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser` (this hook sees the whole session's items)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def chromium_executable() -> str:
    """PEERLINE_CHROMIUM when set, else `chromium` or `chromium-browser` on PATH; fail when neither."""
    configured = os.environ.get("PEERLINE_CHROMIUM")
    if configured:
        found = shutil.which(configured)
        if not found:
            pytest.fail(
                f"PEERLINE_CHROMIUM={configured!r} is not an executable. {INSTALL_HINT}", pytrace=False
            )
        return found
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"No Chromium found for the browser tests. {INSTALL_HINT}", pytrace=False)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = chromium_executable()
    launched = playwright.chromium.launch(executable_path=executable, headless=True)
    yield launched
    launched.close()


class PageProblems:
    """Console errors and uncaught exceptions from every page of a browser context."""

    def __init__(self, context: BrowserContext) -> None:
        self.seen: list[str] = []
        context.on("console", self.console)
        context.on("weberror", self.web_error)

    def console(self, message: ConsoleMessage) -> None:
        where = message.location
        # Chromium asks for /favicon.ico by itself; a missing icon is not the page's error.
        if message.type == "error" and urlsplit(where.get("url", "")).path != "/favicon.ico":
            place = f" at {where['url']}:{where.get('lineNumber')}" if where.get("url") else ""
            self.seen.append(f"console error{place}: {message.text}")

    def web_error(self, error: WebError) -> None:
        self.seen.append(f"uncaught {error.error.name}: {error.error.message}")


def open_page(browser: Browser, **options: object) -> Iterator[Page]:
    """A page in a fresh context; at teardown, fail if any page in it logged an error or threw."""
    context = browser.new_context(**options)
    problems = PageProblems(context)
    try:
        yield context.new_page()
    finally:
        context.close()
    assert not problems.seen, "the page reported errors:\n" + "\n".join(problems.seen)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page (1280x800) in its own context: no cookies or storage from other tests."""
    yield from open_page(browser, **DESKTOP_SCREEN)


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A phone-sized page (390x844 at 3x, touch, mobile: a recent iPhone) in its own context."""
    yield from open_page(browser, **PHONE_SCREEN)


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as test-output/screenshots/<name>.png (gitignored); return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9._-]+', '_', name).strip('_')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """screenshot(page, name): a full-page PNG named after the test and `name`, so runs don't collide."""

    def take(page: Page, name: str) -> Path:
        return save_screenshot(page, f"{request.node.name}-{name}")

    return take
