"""Fault injection for the Twilio stand-in (a test control, not Twilio's API): fail or misdeliver."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from service.web.dev.signed_webhooks import OUTCOMES
from service.web.dev.standin_store import current_store

bp = Blueprint("dev_twilio_faults", __name__, url_prefix="/dev/twilio")
# HTTP status a create fails with -> Twilio's error code and message for it.
HTTP_FAULTS = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


@bp.post("/_faults")
def faults() -> tuple[Response, int]:
    """Fail the next `count` creates with HTTP `status`, or end the next `count` sends as `delivery`."""
    data = request.get_json(silent=True) if request.is_json else None
    count = data.get("count") if isinstance(data, dict) else None
    if not isinstance(data, dict) or type(count) is not int or count < 0:
        return jsonify(error='send JSON {"status": 429|500|503, "count": N} or {"delivery": ...}'), 400
    status, delivery = data.get("status"), data.get("delivery")
    if status in HTTP_FAULTS and delivery is None:
        current_store().set_fault("create", str(status), count)
    elif delivery in OUTCOMES and status is None:
        current_store().set_fault("delivery", delivery, count)
    else:
        choices = f"status must be one of {sorted(HTTP_FAULTS)}, delivery one of {sorted(OUTCOMES)}"
        return jsonify(error=choices), 400
    return jsonify(status=status, delivery=delivery, count=count), 200


def injected_failure() -> tuple[int, int, str] | None:
    """Use up one injected create failure: (HTTP status, Twilio code, message), or None."""
    fault = current_store().take_fault("create")
    if fault is None:
        return None
    status = int(fault)
    return (status, *HTTP_FAULTS[status])
