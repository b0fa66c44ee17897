# PeerLine's production image: one image for every role (web, worker, sender, scheduler);
# docker-compose.yml picks the role with the command, e.g. `web --bind 0.0.0.0:8000`.

# --- build: install PeerLine and its pinned dependencies into a virtualenv ---------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# Constraints pin every version; no extras: the dev tools (pytest, ruff, mypy...) stay out of
# the image. README.m[d] copies the README when there is one (the package's long description).
COPY pyproject.toml constraints.txt README.m[d] ./
COPY service ./service
COPY workers ./workers
RUN pip install -c constraints.txt . \
    && pip check

# --- runtime: the virtualenv alone, run as an unprivileged user ---------------------------------
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PEERLINE_ENV=production \
    PEERLINE_DATA_DIR=/app/var

RUN groupadd --system --gid 10001 peerline \
    && useradd --system --uid 10001 --gid peerline --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin peerline

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# The flow definitions are data a coordinator may change: they live in /app/flows (mount your
# own there), are checked at start-up, and a broken one stops the start.
COPY flows /app/flows
ENV PEERLINE_FLOWS_DIR=/app/flows
RUN mkdir -p /app/var && chown peerline:peerline /app/var

USER peerline:peerline
EXPOSE 8000
ENTRYPOINT ["peerline"]
CMD ["--help"]
