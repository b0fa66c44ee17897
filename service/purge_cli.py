"""`peerline purge`: purge message bodies and ended conversations' answers now, not at the daily run."""

from __future__ import annotations

from datetime import datetime

import click

from service.adapters import retention
from service.adapters.db import Database, make_engine, migrate
from service.adapters.runtime import utc_now
from service.peers_cli import cli_actor


@click.command(name="purge")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=None,
    metavar="DAYS",
    help="Purge what is older than this many days (default: PEERLINE_RETENTION_DAYS, 30 unless set).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be purged; change nothing, record nothing.")
def purge(days: int | None, dry_run: bool) -> None:
    """Purge message bodies (and ended conversations' answers) older than the retention period.

    The line does this daily by itself; run it to purge at once, or with a shorter period.
    What stays: the rows with their times and statuses, relays' counts and ratings. Texts not
    yet sent or not yet processed keep their words whatever their age. Each run is recorded in
    the audit log with your login name.

    \b
    Examples:
      peerline purge --dry-run
      peerline purge
      peerline purge --older-than 7
    """
    from service.cli import _settings  # imported here: service.cli imports this module

    settings = _settings()
    days = days or settings.retention_days
    now = utc_now()
    db = Database(make_engine(settings.database_url))  # the database only: no Redis, no Twilio
    try:
        migrate(db.engine)
        with db.session() as session:
            if dry_run:
                counts = retention.count_due(session, now, days)
            else:
                counts = retention.purge(session, now, days, cli_actor())
    finally:
        db.dispose()
    click.echo(report(counts, days, retention.cutoff_of(now, days), dry_run))


def report(counts: dict[str, int], days: int, cutoff: datetime, dry_run: bool) -> str:
    """One line a person reads: what was purged (or would be), and the cutoff in UTC."""
    verb = "would purge" if dry_run else "purged"
    line = (
        f"{verb} {counts['inbound']} inbound and {counts['outbound']} outbound message bodies"
        f", {counts['conversations']} conversation states"
        f" and {counts['crisis_hits']} crisis hits' quoted words older than {days} days"
        f" (before {cutoff:%Y-%m-%d %H:%M} UTC)"
    )
    return line + ("; nothing changed (--dry-run)" if dry_run else "")
