"""Settings from the environment (and `.env`), with dev secrets kept in the data dir."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

ENVIRONMENTS = ("dev", "test", "production")
TWILIO_API = "https://api.twilio.com"
# Secrets that production must be given and dev generates once, with how to make one.
SECRETS: dict[str, Callable[[], str]] = {
    "TWILIO_ACCOUNT_SID": lambda: "AC" + secrets.token_hex(16),
    "TWILIO_AUTH_TOKEN": lambda: secrets.token_hex(16),
    "PEERLINE_SECRET_KEY": lambda: secrets.token_urlsafe(32),
    "PEERLINE_DATA_KEY": lambda: secrets.token_urlsafe(32),
}
REQUIRED_IN_PRODUCTION = (*SECRETS, "DATABASE_URL", "REDIS_URL", "PEERLINE_NUMBERS", "PUBLIC_BASE_URL")
# Every setting PeerLine reads, for docs and for checking deployment files against.
SETTING_NAMES = (
    "PEERLINE_ENV",
    "PEERLINE_DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_BASE_URL",
    "PEERLINE_NUMBERS",
    "PUBLIC_BASE_URL",
    "PEERLINE_SECRET_KEY",
    "PEERLINE_DATA_KEY",
    "PEERLINE_ONCALL_NUMBERS",
    "PEERLINE_DEMO_PEERS",
    "PEERLINE_TRUSTED_PROXY_HOPS",
    "PEERLINE_SEND_RATE",
    "PEERLINE_WORKERS",
    "PEERLINE_PORT",
    "PEERLINE_LOG_LEVEL",
    "PEERLINE_FLOWS_DIR",
    "PEERLINE_OFFER_STRATEGY",
    "PEERLINE_OFFER_FANOUT",
    "PEERLINE_OFFER_ACCEPT_MINUTES",
    "PEERLINE_WIDEN_AFTER_REFUSALS",
    "PEERLINE_CRISIS_COOLDOWN_MINUTES",
    "PEERLINE_RETENTION_DAYS",
    "PEERLINE_RATE_LIMIT_PER_MINUTE",
    "PEERLINE_WAIT_ALERT_MINUTES",
    "PEERLINE_TIMEZONE",
)
OFFER_STRATEGIES = ("sequential", "fanout")
# The shipped flows: the checkout's flows/ directory (the image sets PEERLINE_FLOWS_DIR).
SHIPPED_FLOWS = Path(__file__).resolve().parents[2] / "flows"
DEV_NUMBER = "+15005550006"  # Twilio's magic "valid" test number: never a real person
DEV_ONCALL = "+15550109999"  # dev: the on-call coordinator's phone, on the dev phone's list
DEV_PORT = 5000
DEFAULT_TIMEZONE = "America/New_York"


class SettingsError(Exception):
    """The configuration cannot run: the message names the setting and what to do."""


@dataclass(frozen=True)
class Settings:
    env: str
    data_dir: Path
    database_url: str
    redis_url: str | None  # None: PeerLine starts its own embedded Redis
    twilio_account_sid: str
    twilio_auth_token: str  # empty: every webhook is refused
    twilio_api_base_url: str
    numbers: tuple[str, ...]
    public_base_url: str
    secret_key: str
    data_key: str
    oncall_numbers: tuple[str, ...] = ()
    demo_peers: bool = True
    trusted_proxy_hops: int = 0
    send_rate_per_number: float = 1.0
    workers: int = 2
    log_level: str = "INFO"
    port: int = DEV_PORT  # where `peerline dev` serves
    flows_dir: Path = SHIPPED_FLOWS
    # Matching: one peer at a time, or K at once (the first to accept wins).
    offer_strategy: str = "sequential"
    offer_fanout: int = 3
    offer_accept_minutes: int = 2
    widen_after_refusals: int = 2  # then related topics too
    crisis_cooldown_minutes: int = 60  # no offers to a peer for this long after a crisis talk
    retention_days: int = 30  # message bodies older than this are purged (daily, and `peerline purge`)
    rate_limit_per_minute: int = 12  # texts from one phone handled per minute; the rest wait their turn
    # A seeker waiting for a peer longer than this alerts coordinators: before the flow's own 5-minute
    # search ends with "no peer free", so a coordinator can still assign someone.
    wait_alert_minutes: int = 3
    timezone: str = DEFAULT_TIMEZONE  # the dashboard's days and hours

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    @property
    def zone(self) -> ZoneInfo:
        """The dashboard's time zone (checked when the settings were read)."""
        return ZoneInfo(self.timezone)


def flows_dir(setting: str | None) -> Path:
    """PEERLINE_FLOWS_DIR, or the shipped flows."""
    return Path(setting or SHIPPED_FLOWS).resolve()


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _dev_secrets(data_dir: Path) -> dict[str, str]:
    """Load the dev secrets, generating and keeping any that are missing (mode 0600)."""
    path = data_dir / "dev-secrets.json"
    kept: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = {name: make() for name, make in SECRETS.items() if name not in kept}
    if missing:
        kept.update(missing)
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(kept, indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)
    return kept


def _number(name: str, value: str, default: float, minimum: float) -> float:
    try:
        parsed = float(value) if value else default
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {value!r}") from None
    if parsed < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value!r}")
    return parsed


def load_settings(environ: Mapping[str, str] | None = None, env_file: str | None = ".env") -> Settings:
    """Read settings: the process environment wins over `.env`; dev fills in its own secrets."""
    values: dict[str, str] = {}
    if env_file and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    get = values.get

    env = get("PEERLINE_ENV", "dev") or "dev"
    if env not in ENVIRONMENTS:
        raise SettingsError(f"PEERLINE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    data_dir = Path(get("PEERLINE_DATA_DIR") or "var").resolve()

    if env == "production":
        missing = [name for name in REQUIRED_IN_PRODUCTION if not get(name)]
        if missing:
            raise SettingsError("production needs these settings, which are not set: " + ", ".join(missing))
    elif env == "dev":
        values = {**_dev_secrets(data_dir), **{k: v for k, v in values.items() if v}}
        get = values.get

    for name in ("PEERLINE_DATA_KEY", "PEERLINE_SECRET_KEY"):
        if not get(name):
            raise SettingsError(
                f"{name} is not set: give it a long random value (secrets are kept safe by it)"
            )

    port = get("PEERLINE_PORT") or str(DEV_PORT)
    return Settings(
        env=env,
        data_dir=data_dir,
        database_url=get("DATABASE_URL") or f"sqlite:///{data_dir / 'peerline.db'}",
        redis_url=get("REDIS_URL") or None,
        twilio_account_sid=get("TWILIO_ACCOUNT_SID") or "",
        twilio_auth_token=get("TWILIO_AUTH_TOKEN") or "",
        twilio_api_base_url=(
            get("TWILIO_API_BASE_URL")
            or (f"http://127.0.0.1:{port}/dev/twilio" if env == "dev" else TWILIO_API)
        ).rstrip("/"),
        numbers=_split(get("PEERLINE_NUMBERS") or (DEV_NUMBER if env != "production" else "")),
        public_base_url=(get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        secret_key=get("PEERLINE_SECRET_KEY") or "",
        data_key=get("PEERLINE_DATA_KEY") or "",
        oncall_numbers=_split(get("PEERLINE_ONCALL_NUMBERS") or (DEV_ONCALL if env == "dev" else "")),
        demo_peers=(get("PEERLINE_DEMO_PEERS") or "1") != "0",
        trusted_proxy_hops=int(
            _number("PEERLINE_TRUSTED_PROXY_HOPS", get("PEERLINE_TRUSTED_PROXY_HOPS", ""), 0, 0)
        ),
        send_rate_per_number=_number("PEERLINE_SEND_RATE", get("PEERLINE_SEND_RATE", ""), 1.0, 0.01),
        workers=int(_number("PEERLINE_WORKERS", get("PEERLINE_WORKERS", ""), 2, 1)),
        log_level=(get("PEERLINE_LOG_LEVEL") or "INFO").upper(),
        port=int(_number("PEERLINE_PORT", port, DEV_PORT, 1)),
        flows_dir=flows_dir(get("PEERLINE_FLOWS_DIR")),
        offer_strategy=_strategy(get("PEERLINE_OFFER_STRATEGY") or "sequential"),
        offer_fanout=int(_number("PEERLINE_OFFER_FANOUT", get("PEERLINE_OFFER_FANOUT", ""), 3, 1)),
        offer_accept_minutes=int(
            _number("PEERLINE_OFFER_ACCEPT_MINUTES", get("PEERLINE_OFFER_ACCEPT_MINUTES", ""), 2, 1)
        ),
        widen_after_refusals=int(
            _number("PEERLINE_WIDEN_AFTER_REFUSALS", get("PEERLINE_WIDEN_AFTER_REFUSALS", ""), 2, 0)
        ),
        crisis_cooldown_minutes=int(
            _number("PEERLINE_CRISIS_COOLDOWN_MINUTES", get("PEERLINE_CRISIS_COOLDOWN_MINUTES", ""), 60, 0)
        ),
        retention_days=int(_number("PEERLINE_RETENTION_DAYS", get("PEERLINE_RETENTION_DAYS", ""), 30, 1)),
        rate_limit_per_minute=int(
            _number("PEERLINE_RATE_LIMIT_PER_MINUTE", get("PEERLINE_RATE_LIMIT_PER_MINUTE", ""), 12, 1)
        ),
        wait_alert_minutes=int(
            _number("PEERLINE_WAIT_ALERT_MINUTES", get("PEERLINE_WAIT_ALERT_MINUTES", ""), 3, 1)
        ),
        timezone=_timezone(get("PEERLINE_TIMEZONE") or DEFAULT_TIMEZONE),
    )


def _strategy(value: str) -> str:
    if value not in OFFER_STRATEGIES:
        raise SettingsError(
            f"PEERLINE_OFFER_STRATEGY must be one of {', '.join(OFFER_STRATEGIES)}, not {value!r}"
        )
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SettingsError(
            f"PEERLINE_TIMEZONE must be an IANA time zone such as {DEFAULT_TIMEZONE}, not {value!r}"
        ) from None
    return value
