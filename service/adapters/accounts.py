"""Dashboard accounts: argon2id passwords, an optional TOTP second factor, server-side sessions.

A session's cookie carries a random token; the database keeps only its SHA-256 (the token is 256
random bits, so a plain hash is as good as a keyed one), and logging out deletes the row.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from service.adapters.crypto import DataCipher
from service.adapters.models import Coordinator, DashboardSession

ROLES = ("coordinator", "supervisor", "admin")  # each can do what the ones before it can
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; this only stops absurd posts
IDLE_LIMIT = timedelta(hours=8)  # a browser left alone this long must sign in again
SESSION_LIMIT = timedelta(hours=24)  # and every session ends after a day, used or not
TOTP_CONTEXT = b"totp"
ISSUER = "PeerLine"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """An account request that cannot be carried out; the message says why."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when no account matches, so a wrong email costs as long as a wrong password."""
    return _hasher().hash(secrets.token_urlsafe(16))


def can(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise AccountError(f"{email!r} is not an email address")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must be at most {MAX_PASSWORD} characters")


def create(session: Session, *, email: str, role: str, password: str, now: datetime) -> Coordinator:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    check_password(password)
    if session.scalar(select(Coordinator.id).where(Coordinator.email == email)) is not None:
        raise AccountError(f"an account for {email} already exists")
    account = Coordinator(
        email=email, role=role, password_hash=_hasher().hash(password), active=True, created_at=now
    )
    session.add(account)
    session.flush()
    return account


def set_password(account: Coordinator, password: str) -> None:
    check_password(password)
    account.password_hash = _hasher().hash(password)


def authenticate(session: Session, email: str, password: str) -> Coordinator | None:
    """The active account these credentials open, or None (same work either way)."""
    account = session.scalar(select(Coordinator).where(Coordinator.email == email.strip().lower()))
    stored = account.password_hash if account is not None and account.active else _dummy_hash()
    try:
        _hasher().verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account.active:
        return None
    if _hasher().check_needs_rehash(account.password_hash):  # parameters raised since it was set
        account.password_hash = _hasher().hash(password)
    return account


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def totp_matches(secret: str, code: str, now: datetime) -> bool:
    """A 6-digit code for now, or the 30 s step either side (phone clocks drift)."""
    code = re.sub(r"\s", "", code)
    return bool(re.fullmatch(r"\d{6}", code)) and pyotp.TOTP(secret).verify(
        code, for_time=now, valid_window=1
    )


def enable_totp(account: Coordinator, cipher: DataCipher, secret: str, code: str, now: datetime) -> None:
    if not totp_matches(secret, code, now):
        raise AccountError("that code does not match; check the phone's clock and try the newest code")
    account.totp_cipher = cipher.encrypt(secret, TOTP_CONTEXT)


def totp_secret(account: Coordinator, cipher: DataCipher) -> str | None:
    return cipher.decrypt(account.totp_cipher, TOTP_CONTEXT) if account.totp_cipher else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, account: Coordinator, now: datetime) -> str:
    """A new session for a fresh sign-in; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        DashboardSession(
            token_hash=_token_hash(token), coordinator_id=account.id, created_at=now, last_seen_at=now
        )
    )
    account.last_login_at = now
    # Sessions past their limits are of no use to anyone: tidy them as we go.
    session.execute(
        delete(DashboardSession).where(
            (DashboardSession.last_seen_at < now - IDLE_LIMIT)
            | (DashboardSession.created_at < now - SESSION_LIMIT)
        )
    )
    return token


def session_account(session: Session, token: str, now: datetime) -> Coordinator | None:
    """The active account signed in with this token, or None (unknown, expired or logged out)."""
    row = session.get(DashboardSession, _token_hash(token))
    if row is None:
        return None
    if row.last_seen_at < now - IDLE_LIMIT or row.created_at < now - SESSION_LIMIT:
        session.delete(row)
        return None
    account = session.get(Coordinator, row.coordinator_id)
    if account is None or not account.active:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # not a write on every live refresh
        row.last_seen_at = now
    return account


def close_session(session: Session, token: str) -> None:
    session.execute(delete(DashboardSession).where(DashboardSession.token_hash == _token_hash(token)))


def end_all_sessions(session: Session, account_id: int) -> None:
    """Sign the account out everywhere (deactivated, or its password changed)."""
    session.execute(delete(DashboardSession).where(DashboardSession.coordinator_id == account_id))


def listing(session: Session) -> list[Coordinator]:
    return list(session.scalars(select(Coordinator).order_by(func.lower(Coordinator.email))))
