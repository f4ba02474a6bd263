"""Slack adapter: `threadkeeper slack`.

Kept light: the CLI imports this module to build its parser; slack-bolt loads in `run`.
"""

from __future__ import annotations

import argparse

from bot.core.errors import ConfigError
from bot.settings import Settings


def configure(parser: argparse.ArgumentParser) -> None:
    """The `threadkeeper slack` options."""
    parser.description = (
        "Run the Slack bot. Socket Mode by default (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN); "
        "--http serves the Events API instead (needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET). "
        "Both need REDIS_URL. Set up the app from config/slack-manifest.yaml (see README, Slack)."
    )
    parser.add_argument("--http", action="store_true", help="HTTP Events API instead of Socket Mode")
    parser.add_argument(
        "--port", type=int, default=None, help="with --http: port to listen on (default: [slack] http_port)"
    )
    parser.add_argument(
        "--brain",
        choices=("offline", "anthropic"),
        default=None,
        help="default: anthropic when ANTHROPIC_API_KEY is set, else offline",
    )


def tokens_from(settings: Settings, *, http: bool) -> tuple[str, str, str]:
    """(bot token, app token, signing secret) from the environment, or a ConfigError saying which
    one is missing or malformed and where to find it."""

    def value(secret: object) -> str:
        getter = getattr(secret, "get_secret_value", None)
        return str(getter()).strip() if getter else ""

    bot, app, signing = (
        value(settings.slack_bot_token),
        value(settings.slack_app_token),
        value(settings.slack_signing_secret),
    )
    if not bot:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-...) from your Slack app's "
            "OAuth & Permissions page (README, Slack)."
        )
    if not bot.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with xoxb- (OAuth & Permissions).")
    if http:
        if not signing:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is not set: --http needs it to verify that requests come from "
                "Slack (Basic Information > App Credentials > Signing Secret)."
            )
        return bot, app, signing
    if not app:
        raise ConfigError(
            "SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-...) with the "
            "connections:write scope (Basic Information > App-Level Tokens), or run with --http."
        )
    if not app.startswith("xapp-"):
        raise ConfigError(
            "SLACK_APP_TOKEN must be an app-level token starting with xapp- (Basic Information)."
        )
    return bot, app, signing


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Slack bot until stopped; the exit status."""
    http = bool(getattr(args, "http", False))
    bot, app, signing = tokens_from(settings, http=http)
    from bot.platforms.slack.app import Tokens, serve

    return await serve(
        settings,
        Tokens(bot, app, signing),
        http=http,
        config_path=getattr(args, "config", None),
        brain=getattr(args, "brain", None),
        port=getattr(args, "port", None),
    )
