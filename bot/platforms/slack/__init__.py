"""Slack adapter (see the Slack issue)."""
