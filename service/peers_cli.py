"""`peerline peers`: add, import, list and pause volunteer peers."""

from __future__ import annotations

import csv
import dataclasses
import getpass
import io
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from service.adapters import outbox, peers
from service.adapters.models import Peer
from service.adapters.runtime import Runtime, build_runtime
from service.adapters.topic_files import TopicsInvalid, load_taxonomy

SHIFTS_HELP = """\b
Shifts are in the peer's own time zone (--timezone, or the timezone column); none means any time:
  groups separated by ";", each: days, then one or more HH:MM-HH:MM windows
  days: mon..sun, ranges (mon-fri), lists (sat,sun), daily, weekdays, weekends
  a window may cross midnight: "fri,sat 22:00-02:00" covers early saturday and sunday too
  e.g. "mon-fri 18:00-22:00; sat,sun 10:00-14:00"
"""
UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
LONGEST_PAUSE = timedelta(days=366)


class PeersError(click.ClickException):
    """A request the command cannot carry out: the reason is printed, exit status 2."""

    exit_code = 2


@click.group(name="peers")
def peers_group() -> None:
    """Volunteer peers: add, import, list, pause."""


def cli_actor() -> str:
    """Who ran this command, for the audit log: `cli:<login name>` (cut to the column's 64)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        login = "unknown"
    return f"cli:{login}"[:64]


@contextmanager
def open_runtime() -> Iterator[Runtime]:
    """The runtime a `peerline` command works with, closed on the way out (shared by the CLIs)."""
    from service.cli import _settings  # imported here: service.cli imports this module

    rt = build_runtime(_settings())
    try:
        yield rt
    finally:
        rt.close()


def known_topics(flows_dir: Path) -> frozenset[str]:
    """Topic ids of the taxonomy (flows/topics.yaml), checked as the line checks it."""
    try:
        return frozenset(topic.id for topic in load_taxonomy(flows_dir).topics)
    except TopicsInvalid as error:
        raise PeersError(str(error)) from None


def _welcome_texts(rt: Runtime, locale: str) -> list[str]:
    try:
        return peers.welcome_texts(rt.flows.flow_set.shared, locale)
    except LookupError as error:
        raise PeersError(str(error)) from None


def _line_number(rt: Runtime) -> str:
    if not rt.settings.numbers:
        raise PeersError("PEERLINE_NUMBERS is not set: the line has no number to text peers from")
    return rt.settings.numbers[0]


@peers_group.command(epilog=SHIFTS_HELP)
@click.option("--name", required=True, help="Name coordinators see (never shown to seekers).")
@click.option("--phone", required=True, help="Their mobile: +15551234567, (555) 123-4567 or 555-123-4567.")
@click.option("--topics", required=True, help="Lived-experience topic ids, comma-separated: alcohol,family.")
@click.option(
    "--languages", default="en", show_default=True, help="en, es or both; the first is the one we text in."
)
@click.option("--capacity", type=int, default=1, show_default=True, help="Conversations at a time (1-5).")
@click.option("--weekly-hours", type=float, default=12, show_default=True, help="Weekly cap in hours (1-60).")
@click.option("--timezone", default=peers.DEFAULT_TIMEZONE, show_default=True, help="IANA time zone.")
@click.option("--shifts", default="", help="When they take offers (see below); default any time.")
def add(
    name: str,
    phone: str,
    topics: str,
    languages: str,
    capacity: int,
    weekly_hours: float,
    timezone: str,
    shifts: str,
) -> None:
    """Register a volunteer peer and text them the welcome; they reply ON to confirm.

    \b
    Examples:
      peerline peers add --name "Ana R." --phone "(555) 123-4567" --topics alcohol,family
      peerline peers add --name "Luis M." --phone +15551234568 --topics grief,depression \\
          --languages es,en --timezone America/Chicago --shifts "mon-fri 18:00-22:00; sat 10:00-14:00"
    """
    with open_runtime() as rt:
        known, line_number = known_topics(rt.settings.flows_dir), _line_number(rt)
        _welcome_texts(rt, "en")  # a missing message stops us before anything is written
        now = rt.clock()
        try:
            with rt.db.session() as session:
                peer = peers.register(
                    session,
                    rt.cipher,
                    name=name,
                    phone=phone,
                    topics=peers.split_list(topics),
                    languages=peers.split_list(languages),
                    capacity=capacity,
                    weekly_cap_hours=weekly_hours,
                    timezone=timezone,
                    shifts=shifts,
                    now=now,
                    known_topics=known,
                    actor=cli_actor(),
                )
                texts = _welcome_texts(rt, peers.locale_of(peer))
                ids = peers.welcome(session, rt.cipher, peer, line_number=line_number, texts=texts, now=now)
                peer_id = peer.id
        except peers.PeerInvalid as error:
            raise PeersError(str(error)) from None
        outbox.dispatch(rt, ids)
    if ids:
        click.echo(f"peer #{peer_id} added; welcome text queued — they must reply ON to confirm")
    else:
        click.echo(
            f"peer #{peer_id} added, but not texted: this number has opted out (texted STOP)."
            " They must text START to the line, then ON to confirm."
        )


@peers_group.command(name="import", epilog=SHIFTS_HELP)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, file: Path) -> None:
    """Add the peers in a CSV file and text each the welcome. Exit 1 if any row was rejected.

    \b
    The first line is the header. Columns (name, phone, topics required; blank cells get defaults):
      name,phone,topics,languages,capacity,timezone,shifts,weekly_cap_hours
    Topics and languages within a cell are separated by ; | or spaces.
    A bad row is reported with its line number; the other rows are still added.

    \b
    Example file:
      name,phone,topics,languages,capacity,timezone,shifts,weekly_cap_hours
      Ana R.,(555) 123-4567,alcohol;family,en,1,America/New_York,mon-fri 18:00-22:00,12
      Luis M.,+15551234568,grief depression,es;en,,America/Chicago,,
    Example:
      peerline peers import volunteers.csv
    """
    rows = _read_csv(file)
    with open_runtime() as rt:
        known, line_number = known_topics(rt.settings.flows_dir), _line_number(rt)
        _welcome_texts(rt, "en")
        now = rt.clock()
        bar = click.progressbar(length=len(rows), label="importing peers", file=sys.stderr)
        try:
            with bar, rt.db.session() as session:
                report = peers.import_rows(
                    session,
                    rt.cipher,
                    rows,
                    now=now,
                    known_topics=known,
                    on_row=lambda _line: bar.update(1),
                    actor=cli_actor(),
                )
                ids, silent = _welcome_all(session, rt, report.accepted, line_number, now)
        except peers.PeerInvalid as error:
            raise PeersError(f"{file}: {error}") from None
        outbox.dispatch(rt, ids)
    click.echo(f"{len(report.accepted)} added, {len(report.rejected)} rejected")
    for line, reason in report.rejected:
        click.echo(f"  line {line}: {reason}")
    if report.accepted:
        click.echo("welcome texts queued — each must reply ON to confirm")
    if silent:
        click.echo(
            f"not texted (opted out; they must text START first): {', '.join(f'#{i}' for i in silent)}"
        )
    ctx.exit(1 if report.rejected else 0)


def _welcome_all(
    session: Session, rt: Runtime, peer_ids: list[int], line_number: str, now: datetime
) -> tuple[list[int], list[int]]:
    """Queue each new peer's welcome: the outbound ids, and the peers not texted (opted out)."""
    ids: list[int] = []
    silent: list[int] = []
    for peer_id in peer_ids:
        peer = session.get_one(Peer, peer_id)
        texts = _welcome_texts(rt, peers.locale_of(peer))
        queued = peers.welcome(session, rt.cipher, peer, line_number=line_number, texts=texts, now=now)
        ids += queued
        if not queued:
            silent.append(peer_id)
    return ids, silent


def _read_csv(path: Path) -> list[dict[str, str]]:
    """One mapping per record after the header (blank ones too, so row i is line i + 2); cells
    beyond the header's columns go under "" so the row is rejected, not silently cut."""
    try:
        records = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))  # Excel writes a BOM
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PeersError(f"cannot read {path}: {error}") from None
    header = [cell.strip().lower() for cell in records[0]] if records else []
    if not set(header) & set(peers.COLUMNS):  # no header at all: say so rather than list its cells
        raise PeersError(f"{path} has no header: its first line must be {','.join(peers.COLUMNS)}")
    try:
        peers.check_columns(header)
    except peers.PeerInvalid as error:
        raise PeersError(f"{path}: {error}") from None
    rows = []
    for cells in records[1:]:
        row: dict[str, str] = {}
        for index, cell in enumerate(cells):
            key = header[index] if index < len(header) else ""
            row[key] = (row.get(key, "") + cell.strip()) if key == "" else cell
        rows.append(row)
    return rows


@peers_group.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_(as_json: bool) -> None:
    """List the peers: status, topics, languages, and whether they are on shift now.

    Numbers show as their last four digits only.

    \b
    Examples:
      peerline peers list
      peerline peers list --json | jq '.[] | select(.on_shift and .confirmed)'
    """
    with open_runtime() as rt, rt.db.session() as session:
        summaries = peers.listing(session, rt.cipher, rt.clock())
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(s) for s in summaries], ensure_ascii=False, indent=2))
        return
    if not summaries:
        click.echo("no peers yet: add one with `peerline peers add` or `peerline peers import FILE.csv`")
        return
    table = [("ID", "NAME", "PHONE", "TOPICS", "LANG", "STATUS", "CONFIRMED", "CAP", "ON SHIFT")]
    for s in summaries:
        table.append(
            (
                f"#{s.id}",
                s.name,
                s.phone,
                ",".join(s.topics),
                ",".join(s.languages),
                s.status,
                "yes" if s.confirmed else "no (must reply ON)",
                str(s.capacity),
                "yes" if s.on_shift else "no",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@peers_group.command()
@click.argument("who", metavar="PHONE_OR_ID")
@click.option("--for", "for_", metavar="DURATION", help="How long: 30m, 2h, 3d, 1w, 1h30m.")
@click.option(
    "--until", metavar="TIME", help="ISO time, e.g. 2025-06-01T09:00 (no offset: the peer's local time)."
)
@click.option("--off", is_flag=True, help="No offers at all until --resume.")
@click.option("--resume", is_flag=True, help="End a pause or --off: available again.")
def pause(who: str, for_: str | None, until: str | None, off: bool, resume: bool) -> None:
    """Pause a peer for a while, turn them off, or resume them.

    PHONE_OR_ID is their number (any common format) or their id from `peers list` (12 or #12).
    A paused peer gets no offers until the pause ends; they keep their topics and settings.

    \b
    Examples:
      peerline peers pause 12 --for 2h
      peerline peers pause "(555) 123-4567" --until 2025-06-01T09:00
      peerline peers pause '#12' --off
      peerline peers pause 12 --resume
    """
    given = [
        flag for flag, on in (("--for", for_), ("--until", until), ("--off", off), ("--resume", resume)) if on
    ]
    if len(given) != 1:
        together = f" (not {' and '.join(given)} together)" if given else ""
        raise PeersError(f"say one of --for DURATION, --until TIME, --off or --resume{together}")
    with open_runtime() as rt:
        now = rt.clock()
        try:
            with rt.db.session() as session:
                peer = _find(session, rt, who)
                if resume or off:
                    status = "off" if off else "available"
                    peers.set_status(session, peer, status, now=now, actor=cli_actor())
                else:
                    end = now + _duration(for_) if for_ else _until(until or "", ZoneInfo(peer.timezone))
                    peers.set_status(session, peer, "paused", until=end, now=now, actor=cli_actor())
                message = f"peer #{peer.id}: {peers.status_text(peer, now)}"
                if peer.confirmed_at is None:
                    message += " (not confirmed yet: no offers until they reply ON)"
        except peers.PeerInvalid as error:
            raise PeersError(str(error)) from None
        if resume:
            rt.jobs.match_waiting()  # a seeker may be waiting for just this peer
    click.echo(message)


def _find(session: Session, rt: Runtime, who: str) -> Peer:
    text = who.strip()
    if re.fullmatch(r"#?[0-9]{1,9}", text):
        found = session.get(Peer, int(text.lstrip("#")))
        if found is None:
            raise PeersError(f"no peer #{text.lstrip('#')}; see `peerline peers list`")
        return found
    try:
        peer = peers.by_phone(session, rt.cipher, text)
    except peers.PeerInvalid:
        raise PeersError("PHONE_OR_ID is neither a peer id (12 or #12) nor a phone number") from None
    if peer is None:
        raise PeersError("no peer has that number; see `peerline peers list`")
    return peer


def _duration(text: str) -> timedelta:
    compact = text.strip().lower().replace(" ", "")
    if not re.fullmatch(r"([0-9]{1,6}[wdhm])+", compact):
        raise PeersError(f"--for {text!r}: write a duration like 30m, 2h, 3d, 1w or 1h30m")
    total = sum((int(n) * UNITS[unit] for n, unit in re.findall(r"([0-9]+)([wdhm])", compact)), timedelta())
    if not timedelta() < total <= LONGEST_PAUSE:
        raise PeersError(f"--for {text!r}: a pause lasts more than 0 and at most 366 days; or use --off")
    return total


def _until(text: str, zone: ZoneInfo) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PeersError(f"--until {text!r}: write an ISO time such as 2025-06-01T09:00") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=zone)  # the peer's wall clock
