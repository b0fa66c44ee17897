"""The baseline for bench/inbound_webhook.py: Flask and the Twilio signature check, nothing else.

`POST /twilio/sms` goes through the same `twilio_signed` decorator (twilio's RequestValidator)
as the real webhook and answers with the same empty TwiML, but stores and queues nothing. It is
served by PeerLine's own `serve()`, so the gunicorn options are the real ones, whatever they are.

    python bench/bare_app.py --bind 127.0.0.1:8001 --workers 2 --threads 4
(settings from the environment, as for `peerline web`: TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL.)
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace

from flask import Flask, Response, jsonify
from flask.typing import ResponseReturnValue

from service.adapters.settings import Settings, load_settings
from service.web import server
from service.web.signature import twilio_signed
from service.web.twilio_hooks import EMPTY_TWIML


def create_bare_app(settings: Settings) -> Flask:
    app = Flask(__name__)
    # twilio_signed reads only the settings from the runtime: the token and the public URL.
    app.extensions["peerline"] = SimpleNamespace(settings=settings)

    @app.post("/twilio/sms")
    @twilio_signed
    def inbound_sms() -> Response:
        return Response(EMPTY_TWIML, mimetype="text/xml")

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify(status="ok")

    return app


class BareServer(server.GunicornServer):
    """PeerLine's gunicorn application with the bare app in place of create_app."""

    def load(self) -> Flask:
        return create_bare_app(self.settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    # serve() builds its options (bind, worker class, threads, timeouts, access log...) and runs
    # server.GunicornServer with them: swap in the bare app and keep everything else identical.
    server.GunicornServer = BareServer  # type: ignore[misc]
    server.serve(load_settings(env_file=None), args.bind, args.workers, args.threads)


if __name__ == "__main__":
    main()
