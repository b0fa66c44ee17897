"""The coordinators' dashboard in headless Chromium against a whole running line (gunicorn, RQ
workers, the Twilio stand-in): sign in, watch a seeker arrive live, assign a peer, handle an alert,
and a screenshot of every page, on a desktop and on a phone."""

from __future__ import annotations

import re
import subprocess
import sys

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select

from service.adapters.models import PeerRequest
from tests.e2e.line import wait_for

PASSWORD = "a long enough password"
ADMIN = "lead@example.org"
SEEKER, IN_CRISIS, LATER_SEEKER = "+15550100004", "+15550100005", "+15550100006"
DANA, RITA = "+15550100201", "+15550100202"
LIVE_WITHIN_MS = 2_000  # the promise: changes show without a reload within 2 s
LINE_ANSWERS_WITHIN_S = 60  # webhook -> worker -> sender -> stand-in, on a busy 2-core machine


def peerline(line, *args: str, stdin: str = "") -> str:
    """Run the `peerline` command as an operator would, against the running line's settings."""
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        env=line.env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/dashboard/queue")
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()


def assert_fits_a_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide on a 390px screen: it scrolls sideways"


def waiting_requests(line) -> list[int]:
    engine = create_engine(line.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(PeerRequest.id).where(PeerRequest.status == "waiting")))
    finally:
        engine.dispose()


def text_from_dev_phone(phone: Page, base_url: str, number: str, *bodies: str) -> None:
    phone.goto(f"{base_url}/dev/phone")
    field = phone.get_by_label("This phone's number")
    field.fill(number)
    field.press("Tab")
    for body in bodies:
        phone.get_by_label("Message to send").fill(body)
        phone.get_by_role("button", name="Send", exact=True).click()
        expect(phone.get_by_label("Message to send")).to_have_value("")  # the line took it


def test_a_coordinator_watches_the_line_live_assigns_a_peer_and_handles_an_alert(
    line, page, phone_page, screenshot
):
    base = line.base_url
    assert "Created admin" in peerline(
        line,
        "coordinators",
        "create",
        "--email",
        ADMIN,
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD,
    )
    for name, phone in (("Dana", DANA), ("Rita", RITA)):
        peerline(line, "peers", "add", "--name", name, "--phone", phone, "--topics", "alcohol")
        line.text(phone, "ON")

    page.goto(f"{base}/dashboard/metrics")
    expect(page).to_have_url(re.compile(r"/dashboard/login\?next="))
    screenshot(page, "login")
    sign_in(page, base)
    expect(page.locator("#queue-empty")).to_be_visible()

    # A seeker texts from the dev phone (another tab): first contact, consent, mood 2, alcohol, a peer.
    dev_phone = page.context.new_page()
    text_from_dev_phone(dev_phone, base, SEEKER, "hi", "1", "1", "2", "1", "1", "1")
    wait_for(lambda: waiting_requests(line), LINE_ANSWERS_WITHIN_S, "the seeker to wait for a peer")
    row = page.locator("#queue tbody tr")
    expect(row).to_have_count(1, timeout=LIVE_WITHIN_MS)  # no reload: the page refreshed itself
    expect(row).to_contain_text("Alcohol")
    expect(row).to_contain_text("0004")
    expect(row).not_to_contain_text(SEEKER)  # the last four digits at most
    screenshot(page, "queue")
    sign_in(phone_page, base)  # the same queue on a phone: each row a card
    expect(phone_page.locator("#queue tbody tr")).to_have_count(1)
    assert_fits_a_phone(phone_page)
    screenshot(phone_page, "phone-queue")

    # One peer got the line's offer; the coordinator offers the seeker to the other one.
    wait_for(lambda: "waiting on" in row.inner_text(), LINE_ANSWERS_WITHIN_S, "the first offer")
    offered_first = "Dana" if "Dana" in row.inner_text() else "Rita"
    chosen, chosen_phone = ("Rita", RITA) if offered_first == "Dana" else ("Dana", DANA)
    row.get_by_role("link", name="Assign a peer…").click()
    expect(page.locator("#seeker-facts")).to_contain_text("Alcohol")
    choice = page.locator("#choices tbody tr", has_text=chosen)
    expect(choice).to_contain_text("lived it")
    screenshot(page, "assign")
    choice.get_by_role("button", name=f"Offer to {chosen}").click()
    expect(page.locator(".flash")).to_contain_text(f"Offer sent to {chosen}")
    wait_for(
        lambda: any("Reply 1 to accept" in body for body in line.received_by(chosen_phone)),
        LINE_ANSWERS_WITHIN_S,
        f"{chosen} to get the offer",
    )
    # Another seeker asks while the page shows its forms: the queue still refreshes by itself.
    for body in ("hi", "1", "1", "3", "1", "1", "1"):
        line.text(LATER_SEEKER, body)
    wait_for(lambda: len(waiting_requests(line)) == 2, LINE_ANSWERS_WITHIN_S, "the second seeker to wait")
    expect(page.locator("#queue tbody tr")).to_have_count(2, timeout=LIVE_WITHIN_MS)
    expect(page.locator("#queue")).to_contain_text("0006")
    line.text(chosen_phone, "1")  # accepts by text, as a peer does

    page.get_by_role("link", name="Conversations").click()
    talk = page.locator("#conversations tbody tr", has_text=chosen)
    expect(talk).to_have_count(1, timeout=LINE_ANSWERS_WITHIN_S * 1000)
    screenshot(page, "conversations")
    talk.get_by_role("link", name="Open").click()
    expect(page.locator("#conversation-facts")).to_contain_text(chosen)
    screenshot(page, "conversation")
    page.get_by_role("link", name="Read the transcript").click()
    expect(page.locator("#transcript")).to_contain_text("hi")
    screenshot(page, "transcript")

    # Crisis words from someone else: the alert appears live, and the coordinator acknowledges it.
    page.get_by_role("link", name="Alerts").click()
    line.text(IN_CRISIS, "i want to kill myself tonight")
    alert = page.locator("#alerts tbody tr", has_text="Crisis language")
    expect(alert).to_have_count(1, timeout=LINE_ANSWERS_WITHIN_S * 1000)
    expect(page.locator("#open-alerts")).to_have_text("1")
    alert.get_by_label("Note on this alert").fill("Called them back; they are with their sister.")
    # While a note is being written, the refresh waits instead of wiping it.
    expect(page.locator("#live-status")).to_contain_text("paused while you type")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".flash")).to_contain_text("acknowledged")
    handled = page.locator("#alerts tbody tr", has_text="Crisis language")
    expect(handled).to_contain_text("acknowledged")
    expect(handled).to_contain_text("with their sister")
    expect(page.locator("#open-alerts")).to_be_hidden()
    screenshot(page, "alerts")

    for link, heading, name in (
        ("Peers", "Peers", "peers"),
        ("Metrics", "Metrics", "metrics"),
        ("Account", "Account", "account"),
    ):
        page.get_by_role("link", name=link, exact=True).click()
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        if name == "metrics":
            expect(page.locator("#chart-waits")).to_be_visible()
            expect(page.locator("#match-rate")).to_contain_text("%")  # one wait ended in a match
        screenshot(page, name)
    page.get_by_role("link", name="Manage everyone's accounts").click()
    expect(page.locator("#accounts")).to_contain_text(ADMIN)
    screenshot(page, "accounts")
    page.goto(f"{base}/dashboard/peers")
    page.get_by_role("link", name=chosen).click()
    expect(page.locator("#peer-facts")).to_contain_text("1 of 1")  # talking now, against capacity
    screenshot(page, "peer")

    # On a phone: the pages fit the screen.
    for path, name in (("queue", "queue-empty"), ("alerts", "alerts"), ("conversations", "conversations")):
        phone_page.goto(f"{base}/dashboard/{path}")
        assert_fits_a_phone(phone_page)
        screenshot(phone_page, f"phone-{name}")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    page.goto(f"{base}/dashboard/alerts")
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    expect(page.locator("body")).not_to_contain_text("Crisis language")
