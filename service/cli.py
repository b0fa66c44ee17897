"""The `peerline` command line."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from service.adapters import flow_files
from service.adapters.embedded_redis import EmbeddedRedis
from service.adapters.jobqueue import ALL_QUEUES
from service.adapters.settings import Settings, SettingsError, load_settings
from service.blocklist_cli import block_group
from service.coordinators_cli import coordinators_group
from service.flows_cli import flows
from service.peers_cli import peers_group
from service.purge_cli import purge
from service.safety_cli import safety
from service.topics_cli import topics


def _settings() -> Settings:
    """Settings, and flows that pass every check: either problem stops the start, named."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    try:
        flow_files.load(settings.flows_dir)
    except flow_files.FlowsInvalid as error:
        raise click.ClickException(f"{error}\nFix them (peerline flows check), then start again.") from None
    return settings


@contextmanager
def _with_redis(settings: Settings) -> Iterator[Settings]:
    """Start the embedded Redis when REDIS_URL is unset (stopped on the way out), and hand its
    URL to child processes."""
    if settings.redis_url is not None:
        yield settings
        return
    embedded = EmbeddedRedis(settings.data_dir / "redis")
    os.environ["REDIS_URL"] = url = embedded.start()
    try:
        yield dataclasses.replace(settings, redis_url=url)
    finally:
        embedded.stop()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """PeerLine: an SMS and voice line for peer support in recovery.

    Settings come from the environment (and a .env file); see the README.
    """


@main.command()
@click.option(
    "--port", type=int, default=None, help="Port for the web server (default 5000, or PEERLINE_PORT)."
)
def dev(port: int | None) -> None:
    """Run the whole line on this machine: web, workers, scheduler and an embedded Redis."""
    from service.devserver import run_dev

    if port is not None:
        os.environ["PEERLINE_PORT"] = str(port)
    sys.exit(run_dev(_settings()))


@main.command()
@click.option("--bind", default="127.0.0.1:5000", show_default=True, help="Address and port to listen on.")
@click.option("--workers", type=int, default=2, show_default=True, help="Gunicorn worker processes.")
@click.option("--threads", type=int, default=4, show_default=True, help="Threads per worker process.")
def web(bind: str, workers: int, threads: int) -> None:
    """Serve the webhooks, dashboard and operations endpoints with gunicorn."""
    from service.adapters.db import make_engine, migrate
    from service.web.server import serve

    with _with_redis(_settings()) as settings:
        migrate(make_engine(settings.database_url))  # once, before the workers fork
        serve(settings, bind, workers, threads)


@main.command()
@click.option(
    "--queues",
    default=",".join(ALL_QUEUES),
    show_default=True,
    help="Comma-separated queues to serve, highest priority first.",
)
@click.option("--burst", is_flag=True, help="Exit once the queues are empty.")
@click.option(
    "--with-scheduler/--without-scheduler",
    default=True,
    show_default=True,
    help="Also move due scheduled jobs (retries, timeouts) onto their queues.",
)
@click.option("--name", default=None, help="Worker name shown in RQ's registries.")
def worker(queues: str, burst: bool, with_scheduler: bool, name: str | None) -> None:
    """Run a background worker: processes inbound texts and sends outbound ones."""
    from workers.main import run_worker

    with _with_redis(_settings()) as settings:
        run_worker(
            settings,
            [q.strip() for q in queues.split(",") if q.strip()],
            burst=burst,
            with_scheduler=with_scheduler,
            name=name,
        )


@main.command()
@click.option("--every", type=float, default=10.0, show_default=True, help="Seconds between sweeps.")
def scheduler(every: float) -> None:
    """Re-queue work a crash or outage left behind (texts not processed, sends not settled)."""
    from workers.main import run_sweeper

    with _with_redis(_settings()) as settings:
        run_sweeper(settings, every)


main.add_command(flows)
main.add_command(topics)
main.add_command(peers_group)
main.add_command(safety)
main.add_command(purge)
main.add_command(block_group)
main.add_command(coordinators_group)

if __name__ == "__main__":
    main()
