"""Check request parameters against the vendored extract of Twilio's OpenAPI description.

A deliberately small validator: form and query values are strings, so it covers what Twilio's
Messages parameters use (type, enum, pattern, lengths, bounds, formats, `$ref`) and no more.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

SPEC_FILE = "twilio_messages_openapi.json"
LIST_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
INSTANCE_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
CHANNEL_ADDRESS = re.compile(r"^[a-z][a-z0-9-]*:\S+$")  # whatsapp:+1555..., messenger:..., rcs:...
SHORT_CODE = re.compile(r"^\d{3,8}$")
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


@functools.cache
def spec() -> dict[str, Any]:
    """The vendored Messages extract (read on first use, never at import)."""
    text = resources.files(__package__).joinpath(SPEC_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec()["components"]["schemas"][name]
    return schema


def create_schema() -> dict[str, Any]:
    """CreateMessageRequest: the form body of POST Messages.json."""
    body = spec()["paths"][LIST_PATH]["post"]["requestBody"]["content"]
    schema: dict[str, Any] = body["application/x-www-form-urlencoded"]["schema"]
    return schema


def query_schema(path: str, method: str) -> dict[str, Any]:
    """An operation's query parameters, shaped as an object schema."""
    parameters = [p for p in spec()["paths"][path][method]["parameters"] if p["in"] == "query"]
    return {
        "properties": {p["name"]: p["schema"] for p in parameters},
        "required": [p["name"] for p in parameters if p.get("required")],
    }


def parameter_schema(path: str, method: str, name: str) -> dict[str, Any]:
    """The schema of one named parameter of an operation."""
    for parameter in spec()["paths"][path][method]["parameters"]:
        if parameter["name"] == name:
            schema: dict[str, Any] = parameter["schema"]
            return schema
    raise KeyError(name)


def parse_date_time(raw: str) -> tuple[datetime, bool] | None:
    """ISO 8601 or RFC 2822 (both of which Twilio takes) as UTC; True when only a date was given."""
    try:
        moment = datetime.fromisoformat(raw)
        date_only = len(raw) == 10
    except ValueError:
        try:
            moment, date_only = parsedate_to_datetime(raw), False
        except (TypeError, ValueError):
            return None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment, date_only


def _format_ok(name: str, raw: str) -> bool:
    if name == "phone-number":
        return any(p.match(raw) for p in (E164, CHANNEL_ADDRESS, SHORT_CODE, ALPHANUMERIC_SENDER))
    if name == "uri":
        parts = urlsplit(raw)
        # Twilio: "URL must contain a valid hostname and underscores are not allowed".
        return parts.scheme in ("http", "https") and bool(parts.hostname) and "_" not in parts.netloc
    if name == "date-time":
        return parse_date_time(raw) is not None
    return True  # formats with no rule here (int64, ...) are not checked


def value_ok(schema: dict[str, Any], raw: str) -> bool:
    """Whether one form or query string satisfies a (scalar) schema."""
    schema = resolve(schema)
    kind = schema.get("type", "string")
    number: float | None = None
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", raw):
            return False
        number = int(raw)
    elif kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return False
        if not math.isfinite(number):
            return False
    elif kind == "boolean":
        return raw.lower() in ("true", "false")
    elif kind != "string":
        return False  # objects and nested arrays cannot come as one form value
    if "enum" in schema and raw not in schema["enum"]:
        return False
    if number is not None:
        return bool(schema.get("minimum", number) <= number <= schema.get("maximum", number))
    if not schema.get("minLength", 0) <= len(raw) <= schema.get("maxLength", len(raw)):
        return False
    if "pattern" in schema and not re.search(schema["pattern"], raw):
        return False
    ignore_format = bool(schema.get("x-twilio", {}).get("ignoreFormat", False))
    return ignore_format or _format_ok(schema.get("format", ""), raw)


@dataclass(frozen=True)
class Problem:
    name: str
    reason: str  # "unknown", "missing", "repeated" or "invalid"


def check_params(schema: dict[str, Any], params: MultiDict[str, str]) -> Problem | None:
    """The first way `params` break an object schema of string-valued properties, if any."""
    properties: dict[str, Any] = schema["properties"]
    for name in params:
        if name not in properties:
            return Problem(name, "unknown")
    for name, prop in properties.items():
        values = params.getlist(name)
        if not values:
            if name in schema.get("required", ()):
                return Problem(name, "missing")
            continue
        prop = resolve(prop)
        if prop.get("type") == "array":
            if not all(value_ok(prop.get("items", {}), value) for value in values):
                return Problem(name, "invalid")
        elif len(values) > 1:
            return Problem(name, "repeated")
        elif not value_ok(prop, values[0]):
            return Problem(name, "invalid")
    return None
