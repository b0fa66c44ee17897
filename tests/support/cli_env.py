"""The environment a coordinator's `peerline ...` command sees: this test's data dir, database and Redis."""

from __future__ import annotations

from service.adapters.settings import Settings
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, LINE_NUMBER, PUBLIC_BASE_URL


def cli_env(settings: Settings, **overrides: str) -> dict[str, str]:
    return {
        "PEERLINE_ENV": "test",
        "PEERLINE_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url or "",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PEERLINE_NUMBERS": LINE_NUMBER,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "PEERLINE_SECRET_KEY": settings.secret_key,
        "PEERLINE_DATA_KEY": settings.data_key,
        "PEERLINE_FLOWS_DIR": str(settings.flows_dir),
        **overrides,
    }
