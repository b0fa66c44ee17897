"""The dev phone page in headless Chromium against a whole running line: a fake phone texts the line
and the line's first-contact reply shows up in the thread, on a desktop and on a phone-sized screen."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems
from tests.support.flows import opening, replies_for

SEEKER = "+15550100003"
LINE_ANSWERS_WITHIN_MS = 60_000  # webhook -> RQ worker -> sender -> Twilio stand-in -> the page's poll


def use_number(page: Page, number: str) -> None:
    field = page.get_by_label("This phone's number")
    field.fill(number)
    field.press("Tab")  # the page switches numbers on `change`, as when a person leaves the field


def test_a_fake_phone_texts_the_line_and_reads_the_welcome_on_desktop_and_phone(
    line, page, phone_page, screenshot
):
    page.goto(f"{line.base_url}/dev/phone")
    expect(page.locator(".phone")).to_have_count(1)
    use_number(page, SEEKER)
    thread = page.get_by_role("list", name="Messages")
    expect(thread).to_contain_text("No texts yet")

    page.get_by_label("Message to send").fill("hello")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(thread.locator(".mine .body")).to_have_text(["hello"])
    expect(thread.locator(".theirs .body")).to_have_text(opening(), timeout=LINE_ANSWERS_WITHIN_MS)
    expect(thread.locator(".mine .meta")).to_contain_text("line took it")  # the signed webhook took it
    expect(page.get_by_label("Message to send")).to_have_value("")
    assert screenshot(page, "desktop").stat().st_size > 0

    # The same phone on a phone-sized touch screen: the thread is the line's, not the tab's.
    phone_page.goto(f"{line.base_url}/dev/phone")
    use_number(phone_page, SEEKER)
    phone_thread = phone_page.get_by_role("list", name="Messages")
    expect(phone_thread.locator(".theirs .body")).to_have_text(opening())
    phone_page.get_by_label("Message to send").tap()
    phone_page.keyboard.type("1")  # English
    phone_page.get_by_role("button", name="Send", exact=True).tap()
    expect(phone_thread.locator(".theirs .body")).to_have_text(
        replies_for(["hello", "1"]), timeout=LINE_ANSWERS_WITHIN_MS
    )
    page_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, f"the page is {page_width}px wide on a 390px screen: it scrolls sideways"
    assert screenshot(phone_page, "phone").stat().st_size > 0


def test_the_harness_sees_a_script_blocked_by_the_csp_and_an_uncaught_error(browser):
    """What the `page` fixtures fail a test on: a CSP-blocked inline script and an uncaught exception."""
    context = browser.new_context()
    problems = PageProblems(context)
    try:
        tab = context.new_page()
        strict = {"Content-Security-Policy": "default-src 'self'"}
        html = "<p>hi</p><script>document.title = 'inline ran'</script>"
        tab.route(
            "http://csp.test/",
            lambda route: route.fulfill(body=html, content_type="text/html", headers=strict),
        )
        with tab.expect_console_message(lambda message: message.type == "error"):
            tab.goto("http://csp.test/")
        with tab.expect_event("pageerror"):
            tab.evaluate("setTimeout(() => { throw new Error('boom') })")
        assert tab.title() == ""  # the inline script really was blocked
    finally:
        context.close()
    assert len(problems.seen) == 2, problems.seen
    assert "Content Security Policy" in problems.seen[0]
    assert problems.seen[1] == "uncaught Error: boom"
