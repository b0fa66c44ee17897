"""Dashboard accounts and a signed-in test client, the way a browser signs in (CSRF token included)."""

from __future__ import annotations

import re

from service.adapters import accounts

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_account(rt, email: str, role: str, password: str = PASSWORD) -> int:
    with rt.db.session() as session:
        return accounts.create(session, email=email, role=role, password=password, now=rt.clock()).id


def csrf_token(client, path: str = "/dashboard/login") -> str:
    page = client.get(path)
    found = CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client, email: str, password: str = PASSWORD, **extra: str):
    return client.post(
        "/dashboard/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client), **extra},
    )


def post_form(client, path: str, data: dict[str, str] | None = None, *, page: str = "/dashboard/queue"):
    """Post a dashboard form with the token a signed-in page carries."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf_token(client, page)})
