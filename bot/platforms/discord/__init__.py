"""Discord adapter: `threadkeeper discord`.

Kept light: the CLI imports this module to build its parser; discord.py loads in `run`.
"""

from __future__ import annotations

import argparse

from bot.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    """The `threadkeeper discord` options."""
    parser.description = (
        "Run the Discord bot. Needs DISCORD_TOKEN and REDIS_URL; uses Claude when "
        "ANTHROPIC_API_KEY is set, else the offline brain. Registers the /threadkeeper commands "
        'and the "Branch from here" menu at start-up.'
    )
    parser.add_argument(
        "--brain",
        choices=("offline", "anthropic"),
        default=None,
        help="default: anthropic when ANTHROPIC_API_KEY is set, else offline",
    )
    parser.add_argument(
        "--sync-guild",
        type=int,
        metavar="SERVER_ID",
        default=None,
        help="register the commands in this server only (they appear at once; for trying the bot out)",
    )
    parser.add_argument(
        "--no-sync",
        action="store_true",
        help="do not register the commands at start-up (they are already registered)",
    )


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Discord bot until stopped; the exit status."""
    from bot.platforms.discord.app import serve

    return await serve(args, settings)
