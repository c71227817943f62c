"""Load generators that print figures (loopback only)."""
