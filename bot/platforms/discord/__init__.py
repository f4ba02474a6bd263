"""Discord adapter: `threadkeeper discord`.

Kept light: the CLI imports this module to build its parser; the adapter loads in `run`.
"""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    """The `threadkeeper discord` options."""
    parser.description = "Run the Discord bot (not implemented yet)."


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Discord bot until stopped; the exit status."""
    print("threadkeeper discord: not implemented yet", file=sys.stderr)
    return 2
