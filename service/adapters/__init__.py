"""Adapters: everything that touches the outside world (settings, database, Redis, Twilio)."""
