"""Pure domain: no I/O, no framework, no clock. Time and ids come in as arguments."""
