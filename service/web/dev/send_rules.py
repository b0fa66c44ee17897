"""What Twilio refuses when asked to send a message: the spec's schema first, then its own rules."""

from __future__ import annotations

from collections.abc import Collection

from werkzeug.datastructures import MultiDict

from service.web.dev.openapi_params import CHANNEL_ADDRESS, E164, check_params, create_schema

MAX_BODY = 1600
# Twilio's magic test recipients: what Twilio answers when asked to text them.
MAGIC_RECIPIENTS = {
    "+15005550001": (21211, "The 'To' number is not a valid phone number."),
    "+15005550002": (21612, "The 'To' phone number is not currently reachable via SMS."),
    "+15005550003": (21408, "Permission to send an SMS has not been enabled for the 'To' number's region."),
    "+15005550004": (21610, "Attempt to send to unsubscribed recipient"),
    "+15005550009": (21614, "'To' number is not a valid mobile number"),
}
# Twilio's own codes for a bad value of these parameters; any other bad parameter gets 20001.
INVALID_PARAMETER = {"To": 21211, "From": 21212, "StatusCallback": 21609, "MediaUrl": 21620}


def refusal(form: MultiDict[str, str], line_numbers: Collection[str]) -> tuple[int, str] | None:
    """The error code and message Twilio would answer (with 400) to this create form, if any."""
    problem = check_params(create_schema(), form)
    if problem is not None and problem.reason == "missing":
        return 21604, "A 'To' phone number is required."
    if problem is not None:
        code = INVALID_PARAMETER.get(problem.name, 20001) if problem.reason == "invalid" else 20001
        return code, f"Invalid parameter: {problem.name} ({problem.reason})"
    to, from_, body = form["To"], form.get("From"), form.get("Body", "")
    if not (E164.match(to) or CHANNEL_ADDRESS.match(to)):
        return 21211, "The 'To' number is not a valid phone number."
    if not from_ and not form.get("MessagingServiceSid"):
        return 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message."
    if from_ and from_ not in line_numbers:
        return 21606, "The From phone number is not a valid, SMS-capable phone number for your account."
    if not body and not form.getlist("MediaUrl") and not form.get("ContentSid"):
        return 21602, "Message body is required."
    if len(body) > MAX_BODY:
        return 21617, "The concatenated message body exceeds the 1600 character limit."
    return MAGIC_RECIPIENTS.get(to)
