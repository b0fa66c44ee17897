"""`peerline block`: the block list coordinators keep (abusive or spamming numbers)."""

from __future__ import annotations

import click
import redis

from service.adapters import blocklist, peers
from service.peers_cli import PeersError, cli_actor, open_runtime


@click.group(name="block")
def block_group() -> None:
    """Block abusive numbers: add, remove, list.

    A blocked number's texts are kept but never answered and it is never matched, as a seeker
    or as a peer. Crisis words from it still alert a coordinator and still get the crisis
    resources: safety comes first.
    """


def _phone(raw: str) -> str:
    try:
        return peers.normalise_phone(raw)
    except peers.PeerInvalid as error:
        raise PeersError(str(error)) from None


@block_group.command(name="add")
@click.argument("phone")
@click.option(
    "--reason", type=click.Choice(blocklist.REASONS), default="abuse", show_default=True, help="Why."
)
def add(phone: str, reason: str) -> None:
    """Block PHONE (any common format). Their conversation and wait end at once; a peer is
    turned off and their seekers go back to the queue.

    \b
    Examples:
      peerline block add "(555) 123-4567" --reason spam
    """
    number = _phone(phone)
    with open_runtime() as rt:
        with rt.db.session() as session:
            contact, new = blocklist.block(session, rt.cipher, number, reason, rt.clock(), cli_actor())
            contact_id = contact.id
        try:
            rt.jobs.relay_cleanup()  # hand back now what they were part of (else the sweeper will)
        except redis.RedisError:
            click.echo("Redis is not answering: the sweeper hands their conversations back once it is")
    ending = number[-4:]
    click.echo(f"blocked …{ending} (contact #{contact_id})" if new else f"…{ending} was already blocked")


@block_group.command(name="remove")
@click.argument("phone")
def remove(phone: str) -> None:
    """Take PHONE off the block list. A peer stays off until resumed (`peerline peers pause ID --resume`)."""
    number = _phone(phone)
    with open_runtime() as rt, rt.db.session() as session:
        removed = blocklist.unblock(session, rt.cipher, number, rt.clock(), cli_actor())
    if not removed:
        raise PeersError(f"…{number[-4:]} is not blocked")
    click.echo(f"unblocked …{number[-4:]}")


@block_group.command(name="list")
def list_() -> None:
    """List blocked numbers, newest first (last four digits only)."""
    with open_runtime() as rt, rt.db.session() as session:
        entries = blocklist.listing(session, rt.cipher)
    if not entries:
        click.echo("no numbers are blocked")
        return
    for entry in entries:
        who = "peer" if entry.is_peer else "texter"
        since = entry.since.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(
            f"…{entry.last_four}  {who:<6}  {entry.reason:<5}  since {since}  (contact #{entry.contact_id})"
        )
