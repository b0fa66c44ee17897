"""Send SMS through Twilio's REST API with the official client (or the dev stand-in)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
OPTED_OUT_ERROR = 21610  # "Attempt to send to unsubscribed recipient"


@dataclass(frozen=True)
class SendResult:
    sid: str
    status: str


class TwilioSender:
    """A thin wrapper so callers never build clients or URLs themselves."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        api_base_url: str,
        timeout: float = 10.0,
        http_client: HttpClient | None = None,
    ) -> None:
        transport = http_client or TwilioHttpClient(timeout=timeout)
        self.client = Client(account_sid, auth_token, http_client=transport)
        # Point the Api domain at the configured base (Twilio's own, or the dev stand-in).
        self.client.api.base_url = api_base_url

    def warm_up(self) -> None:
        """Import the Messages API modules now (the client imports them on first use)."""
        _ = self.client.api.v2010.account.messages

    def send(self, to: str, from_: str, body: str, status_callback: str) -> SendResult:
        message = self.client.messages.create(to=to, from_=from_, body=body, status_callback=status_callback)
        return SendResult(sid=str(message.sid), status=str(message.status))

    def find_sent(
        self, to: str, from_: str, body: str, since: datetime, exclude: Collection[str] = ()
    ) -> SendResult | None:
        """Find a message Twilio took from us since `since` that we have not recorded yet."""
        for message in self.client.messages.list(to=to, from_=from_, date_sent_after=since, limit=100):
            created = message.date_created
            if message.body == body and message.sid not in exclude and (created is None or created >= since):
                return SendResult(sid=str(message.sid), status=str(message.status))
        return None


def is_retryable(error: TwilioRestException) -> bool:
    return error.status in RETRYABLE_STATUS
