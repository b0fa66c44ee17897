"""PeerLine: an SMS and voice line for peer support in recovery."""
