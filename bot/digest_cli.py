"""``netra digest preview CODE [--date D]`` and ``netra digest send CODE --date D``.

``send`` re-sends one digest on purpose (a new attempt, recorded in the audit log); the running
``netra serve`` delivers it from the outbox like any other message.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.digests import DigestConfig, channels_of, digest_for, resend
from bot.runtime import build, utcnow
from handlers.digest_text import email_text, telegram_text
from storage import audit
from storage.models import Office


def _date(value: str | None, office: Office) -> date:
    if value is None:
        return utcnow().astimezone(ZoneInfo(office.timezone)).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        sys.exit(f"netra: {value!r} is not a date (YYYY-MM-DD)")


def _office(session: Any, code: str) -> Office:
    office = session.get(Office, code)
    if office is None:
        sys.exit(f"netra: unknown office code {code!r}")
    return office  # type: ignore[no-any-return]


def cmd_preview(settings: Settings, args: argparse.Namespace) -> None:
    netra = build(settings)
    netra.prepare_database()
    config = DigestConfig.from_settings(settings)
    with netra.session() as session:
        office = _office(session, args.code)
        digest = digest_for(session, office, _date(args.date, office), args.edition, config)
        render = email_text if args.email else telegram_text
        print(render(digest, config.base_url))


def cmd_send(settings: Settings, args: argparse.Namespace) -> None:
    netra = build(settings)
    netra.prepare_database()
    config = DigestConfig.from_settings(settings)
    with netra.session() as session:
        office = _office(session, args.code)
        local_date = _date(args.date, office)
        now = utcnow()
        runs = resend(session, office, local_date, now=now, config=config, edition=args.edition)
        audit.record(
            session,
            "digest_resend",
            now=now,
            office_code=office.code,
            detail=f"cli {local_date.isoformat()} {args.edition}",
        )
        session.commit()
    if not channels_of(office):
        print(f"{office.code}: no channel linked; the digest is recorded only")
        return
    channels = ", ".join(r.channel for r in runs)
    print(
        f"{office.code} {local_date.isoformat()}: queued for {channels} (attempt {runs[0].attempt})"
    )


def add_parser(sub: Any, wrap: Callable[..., Any] | None = None) -> None:
    digest = sub.add_parser("digest", help="offices' daily digest").add_subparsers(
        dest="digest_command", required=True
    )
    preview = digest.add_parser("preview", help="print an office's digest")
    preview.add_argument("code", help="office code, e.g. 91.71 or RI")
    preview.add_argument("--date", help="the office's local date (default: today)")
    preview.add_argument("--edition", choices=("pagi", "malam"), default="pagi")
    preview.add_argument("--email", action="store_true", help="the e-mail text instead")
    preview.set_defaults(func=cmd_preview)
    send = digest.add_parser("send", help="send one office's digest again (audited)")
    send.add_argument("code")
    send.add_argument("--date", required=True, help="the office's local date (YYYY-MM-DD)")
    send.add_argument("--edition", choices=("pagi", "malam"), default="pagi")
    send.set_defaults(func=cmd_send)
