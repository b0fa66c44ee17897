"""Dev-only tools: the dev phone and the Twilio REST stand-in (registered in dev mode only)."""
