"""`threadkeeper` command line: console, eval, assess, discord, slack, bench."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import redis.exceptions as redis_errors

from bot.core.errors import ConfigError, StoreUnavailable, ThreadkeeperError
from bot.logs import configure as configure_logging
from bot.platforms import discord as discord_platform
from bot.platforms import slack as slack_platform
from bot.settings import Settings

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="threadkeeper",
        description="A community bot that leaves persistently abusive threads as a last resort "
        "and escalates crises to human moderators.",
    )
    parser.add_argument("--config", type=Path, help="defaults file to use instead of config/default.toml")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING (default) or ERROR")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    console = sub.add_parser(
        "console",
        help="chat with the bot in your terminal",
        description=(
            "A terminal chat with the bot in one thread. Uses REDIS_URL when it answers, otherwise an "
            "embedded in-memory store; uses the offline brain when no API key is set."
        ),
    )
    console.add_argument(
        "--script",
        type=Path,
        metavar="FILE.yaml",
        help="replay a scenario file instead of reading the terminal",
    )
    console.add_argument("--brain", choices=("offline", "anthropic"), default=None)

    ev = sub.add_parser(
        "eval",
        help="replay scenario files and check their expectations",
        description=(
            "Replays each scenario through the whole engine and prints per-scenario results and the "
            "aggregate rates. Exits 1 when a scenario fails."
        ),
    )
    ev.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders")
    ev.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    ev.add_argument("--brain", choices=("offline", "anthropic"), default="offline")
    ev.add_argument("--verbose", "-v", action="store_true", help="print every transcript")

    assess = sub.add_parser(
        "assess",
        help="classify single messages with the local safety net",
        description=(
            'Reads JSON lines {"id": ..., "text": ...} and prints one JSON line each, in the same order: '
            '{"id", "category", "abusive", "crisis", "score"}. No thread state is involved.'
        ),
    )
    assess.add_argument("--jsonl", metavar="FILE", help="input file, or - for standard input")
    assess.add_argument("texts", nargs="*", help="messages to assess directly")

    discord_platform.configure(sub.add_parser("discord", help="run the Discord bot"))
    slack_platform.configure(sub.add_parser("slack", help="run the Slack bot"))
    bench = sub.add_parser(
        "bench",
        help="measure the engine against the Redis floor",
        description="Drives many concurrent threads through the engine (zero-latency brain) against "
        "the Redis at REDIS_URL, under a key prefix of its own that is deleted afterwards, and "
        "compares with a bare loop of two EVALSHA round trips per message.",
    )
    bench.add_argument("--threads", type=int, default=100, help="concurrent threads (default 100)")
    bench.add_argument("--messages", type=int, default=20, help="messages per thread (default 20)")
    bench.add_argument("--json", action="store_true", help="also print one JSON object on the last line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings()
    level = (args.log_level or settings.log_level).upper()
    configure_logging(level)
    try:
        return int(asyncio.run(_dispatch(args, settings)) or 0)
    except ThreadkeeperError as exc:
        print(f"threadkeeper: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "console":
        return await _console(args, settings)
    if args.command == "eval":
        return await _eval(args, settings)
    if args.command == "assess":
        return _assess(args)
    if args.command == "bench":
        return await _bench(args, settings)
    if args.command == "discord":
        return await discord_platform.run(args, settings)
    if args.command == "slack":
        return await slack_platform.run(args, settings)
    raise ConfigError(f"unknown command {args.command!r}; see threadkeeper --help")


async def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation.runner import apply_config
    from bot.evaluation.scenario import load_scenarios
    from bot.platforms.console.app import PLATFORM, SPACE, ConsoleChat, ConsoleSink, default_painter
    from bot.runtime import build_runtime, load_config

    app = load_config(settings, args.config)
    scenarios = load_scenarios([args.script]) if args.script else []
    brain = args.brain or ("anthropic" if settings.anthropic_api_key is not None else "offline")
    paint = default_painter()
    sink = ConsoleSink(lambda text: print(text, flush=True), paint)
    runtime = await build_runtime(app, settings, sink, platform=PLATFORM, brain=brain)
    chat = ConsoleChat(runtime, sys.stdout, paint)
    try:
        if scenarios:
            for scenario in scenarios:
                await apply_config(runtime, PLATFORM, SPACE, scenario)
                await chat.replay(scenario)
                await chat.command("/new")
        else:
            await chat.interact(sys.stdin, prompt=sys.stdin.isatty())
    finally:
        await runtime.close()
    return 0


async def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.evaluation.report import as_json, as_text
    from bot.evaluation.runner import PLATFORM as EVAL_PLATFORM
    from bot.evaluation.runner import RecordingSink, SimClock, run_scenario
    from bot.evaluation.scenario import load_scenarios
    from bot.runtime import build_runtime, load_config

    app = load_config(settings, args.config)
    scenarios = load_scenarios(args.paths)
    sink, clock = RecordingSink(), SimClock()
    isolated = Settings(redis_url=None)  # each evaluation runs on a fresh embedded store
    runtime = await build_runtime(
        app, isolated, sink, platform=EVAL_PLATFORM, brain=args.brain, consumer="eval", clock=clock
    )
    try:
        results = [await run_scenario(runtime, sink, clock, s) for s in scenarios]
    finally:
        await runtime.close()
    if args.json:
        print(json.dumps(as_json(results, args.brain)))
    else:
        print(as_text(results, verbose=args.verbose))
    return 0 if all(r.passed for r in results) else 1


async def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    from bot.bench import as_table, run_bench
    from bot.runtime import load_config

    if not 1 <= args.threads <= 5000 or not 1 <= args.messages <= 10000:
        raise ConfigError("bench: --threads must be 1-5000 and --messages 1-10000")
    app = load_config(settings, args.config)
    url = settings.redis_url or "redis://127.0.0.1:6379"
    try:
        result = await run_bench(
            url, app, args.threads, args.messages, lambda s: print(f"... {s}", flush=True)
        )
    except (OSError, redis_errors.RedisError) as exc:
        raise StoreUnavailable(f"bench needs a Redis at {url}: {exc}") from None
    print(as_table(result))
    if args.json:
        print(json.dumps(asdict(result)))
    return 0


def _assess(args: argparse.Namespace) -> int:
    from bot.safety.net import assess

    if not args.jsonl and not args.texts:
        raise ConfigError("assess needs --jsonl FILE (or -) or one or more texts")
    if args.texts:
        for index, text in enumerate(args.texts, start=1):
            print(json.dumps({"id": index, **assess(text)}, ensure_ascii=False))
        return 0
    source: TextIO
    if args.jsonl == "-":
        source = sys.stdin
    else:
        try:
            source = open(args.jsonl, encoding="utf-8", errors="strict")  # noqa: SIM115
        except OSError as exc:
            raise ConfigError(f"{args.jsonl}: cannot read ({exc.strerror})") from None
    bad = 0
    with source:
        try:
            for number, line in enumerate(source, start=1):
                if not line.strip():
                    continue
                row = _parse_row(line, number)
                if "error" in row:
                    bad += 1
                    print(json.dumps(row, ensure_ascii=False))
                    continue
                print(json.dumps({"id": row["id"], **assess(str(row["text"]))}, ensure_ascii=False))
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{args.jsonl}: not valid UTF-8 at byte {exc.start}") from None
    if bad:
        print(f"threadkeeper assess: {bad} line(s) could not be read; see the error lines", file=sys.stderr)
        return 1
    return 0


def _parse_row(line: str, number: int) -> dict[str, object]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": number, "error": f"not valid JSON: {exc.msg}"}
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        return {
            "id": row.get("id") if isinstance(row, dict) else None,
            "line": number,
            "error": 'expected an object with a string "text"',
        }
    return {"id": row.get("id"), "text": row["text"]}
