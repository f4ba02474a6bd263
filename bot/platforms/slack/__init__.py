"""Slack adapter: `threadkeeper slack`.

Kept light: the CLI imports this module to build its parser; the adapter loads in `run`.
"""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    """The `threadkeeper slack` options."""
    parser.description = "Run the Slack bot (not implemented yet)."
    parser.add_argument("--http", action="store_true", help="HTTP Events API instead of Socket Mode")


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Slack bot until stopped; the exit status."""
    print("threadkeeper slack: not implemented yet", file=sys.stderr)
    return 2
