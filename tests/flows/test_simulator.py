"""`peerline flows simulate`: play a flow in the terminal, from a script or typed lines."""

from __future__ import annotations

from click.testing import CliRunner

from service.cli import main


def test_scripted_run_shows_what_each_party_reads(tmp_path):
    script = tmp_path / "script.txt"
    script.write_text(
        "1\n# comments and blank lines are skipped\n\n/event peer_found\npeer: I've been there.\n"
    )
    result = CliRunner().invoke(main, ["flows", "simulate", "story_sharing", "--script", str(script)])
    assert result.exit_code == 0, result.output
    assert "< seeker: A peer who has been through something similar" in result.output
    assert "  [handoff find_peer]" in result.output
    assert "< peer: You're connected." in result.output
    assert "< seeker (from peer): I've been there." in result.output


def test_typed_run_in_spanish_on_a_call(tmp_path):
    result = CliRunner().invoke(
        main, ["flows", "simulate", "first_contact", "--locale", "es", "--channel", "voice"], input="2\n"
    )
    assert result.exit_code == 0, result.output
    assert "oprime 2" in result.output  # the voice prompt, not the SMS text
    assert "> seeker: 2" in result.output


def test_unknown_flow_and_unknown_command_are_explained(tmp_path):
    result = CliRunner().invoke(main, ["flows", "simulate", "nope"])
    assert result.exit_code == 1 and "no flow named 'nope'; the flows are:" in result.output
    result = CliRunner().invoke(main, ["flows", "simulate", "closing"], input="/bogus\n")
    assert "unknown script command '/bogus'" in result.output and "~ bogus" not in result.output
