"""`peerline flows`: check the flow files, and play a flow in the terminal."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import click

from service.adapters import flow_files
from service.adapters.settings import flows_dir
from service.core.conversation import FlowHandler
from service.core.flow_player import Player


def _flows_dir() -> Path:
    # Only this setting: checking flows must not need the secrets a full start needs.
    return flows_dir(os.environ.get("PEERLINE_FLOWS_DIR"))


@click.group()
def flows() -> None:
    """Check and try the conversation flows (flows/*.yaml)."""


@flows.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Check flow files: every rule in flows/README.md. Exit 1 on any problem.

    With no PATH, checks the line's flows directory (PEERLINE_FLOWS_DIR, default flows/). A PATH
    may be a flows directory or files in one; files are checked together with the rest of their
    directory, since flows refer to each other and to messages.yaml.
    """
    groups: dict[Path, list[Path]] = {}
    for path in paths or (_flows_dir(),):
        if path.is_dir():
            groups.setdefault(path.resolve(), [])
        else:
            groups.setdefault(path.resolve().parent, []).append(path)
    failed = False
    for directory, files in groups.items():
        try:
            flow_set = flow_files.load(directory, only=files)
        except flow_files.FlowsInvalid as error:
            click.echo(str(error), err=True)
            failed = True
            continue
        names = ", ".join(sorted(flow_set.flows))
        click.echo(
            f"ok: {len(flow_set.flows)} flows in {directory} ({names}), {len(flow_set.commands)} commands"
        )
    if failed:
        raise SystemExit(1)


@flows.command()
@click.argument("flow")
@click.option("--locale", type=click.Choice(["en", "es"]), default="en", show_default=True)
@click.option("--channel", type=click.Choice(["sms", "voice"]), default="sms", show_default=True)
@click.option(
    "--script",
    type=click.File("r"),
    default=None,
    help="Play these lines instead of asking (same syntax as typed input; # starts a comment).",
)
def simulate(flow: str, locale: str, channel: str, script: TextIO | None) -> None:
    """Play FLOW in the terminal and show what each party reads.

    \b
    Type what the person texts. Also:
      peer: TEXT     the peer texts (in two-party flows)
      /wait 10m      let time pass; due timers fire
      /timeout       the current wait runs out now
      /event NAME    the host answers a handoff (peer_found, no_peer)
    Ctrl-D ends. Nothing is sent and nothing is stored.
    """
    try:
        flow_set = flow_files.load(_flows_dir())
    except flow_files.FlowsInvalid as error:
        raise click.ClickException(str(error)) from None
    if flow not in flow_set.flows:
        raise click.ClickException(
            f"no flow named {flow!r}; the flows are: {', '.join(sorted(flow_set.flows))}"
        )
    player = Player(FlowHandler(flow_set), flow, locale, channel)
    player.begin()
    shown = _show(player, 0)
    lines = script if script is not None else _typed()
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            player.play(line)
        except ValueError as error:
            click.echo(f"! {error}", err=True)
        shown = _show(player, shown)


def _typed() -> Iterator[str]:
    while True:
        try:
            yield input("you> ")
        except EOFError:
            click.echo()
            return


def _show(player: Player, shown: int) -> int:
    for line in player.lines[shown:]:
        click.echo(line)
    return len(player.lines)
