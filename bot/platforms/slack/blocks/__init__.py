"""Block Kit builders: what members and moderators see. Pure functions, no Slack calls."""
