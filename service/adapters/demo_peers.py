"""Demo volunteer peers for `peerline dev`: fictional people on fictional 555-01xx numbers.

+15550100001 is the dev phone's default seeker, so the peers start at +15550100101.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoPeer:
    name: str
    phone: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]


DEMO_PEERS = (
    DemoPeer("Dana (demo)", "+15550100101", ("alcohol", "family", "loneliness"), ("en",)),
    DemoPeer("Marisol (demo)", "+15550100102", ("alcohol", "drugs", "family", "grief"), ("es", "en")),
    DemoPeer("Jordan (demo)", "+15550100103", ("drugs", "trauma", "anxiety"), ("en",)),
    DemoPeer("Luis (demo)", "+15550100104", ("depression", "anxiety", "relationships"), ("en", "es")),
    DemoPeer("Priya (demo)", "+15550100105", ("grief", "loneliness", "depression"), ("en",)),
    DemoPeer("Sam (demo)", "+15550100106", ("relationships", "trauma", "family", "alcohol"), ("en",)),
)
