"""Signing in to the dashboard: sessions, second factor, rate limit, CSRF, roles, and the crawl."""

from __future__ import annotations

import dataclasses
import re

import pyotp
import pytest
from sqlalchemy import select

from service.adapters.models import AuditEvent, Peer, PeerRequest
from service.web import create_app
from tests.support.dashboard import PASSWORD, csrf_token, make_account, post_form, sign_in
from tests.support.peer_line import SEEKER

PEER_PHONE = "+15551239876"


@pytest.fixture
def busy_line(phones):
    """A peer, a seeker waiting for a peer, and an alert: data a visitor without a session must not see."""
    phones.add_peer(PEER_PHONE, "Rosalind Peer", "alcohol")
    phones.seeker_asks_for_a_peer(SEEKER)
    return phones


def _dashboard_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/dashboard")]


def _path(rule) -> str:
    return re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule)


def test_sign_in_starts_a_new_session_and_sign_out_really_ends_it(client, runtime):
    make_account(runtime, "ana@example.org", "coordinator")
    before = csrf_token(client)
    response = sign_in(client, "Ana@Example.org ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/queue")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Nothing from before the sign-in carries over: the old form token is refused now.
    assert client.post("/dashboard/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/dashboard/queue").status_code == 200
    copied = client.get_cookie("peerline_session").value

    assert post_form(client, "/dashboard/logout").status_code == 302
    assert client.get("/dashboard/queue").status_code == 302
    # A copy of the old cookie is worthless too: the session row is gone from the database.
    thief = client.application.test_client()
    thief.set_cookie("peerline_session", copied)
    assert thief.get("/dashboard/queue").headers["Location"].startswith("/dashboard/login")


def test_wrong_passwords_are_refused_then_rate_limited(client, runtime):
    make_account(runtime, "ana@example.org", "coordinator")
    for _ in range(5):
        response = sign_in(client, "ana@example.org", "not the password at all")
        assert response.status_code == 401
        assert "do not match" in response.get_data(as_text=True)
    # Even the right password waits now: guessing has stopped paying.
    response = sign_in(client, "ana@example.org")
    assert response.status_code == 429 and "Too many" in response.get_data(as_text=True)
    assert client.get("/dashboard/queue").status_code == 302
    # Another account is not locked out by someone guessing at Ana's.
    make_account(runtime, "ben@example.org", "coordinator")
    assert sign_in(client, "ben@example.org").status_code == 302


def test_unknown_email_and_deactivated_accounts_cannot_sign_in(client, runtime):
    account = make_account(runtime, "ana@example.org", "coordinator")
    assert sign_in(client, "nobody@example.org").status_code == 401
    with runtime.db.session() as session:
        from service.adapters.models import Coordinator

        session.get_one(Coordinator, account).active = False
    assert sign_in(client, "ana@example.org").status_code == 401


def test_second_factor_is_asked_for_and_a_code_works_once(client, runtime):
    make_account(runtime, "ana@example.org", "supervisor")
    sign_in(client, "ana@example.org")
    page = client.get("/dashboard/account").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    totp = pyotp.TOTP(secret)
    assert post_form(client, "/dashboard/account/totp", {"code": "000000"}, page="/dashboard/account")
    assert "does not match" in client.get("/dashboard/account").get_data(as_text=True)
    now = runtime.clock()
    post_form(client, "/dashboard/account/totp", {"code": totp.at(now)}, page="/dashboard/account")
    assert "Two-step sign-in</dt><dd>on" in client.get("/dashboard/account").get_data(as_text=True)
    post_form(client, "/dashboard/logout")

    response = sign_in(client, "ana@example.org")
    assert response.headers["Location"].endswith("/dashboard/login/code")
    assert client.get("/dashboard/queue").status_code == 302  # the password alone opens nothing
    token = csrf_token(client, "/dashboard/login/code")
    assert (
        client.post("/dashboard/login/code", data={"code": "123456", "csrf_token": token}).status_code == 401
    )
    code = totp.at(runtime.clock())
    assert client.post("/dashboard/login/code", data={"code": code, "csrf_token": token}).status_code == 302
    assert client.get("/dashboard/queue").status_code == 200
    post_form(client, "/dashboard/logout")

    # The same code seen over a shoulder cannot open a second session.
    sign_in(client, "ana@example.org")
    token = csrf_token(client, "/dashboard/login/code")
    assert client.post("/dashboard/login/code", data={"code": code, "csrf_token": token}).status_code == 401


def test_a_form_post_without_its_csrf_token_is_refused_and_changes_nothing(client, runtime, phones):
    peer_id = phones.add_peer(PEER_PHONE, "Rosalind Peer", "alcohol")
    make_account(runtime, "ana@example.org", "coordinator")
    sign_in(client, "ana@example.org")
    response = client.post(f"/dashboard/peers/{peer_id}/pause")
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    forged = client.post(f"/dashboard/peers/{peer_id}/pause", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    with runtime.db.session() as session:
        assert session.get_one(Peer, peer_id).status == "available"
    # With the page's token the same post works.
    assert post_form(client, f"/dashboard/peers/{peer_id}/pause", page="/dashboard/peers").status_code == 302
    with runtime.db.session() as session:
        assert session.get_one(Peer, peer_id).status == "off"  # no offers until resumed


def test_every_dashboard_route_without_a_session_shows_the_login_page_and_no_data(app, client, busy_line):
    rules = _dashboard_rules(app)
    assert len(rules) >= 20
    public = {"/dashboard/login", "/dashboard/login/code", "/dashboard/logout"}
    token = csrf_token(client)  # what any visitor of the login page holds
    for rule in rules:
        path = _path(rule)
        if rule.rule in public:
            continue
        response = (
            client.post(path, data={"csrf_token": token}) if "GET" not in rule.methods else client.get(path)
        )
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/dashboard/login"), path
        landing = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Sign in" in landing, path
        for secret in ("Rosalind", "0002", "9876", "alcohol"):
            assert secret not in response.get_data(as_text=True) + landing, (path, secret)


def test_only_supervisors_read_transcripts_and_each_reading_is_audited(client, runtime, busy_line):
    with runtime.db.session() as session:
        conversation_id = session.scalars(select(PeerRequest.conversation_id)).one()
    make_account(runtime, "coord@example.org", "coordinator")
    supervisor = make_account(runtime, "super@example.org", "supervisor")
    path = f"/dashboard/conversations/{conversation_id}/transcript"

    sign_in(client, "coord@example.org")
    assert client.get(path).status_code == 403
    assert "Read the transcript" not in client.get(f"/dashboard/conversations/{conversation_id}").get_data(
        as_text=True
    )
    post_form(client, "/dashboard/logout")

    sign_in(client, "super@example.org")
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "0002" in text and SEEKER not in text  # the last four digits at most
    with runtime.db.session() as session:
        reads = session.scalars(select(AuditEvent).where(AuditEvent.action == "transcript_read")).all()
        assert [(e.actor, e.subject_id) for e in reads] == [(f"coordinator:{supervisor}", conversation_id)]


def test_roles_guard_peer_editing_and_accounts(client, runtime, phones):
    peer_id = phones.add_peer(PEER_PHONE, "Rosalind Peer", "alcohol")
    make_account(runtime, "coord@example.org", "coordinator")
    make_account(runtime, "admin@example.org", "admin")
    sign_in(client, "coord@example.org")
    edit = {"topics": "grief", "shifts": ""}
    assert (
        post_form(client, f"/dashboard/peers/{peer_id}/edit", edit, page="/dashboard/peers").status_code
        == 403
    )
    assert client.get("/dashboard/accounts").status_code == 403
    post_form(client, "/dashboard/logout")

    sign_in(client, "admin@example.org")
    assert client.get("/dashboard/accounts").status_code == 200
    made = post_form(
        client,
        "/dashboard/accounts",
        {"email": "new@example.org", "role": "supervisor", "password": "another long password"},
        page="/dashboard/accounts",
    )
    assert made.status_code == 302
    post_form(client, "/dashboard/logout")
    assert sign_in(client, "new@example.org", "another long password").status_code == 302


def test_security_headers(client, runtime):
    make_account(runtime, "ana@example.org", "coordinator")
    sign_in(client, "ana@example.org")
    headers = client.get("/dashboard/queue").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # plain http in tests: HSTS would be wrong here

    runtime.settings = dataclasses.replace(runtime.settings, env="production")
    production = create_app(runtime=runtime).test_client()
    assert "max-age" in production.get("/dashboard/login").headers["Strict-Transport-Security"]


def test_password_change_signs_out_other_sessions(app, client, runtime):
    make_account(runtime, "ana@example.org", "coordinator")
    other = app.test_client()
    sign_in(other, "ana@example.org")
    sign_in(client, "ana@example.org")
    changed = post_form(
        client,
        "/dashboard/account/password",
        {"current": PASSWORD, "new": "a brand new long password"},
        page="/dashboard/account",
    )
    assert changed.status_code == 302
    assert client.get("/dashboard/queue").status_code == 200  # this browser stays signed in
    assert other.get("/dashboard/queue").status_code == 302
