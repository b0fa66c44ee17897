"""Shape stored messages as Twilio's Message resource and its list pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from service.web.dev.openapi_params import parse_date_time
from service.web.dev.standin_store import Filters, stamp

API_VERSION = "2010-04-01"
ERROR_MESSAGES = {
    30003: "Unreachable destination handset",
    30008: "Unknown error",
}
FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")
DEFAULT_PAGE_SIZE = 50


def rfc2822(stamped: str | None) -> str | None:
    """Twilio's date style: 'Thu, 24 Aug 2023 05:01:45 +0000'."""
    if stamped is None:
        return None
    return format_datetime(datetime.fromisoformat(stamped).replace(tzinfo=UTC))


def messages_uri(account_sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages"


def message_resource(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored message as the `api.v2010.account.message` schema describes it."""
    base = f"{messages_uri(row['account_sid'])}/{row['sid']}"
    return {
        "account_sid": row["account_sid"],
        "api_version": API_VERSION,
        "body": row["body"],
        "date_created": rfc2822(row["created"]),
        "date_sent": rfc2822(row["sent"]),
        "date_updated": rfc2822(row["updated"]),
        "direction": row["direction"],
        "error_code": row["error_code"],
        "error_message": ERROR_MESSAGES.get(row["error_code"]) if row["error_code"] else None,
        "from": row["from_number"],
        "messaging_service_sid": row["messaging_service_sid"],
        "num_media": str(row["num_media"]),
        "num_segments": str(row["num_segments"]),
        "price": None,
        "price_unit": "USD",
        "sid": row["sid"],
        "status": row["status"],
        "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
        "to": row["to_number"],
        "uri": f"{base}.json",
    }


def _bound(raw: str, end_of_day: bool) -> str | None:
    parsed = parse_date_time(raw)
    if parsed is None:
        return None
    moment, date_only = parsed
    if date_only and end_of_day:
        moment = datetime.combine(moment.date(), time.max, UTC)
    return stamp(moment)


def filters_from(args: Mapping[str, str]) -> Filters | None:
    """The list filters in a query (dates inclusive, a bare date meaning the whole day); None if bad."""
    sent_from = sent_until = None
    if "DateSent" in args:
        parsed = parse_date_time(args["DateSent"])
        if parsed is None:
            return None
        day = parsed[0].date()
        sent_from = stamp(datetime.combine(day, time.min, UTC))
        sent_until = stamp(datetime.combine(day, time.min, UTC) + timedelta(days=1, microseconds=-1))
    for name, end_of_day in (("DateSent>", False), ("DateSent<", True)):
        if name in args:
            bound = _bound(args[name], end_of_day)
            if bound is None:
                return None
            if end_of_day:
                sent_until = min(filter(None, (sent_until, bound)))
            else:
                sent_from = max(filter(None, (sent_from, bound)))
    return Filters(to=args.get("To"), from_=args.get("From"), sent_from=sent_from, sent_until=sent_until)


def list_page(
    account_sid: str,
    args: Mapping[str, str],
    rows: list[dict[str, Any]],
    page: int,
    page_size: int,
    has_next: bool,
) -> dict[str, Any]:
    """A list page with Twilio's paging fields; page URIs carry the same filters."""
    kept = [(name, args[name]) for name in FILTERS if name in args]

    def uri(page_number: int, token: str | None = None) -> str:
        query = [*kept, ("PageSize", str(page_size)), ("Page", str(page_number))]
        query += [("PageToken", token)] if token else []
        return f"{messages_uri(account_sid)}.json?{urlencode(query)}"

    start = page * page_size
    return {
        "messages": [message_resource(row) for row in rows],
        "page": page,
        "page_size": page_size,
        "start": start,
        "end": start + len(rows) - 1 if rows else start,
        "uri": uri(page, args.get("PageToken")),
        "first_page_uri": uri(0),
        "next_page_uri": uri(page + 1, "PA" + rows[-1]["sid"]) if has_next and rows else None,
        "previous_page_uri": uri(page - 1, "PB" + rows[0]["sid"]) if page > 0 and rows else None,
    }
