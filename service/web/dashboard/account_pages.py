"""Your account (password, authenticator app) and, for admins, everyone's accounts."""

from __future__ import annotations

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from service.adapters import accounts
from service.adapters.models import Coordinator
from service.web.dashboard.signin import TOKEN, audit, guard, me, requires, runtime

bp = Blueprint("account_pages", __name__, url_prefix="/dashboard")
bp.before_request(guard)
# Until confirmed with a code, a new authenticator key lives in the signed cookie only.
PENDING_SECRET = "totp_pending_secret"  # noqa: S105 - a cookie key name, not a secret


@bp.get("/account")
def account() -> ResponseReturnValue:
    qr = uri = secret = None
    if me().totp_cipher is None:
        secret = session.get(PENDING_SECRET) or accounts.new_totp_secret()
        session[PENDING_SECRET] = secret
        uri = accounts.totp_uri(secret, me().email)
        qr = segno.make(uri, error="m").svg_data_uri(scale=4)
    return render_template("dashboard/account.html", secret=secret, uri=uri, qr=qr)


@bp.post("/account/totp")
def enable_totp() -> ResponseReturnValue:
    rt, secret = runtime(), session.get(PENDING_SECRET)
    if not isinstance(secret, str):
        return redirect(url_for("account_pages.account"))
    try:
        with rt.db.session() as db:
            accounts.enable_totp(
                db.get_one(Coordinator, me().id), rt.cipher, secret, request.form.get("code", ""), rt.clock()
            )
    except accounts.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("account_pages.account"))
    session.pop(PENDING_SECRET, None)
    audit("totp_enabled", "coordinator", me().id)
    flash("Two-step sign-in is on: you will be asked for a code each time you sign in.")
    return redirect(url_for("account_pages.account"))


@bp.post("/account/password")
def change_password() -> ResponseReturnValue:
    rt = runtime()
    with rt.db.session() as db:
        if accounts.authenticate(db, me().email, request.form.get("current", "")) is None:
            flash("Your current password is not right.", "error")
            return redirect(url_for("account_pages.account"))
        try:
            accounts.set_password(db.get_one(Coordinator, me().id), request.form.get("new", ""))
        except accounts.AccountError as error:
            flash(str(error).capitalize() + ".", "error")
            return redirect(url_for("account_pages.account"))
        accounts.end_all_sessions(db, me().id)  # everywhere else is signed out
        session[TOKEN] = accounts.open_session(db, db.get_one(Coordinator, me().id), rt.clock())
    audit("password_changed", "coordinator", me().id)
    flash("Password changed. Your other sessions have been signed out.")
    return redirect(url_for("account_pages.account"))


@bp.get("/accounts")
@requires("admin")
def everyone() -> ResponseReturnValue:
    with runtime().db.session() as db:
        rows = accounts.listing(db)
        for row in rows:
            db.expunge(row)
    return render_template("dashboard/accounts.html", rows=rows, roles=accounts.ROLES)


@bp.post("/accounts")
@requires("admin")
def create() -> ResponseReturnValue:
    rt = runtime()
    try:
        with rt.db.session() as db:
            made = accounts.create(
                db,
                email=request.form.get("email", ""),
                role=request.form.get("role", ""),
                password=request.form.get("password", ""),
                now=rt.clock(),
            )
            made_id, email = made.id, made.email
    except accounts.AccountError as error:
        flash(f"Not created: {error}.", "error")
        return redirect(url_for("account_pages.everyone"))
    audit("coordinator_created", "coordinator", made_id)
    flash(f"Created {email}. Give them the password by a safe route; they can add a second factor.")
    return redirect(url_for("account_pages.everyone"))


@bp.post("/accounts/<int:account_id>/deactivate")
@requires("admin")
def deactivate(account_id: int) -> ResponseReturnValue:
    if account_id == me().id:
        flash("You cannot deactivate your own account.", "error")
        return redirect(url_for("account_pages.everyone"))
    with runtime().db.session() as db:
        account = db.get(Coordinator, account_id)
        if account is None:
            flash("No such account.", "error")
            return redirect(url_for("account_pages.everyone"))
        account.active = False
        accounts.end_all_sessions(db, account_id)
    audit("coordinator_deactivated", "coordinator", account_id)
    flash("Deactivated; their sessions have ended.")
    return redirect(url_for("account_pages.everyone"))
