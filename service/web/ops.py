"""Operations endpoints: liveness, readiness (database and Redis answer)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    runtime = current_app.extensions["peerline"]
    checks = {}
    try:
        with runtime.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = type(error).__name__
    try:
        runtime.redis.ping()
        checks["redis"] = "ok"
    except Exception as error:
        checks["redis"] = type(error).__name__
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503
