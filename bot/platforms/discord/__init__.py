"""Discord adapter (see the Discord issue)."""
