"""``netra offices keygen CODE``: make an office's key pair for sealed formal identities.

The custodian types the passphrase (twice, not echoed); only the public key and the private
key wrapped under that passphrase are stored. Nobody, Netra's operators included, can recover
a lost passphrase: identities sealed to the office would stay closed for good.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.runtime import Netra, utcnow
from storage.identity import IdentityError, create_office_key
from storage.sealing import MIN_PASSPHRASE


def read_passphrase(from_stdin: bool) -> str:
    """From the terminal, typed twice; or one line of standard input (scripts, tests)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Passphrase for the office key (at least {MIN_PASSPHRASE} chars): ")
    second = getpass.getpass("Type it again: ")
    if first != second:
        sys.exit("netra: the two passphrases differ; nothing was stored")
    return first


def keygen(netra: Netra, code: str, passphrase: str, *, replace: bool) -> None:
    netra.prepare_database()
    with netra.session() as session:
        try:
            create_office_key(session, code, passphrase, now=utcnow(), replace=replace)
        except IdentityError as exc:
            sys.exit(f"netra: {exc}")
        session.commit()


def add_parser(offices: Any, func: Any) -> None:
    """Register ``keygen`` under ``netra offices`` (``offices`` is its subparsers object)."""
    parser: argparse.ArgumentParser = offices.add_parser(
        "keygen", help="make an office's key pair for sealed identities (asks a passphrase)"
    )
    parser.add_argument("code", help='office code, e.g. "52.06" or "RI"')
    parser.add_argument(
        "--passphrase-stdin",
        action="store_true",
        help="read the passphrase from one line of standard input instead of the terminal",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace the office's key (refused while identities are sealed to it)",
    )
    parser.set_defaults(func=func)
