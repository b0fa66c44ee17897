"""Signing in and out of the dashboard, and the guard every dashboard page sits behind.

The Flask cookie holds only a random session token (and the CSRF secret); the account behind it is
looked up on every request, so logging out or deactivating an account ends its sessions at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from service.adapters import accounts, contacts
from service.adapters.models import Coordinator
from service.adapters.runtime import Runtime

bp = Blueprint("signin", __name__, url_prefix="/dashboard")
F = TypeVar("F", bound=Callable[..., Any])
TOKEN, PENDING = "dashboard_token", "dashboard_pending"  # keys in the signed cookie
MAX_FAILURES_PER_ACCOUNT = 5  # per FAILURE_WINDOW: then that email waits
MAX_FAILURES_PER_ADDRESS = 30  # per FAILURE_WINDOW from one network address, whatever the email
FAILURE_WINDOW = 15 * 60
TOO_MANY = "Too many failed sign-ins. Wait 15 minutes, or ask an admin to check your account."


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["peerline"]
    return rt


def me() -> Coordinator:
    """The signed-in account (pages only run once `guard` has found it)."""
    account: Coordinator = g.coordinator
    return account


def actor() -> str:
    return f"coordinator:{me().id}"


def audit(action: str, subject_type: str, subject_id: int | None) -> None:
    rt = runtime()
    with rt.db.session() as db:
        contacts.audit(db, rt.clock(), actor(), action, subject_type, subject_id)


def requires(role: str) -> Callable[[F], F]:
    """Refuse (403) the view to accounts below `role`."""

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not accounts.can(me().role, role):
                abort(403, description=f"This needs the {role} role.")
            return view(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def guard() -> ResponseReturnValue | None:
    """Before every dashboard page: a live session, else the login page (and no data)."""
    token = session.get(TOKEN)
    account = None
    if isinstance(token, str):
        rt = runtime()
        with rt.db.session() as db:
            account = accounts.session_account(db, token, rt.clock())
            if account is not None:
                db.expunge(account)
    if account is None:
        session.pop(TOKEN, None)
        target = request.full_path if request.method == "GET" and not is_live() else None
        return redirect(url_for("signin.login", next=target))
    g.coordinator = account
    return None


def is_live() -> bool:
    """A refresh of a page's live part (live.js), not a visit."""
    return request.headers.get("X-Live") == "1"


def _safe_next(target: str | None) -> str:
    """Only a dashboard path of ours: never an open redirect to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard/"):
            return target
    return url_for("pages.queue")


def _failure_keys(who: str) -> tuple[str, str]:
    """Counters for the account tried (`who`: an email, or an account id at the code step) and
    for the network address. Keyed hashes: no email or address appears in Redis."""
    cipher = runtime().cipher
    return (
        f"peerline:login:fail:account:{cipher.lookup_hash('login:' + who.strip().lower())}",
        f"peerline:login:fail:address:{cipher.lookup_hash('address:' + (request.remote_addr or ''))}",
    )


def _too_many_failures(who: str) -> bool:
    account_key, address_key = _failure_keys(who)
    counts = runtime().redis.mget(account_key, address_key)
    account_failures, address_failures = (int(value or 0) for value in counts)
    return account_failures >= MAX_FAILURES_PER_ACCOUNT or address_failures >= MAX_FAILURES_PER_ADDRESS


def _count_failure(who: str) -> None:
    pipe = runtime().redis.pipeline()
    for key in _failure_keys(who):
        pipe.set(key, 0, ex=FAILURE_WINDOW, nx=True)  # the window starts at the first failure
        pipe.incr(key)
    pipe.execute()


def _start_session(account_id: int) -> None:
    rt = runtime()
    with rt.db.session() as db:
        account = db.get_one(Coordinator, account_id)
        token = accounts.open_session(db, account, rt.clock())
        contacts.audit(db, rt.clock(), f"coordinator:{account.id}", "signed_in", "coordinator", account.id)
    session.clear()  # a new session: nothing from before the sign-in carries over, CSRF secret included
    session[TOKEN] = token


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("dashboard/login.html", next=request.args.get("next", ""))
    if _too_many_failures(request.form.get("email", "")):
        return render_template("dashboard/login.html", error=TOO_MANY, next=""), 429
    rt = runtime()
    with rt.db.session() as db:
        account = accounts.authenticate(db, request.form.get("email", ""), request.form.get("password", ""))
        found = (account.id, account.totp_cipher is not None) if account is not None else None
    if found is None:
        _count_failure(request.form.get("email", ""))
        error = "That email and password do not match an active account."
        return render_template("dashboard/login.html", error=error, next=request.form.get("next", "")), 401
    account_id, has_second_factor = found
    target = _safe_next(request.form.get("next"))
    if has_second_factor:
        session.clear()
        session[PENDING] = {"id": account_id, "next": target, "at": rt.clock().timestamp()}
        return redirect(url_for("signin.code"))
    _start_session(account_id)
    return redirect(target)


@bp.route("/login/code", methods=["GET", "POST"])
def code() -> ResponseReturnValue:
    """The second step for accounts with an authenticator app."""
    pending = session.get(PENDING)
    rt = runtime()
    if not isinstance(pending, dict) or rt.clock().timestamp() - float(pending.get("at", 0)) > 300:
        session.pop(PENDING, None)
        flash("Sign in again: the code step expired.")
        return redirect(url_for("signin.login"))
    if request.method == "GET":
        return render_template("dashboard/login_code.html")
    account_id = int(pending["id"])
    if _too_many_failures(f"id:{account_id}"):
        session.pop(PENDING, None)
        return render_template("dashboard/login.html", error=TOO_MANY, next=""), 429
    typed = request.form.get("code", "")
    with rt.db.session() as db:
        account = db.get_one(Coordinator, account_id)
        secret = accounts.totp_secret(account, rt.cipher)
    # A code works once: a code seen over a shoulder cannot be replayed in its 90 seconds.
    fresh = rt.redis.set(f"peerline:login:code-used:{account_id}:{typed.strip()}", 1, nx=True, ex=120)
    if secret is None or not accounts.totp_matches(secret, typed, rt.clock()) or not fresh:
        _count_failure(f"id:{account_id}")
        return render_template("dashboard/login_code.html", error="That code does not match."), 401
    _start_session(account_id)
    return redirect(_safe_next(str(pending.get("next"))))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    token = session.get(TOKEN)
    if isinstance(token, str):
        rt = runtime()
        with rt.db.session() as db:
            accounts.close_session(db, token)
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("signin.login"))
