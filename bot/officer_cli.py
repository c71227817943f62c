"""``netra officers add|disable|enable|reset-password|token``: dashboard accounts from a shell.

A new or reset password is generated and printed once (hand it over in person); it is never
logged. Every change is written to the audit log as done by the command line.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.config import Settings
from bot.runtime import Netra, build, utcnow
from storage import audit
from storage.crypto import KeyConfigError
from storage.officers import (
    AccountError,
    add_officer,
    by_username,
    create_token,
    random_password,
    reset_password,
    set_active,
)


def _netra(settings: Settings) -> Netra:
    try:
        netra = build(settings)
    except KeyConfigError as exc:
        sys.exit(f"netra: cannot start: {exc}")
    netra.prepare_database()
    return netra


def cmd_add(settings: Settings, args: argparse.Namespace) -> None:
    netra = _netra(settings)
    password = random_password()
    with netra.session() as session:
        try:
            officer = add_officer(
                session,
                username=args.username,
                display_name=args.name or args.username,
                password=password,
                office_code=args.office,
                role=args.role,
                now=utcnow(),
                one_time=True,
            )
        except AccountError as exc:
            sys.exit(f"netra: {exc}")
        audit.record(
            session,
            "officer_add",
            now=utcnow(),
            office_code=officer.office_code,
            detail=f"cli: {officer.username}@{officer.office_code} role={officer.role}",
        )
        session.commit()
    print(f"added {officer.username} ({officer.role}, office {officer.office_code})")
    print(f"one-time password: {password}")


def _officer(session: Any, username: str) -> Any:
    officer = by_username(session, username)
    if officer is None:
        sys.exit(f"netra: no officer named {username!r}")
    return officer


def cmd_active(settings: Settings, args: argparse.Namespace, active: bool) -> None:
    netra = _netra(settings)
    with netra.session() as session:
        officer = _officer(session, args.username)
        set_active(session, officer, active)
        action = "officer_enable" if active else "officer_disable"
        audit.record(session, action, now=utcnow(), office_code=officer.office_code, detail="cli")
        session.commit()
    print(f"{args.username} is now {'active' if active else 'disabled'}")


def cmd_reset(settings: Settings, args: argparse.Namespace) -> None:
    netra = _netra(settings)
    password = random_password()
    with netra.session() as session:
        officer = _officer(session, args.username)
        reset_password(session, officer, password, one_time=True)
        audit.record(
            session, "officer_reset", now=utcnow(), office_code=officer.office_code, detail="cli"
        )
        session.commit()
    print(f"new one-time password for {args.username}: {password}")


def cmd_token(settings: Settings, args: argparse.Namespace) -> None:
    netra = _netra(settings)
    with netra.session() as session:
        officer = _officer(session, args.username)
        token = create_token(session, officer, args.name, now=utcnow())
        audit.record(
            session,
            "token_created",
            now=utcnow(),
            officer=officer,
            detail=f"cli: {args.name}",
        )
        session.commit()
    print("API token (shown once; send it as `Authorization: Bearer <token>`):")
    print(token)


def add_parser(sub: Any) -> None:
    """Add the ``officers`` command group to the top-level ``netra`` parser."""
    officers = sub.add_parser("officers", help="dashboard accounts").add_subparsers(
        dest="officers_command", required=True
    )
    add = officers.add_parser("add", help="create an account; prints a one-time password")
    add.add_argument("username")
    add.add_argument("--office", required=True, help="office code, e.g. 52.06, 52 or RI")
    add.add_argument("--role", choices=("officer", "admin"), default="officer")
    add.add_argument("--name", help="display name")
    add.set_defaults(func=cmd_add)

    disable = officers.add_parser("disable", help="disable an account (ends its sessions)")
    disable.add_argument("username")
    disable.set_defaults(func=lambda s, a: cmd_active(s, a, False))

    enable = officers.add_parser("enable", help="re-enable a disabled account")
    enable.add_argument("username")
    enable.set_defaults(func=lambda s, a: cmd_active(s, a, True))

    reset = officers.add_parser("reset-password", help="new one-time password; unlocks")
    reset.add_argument("username")
    reset.set_defaults(func=cmd_reset)

    token = officers.add_parser("token", help="create a token for the /api/v1 JSON API")
    token.add_argument("username")
    token.add_argument("--name", default="api", help="what the token is for")
    token.set_defaults(func=cmd_token)
