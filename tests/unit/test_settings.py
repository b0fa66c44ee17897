from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from service.adapters.settings import SECRETS, SettingsError, load_settings

PRODUCTION = {
    "PEERLINE_ENV": "production",
    "DATABASE_URL": "postgresql+psycopg://db/peerline",
    "REDIS_URL": "redis://redis:6379/0",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "PEERLINE_SECRET_KEY": "secret",
    "PEERLINE_DATA_KEY": "data",
    "PEERLINE_NUMBERS": "+15005550006, +15005550007",
    "PUBLIC_BASE_URL": "https://line.example.org/",
}


def test_production_with_everything_set(tmp_path):
    settings = load_settings(environ={**PRODUCTION, "PEERLINE_DATA_DIR": str(tmp_path)}, env_file=None)
    assert settings.numbers == ("+15005550006", "+15005550007")
    assert settings.public_base_url == "https://line.example.org"
    assert settings.twilio_api_base_url == "https://api.twilio.com"


@pytest.mark.parametrize(
    "missing", ["PEERLINE_DATA_KEY", "TWILIO_AUTH_TOKEN", "DATABASE_URL", "PUBLIC_BASE_URL"]
)
def test_production_refuses_to_start_and_names_the_missing_setting(tmp_path, missing):
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        load_settings(environ={**environ, "PEERLINE_DATA_DIR": str(tmp_path)}, env_file=None)


def test_dev_generates_secrets_once_and_keeps_them_private(tmp_path):
    environ = {"PEERLINE_ENV": "dev", "PEERLINE_DATA_DIR": str(tmp_path)}
    first = load_settings(environ=environ, env_file=None)
    second = load_settings(environ=environ, env_file=None)
    assert first.data_key and first.secret_key and first.twilio_auth_token
    assert first.twilio_account_sid.startswith("AC") and len(first.twilio_account_sid) == 34
    assert (first.data_key, first.twilio_auth_token) == (second.data_key, second.twilio_auth_token)
    kept = tmp_path / "dev-secrets.json"
    assert set(json.loads(kept.read_text())) == set(SECRETS)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'peerline.db'}"
    assert first.redis_url is None  # the embedded Redis
    assert first.twilio_api_base_url == "http://127.0.0.1:5000/dev/twilio"


def test_environment_wins_over_dot_env_file(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("PEERLINE_SEND_RATE=5\nPEERLINE_NUMBERS=+15005550001\n")
    environ = {"PEERLINE_ENV": "dev", "PEERLINE_DATA_DIR": str(tmp_path), "PEERLINE_NUMBERS": "+15005550002"}
    settings = load_settings(environ=environ, env_file=str(env_file))
    assert settings.send_rate_per_number == 5.0
    assert settings.numbers == ("+15005550002",)


@pytest.mark.parametrize(
    ("name", "value"),
    [("PEERLINE_SEND_RATE", "fast"), ("PEERLINE_ENV", "staging"), ("PEERLINE_SEND_RATE", "0")],
)
def test_bad_values_are_named(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings(environ={"PEERLINE_DATA_DIR": str(tmp_path), name: value}, env_file=None)


def test_the_dashboard_time_zone_and_the_wait_alert_have_defaults_and_can_be_set(tmp_path):
    default = load_settings(environ={"PEERLINE_DATA_DIR": str(tmp_path)}, env_file=None)
    assert (default.timezone, default.wait_alert_minutes) == ("America/New_York", 3)
    assert datetime(2026, 7, 1, 16, tzinfo=UTC).astimezone(default.zone).hour == 12  # EDT
    chosen = load_settings(
        environ={
            "PEERLINE_DATA_DIR": str(tmp_path),
            "PEERLINE_TIMEZONE": "America/Chicago",
            "PEERLINE_WAIT_ALERT_MINUTES": "4",
        },
        env_file=None,
    )
    assert (chosen.zone, chosen.wait_alert_minutes) == (ZoneInfo("America/Chicago"), 4)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PEERLINE_TIMEZONE", "Mars/Olympus_Mons"),
        ("PEERLINE_TIMEZONE", "../../etc/passwd"),
        ("PEERLINE_TIMEZONE", "EST5EDT,M3.2.0,M11.1.0"),
        ("PEERLINE_WAIT_ALERT_MINUTES", "soon"),
        ("PEERLINE_WAIT_ALERT_MINUTES", "0"),
    ],
)
def test_a_bad_time_zone_or_wait_alert_stops_the_start_and_is_named(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name) as refused:
        load_settings(environ={"PEERLINE_DATA_DIR": str(tmp_path), name: value}, env_file=None)
    assert repr(value) in str(refused.value)
