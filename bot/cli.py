"""``netra``: serve, chat, db upgrade, keys generate/rotate, offices import."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from bot.config import Settings, get_settings
from bot.keys import fresh_key_lines
from bot.runtime import Netra, build
from storage.crypto import KeyConfigError

log = logging.getLogger("netra")


def _netra(settings: Settings) -> Netra:
    try:
        return build(settings)
    except KeyConfigError as exc:
        sys.exit(f"netra: cannot start: {exc}")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from bot.app import create_app, settle_heap

    netra = _netra(settings)
    host = args.host or settings.host
    port = args.port or settings.port
    app = create_app(netra)
    if args.telegram_polling:
        from bot.channels.telegram import enable_polling

        if settings.telegram_bot_token is None:
            sys.exit("netra: --telegram-polling needs TELEGRAM_BOT_TOKEN")
        enable_polling(app, netra)  # no public URL needed: fetches updates with getUpdates
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(
        f"\n  Netra is running: open http://{shown}:{port}/ to file a report (Ctrl-C stops).\n",
        flush=True,
    )
    settle_heap()
    # No access log: request lines carry reporters' IP addresses.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


def cmd_telegram_setup(settings: Settings, args: argparse.Namespace) -> None:
    import asyncio

    from telegram.error import TelegramError

    from bot.channels.telegram import setup

    if settings.telegram_bot_token is None:
        sys.exit("netra: TELEGRAM_BOT_TOKEN is not set")
    try:
        url = asyncio.run(setup(settings))
    except ValueError as exc:
        sys.exit(f"netra: {exc}")
    except TelegramError as exc:  # its text never holds the token (see channels.telegram)
        sys.exit(f"netra: Telegram refused the setup: {type(exc).__name__}")
    print(f"Telegram: command menu set; webhook set to {url} (with the secret token)")


def cmd_chat(settings: Settings, args: argparse.Namespace) -> None:
    from bot.channels.local import terminal_chat

    netra = _netra(settings)
    netra.prepare_database()
    terminal_chat(netra, args.reporter)


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> None:
    netra = _netra(settings)
    netra.prepare_database()
    print("database is at the newest revision")


def cmd_db_reindex_search(settings: Settings, args: argparse.Namespace) -> None:
    from storage.search_terms import reindex_all

    netra = _netra(settings)
    netra.prepare_database()
    count = reindex_all(netra.session)
    print(f"indexed the words of {count} tickets for the inbox search")


def cmd_keys_generate(settings: Settings, args: argparse.Namespace) -> None:
    print("# Put these in the environment (or .env). Keep them secret and backed up:")
    print("# losing NETRA_IDENTITY_KEYS or NETRA_CONTENT_KEYS makes stored reports unreadable.")
    for line in fresh_key_lines():
        print(line)


def _progress_bar(stream: TextIO, width: int = 40) -> Callable[[int, int], None]:
    """A one-line text progress bar (``[#####     ] 1200/2400``), redrawn in place."""

    def show(done: int, total: int) -> None:
        filled = width if total == 0 else width * done // total
        stream.write(f"\r[{'#' * filled}{' ' * (width - filled)}] {done}/{total}")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def cmd_keys_rotate(settings: Settings, args: argparse.Namespace) -> None:
    from storage.rotation import rotate

    netra = _netra(settings)
    netra.prepare_database()
    result = rotate(netra.db, netra.keys, batch=args.batch, progress=_progress_bar(sys.stderr))
    print(
        f"re-encrypted {result.rewritten} values under the newest keys "
        f"({result.already_current} were already current, {result.skipped_concurrent} were "
        "rewritten meanwhile by the running service)."
    )
    if result.unreadable:
        sys.exit(
            f"netra: {result.unreadable} values are under no configured key and were left as "
            "they are: do not remove any old key until they are accounted for."
        )
    print("Older keys may now be removed from NETRA_IDENTITY_KEYS / NETRA_CONTENT_KEYS.")


def cmd_offices_import(settings: Settings, args: argparse.Namespace) -> None:
    from storage.offices import import_contacts

    netra = _netra(settings)
    netra.prepare_database()
    with netra.session() as session:
        result = import_contacts(session, Path(args.file))
        if result.errors:
            for error in result.errors:
                print(f"netra: {error}", file=sys.stderr)
            sys.exit("netra: nothing imported; fix the lines above and run again")
        session.commit()
    print(f"updated contacts of {result.updated} offices")


def cmd_offices_keygen(settings: Settings, args: argparse.Namespace) -> None:
    from bot.office_keys import keygen, read_passphrase

    passphrase = read_passphrase(args.passphrase_stdin)
    keygen(_netra(settings), args.code, passphrase, replace=args.replace)
    print(f"office {args.code} has a new key pair; keep the passphrase safe: it cannot be reset")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="netra", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web app (local web chat, webhooks)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--telegram-polling",
        action="store_true",
        help="development: fetch Telegram updates by polling instead of a webhook",
    )
    serve.set_defaults(func=cmd_serve)

    telegram = sub.add_parser("telegram", help="Telegram bot").add_subparsers(
        dest="telegram_command", required=True
    )
    telegram.add_parser(
        "setup", help="set the bot's command menu and its webhook (with the secret)"
    ).set_defaults(func=cmd_telegram_setup)

    chat = sub.add_parser("chat", help="chat with Netra in this terminal (local channel)")
    chat.add_argument(
        "--reporter",
        default="terminal",
        help="a name for this local reporter; reuse it to continue a draft",
    )
    chat.set_defaults(func=cmd_chat)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)
    db.add_parser(
        "reindex-search", help="hash the words of tickets filed before the inbox's text search"
    ).set_defaults(func=cmd_db_reindex_search)

    keys = sub.add_parser("keys", help="encryption keys").add_subparsers(
        dest="keys_command", required=True
    )
    keys.add_parser("generate", help="print fresh keys").set_defaults(func=cmd_keys_generate)
    rotate = keys.add_parser(
        "rotate",
        help="re-encrypt everything under the newest keys (safe while serving; re-run to resume)",
    )
    rotate.add_argument("--batch", type=int, default=500, help="values per committed batch")
    rotate.set_defaults(func=cmd_keys_rotate)

    offices = sub.add_parser("offices", help="Bawaslu offices").add_subparsers(
        dest="offices_command", required=True
    )
    imp = offices.add_parser("import", help="load contacts: CSV code,telegram_chat_id,email")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_offices_import)
    from bot.office_keys import add_parser as add_keygen_parser

    add_keygen_parser(offices, cmd_offices_keygen)
    from bot.officer_cli import add_parser as add_officers_parser

    add_officers_parser(sub)
    from bot.digest_cli import add_parser as add_digest_parser

    add_digest_parser(sub)
    return top


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        sys.exit(f"netra: configuration error: {problems}")
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    args.func(settings, args)


if __name__ == "__main__":
    main()
