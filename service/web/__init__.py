"""Flask app factory: webhooks, operations endpoints, dashboard and (in dev) the dev tools."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from service.adapters.runtime import Runtime, build_runtime
from service.adapters.settings import Settings, load_settings

# Twilio's largest webhook (a 1,600-character text with media fields) is a few KiB.
MAX_REQUEST_BYTES = 256 * 1024


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    """Build the app; every client comes from the runtime (built here if not given)."""
    if runtime is None:
        runtime = build_runtime(settings or load_settings())
    settings = runtime.settings
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        PEERLINE_ENV=settings.env,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    app.extensions["peerline"] = runtime
    if settings.trusted_proxy_hops:
        hops = settings.trusted_proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=hops,
            x_proto=hops,
            x_host=hops,
            x_port=hops,
            x_prefix=hops,
        )

    from service.web import dashboard, metrics, ops, twilio_hooks

    metrics.init_app(app)
    dashboard.init_app(app)
    app.register_blueprint(twilio_hooks.bp)
    app.register_blueprint(ops.bp)
    if settings.is_dev:
        from service.web.dev import init_app as init_dev

        init_dev(app)
    return app
