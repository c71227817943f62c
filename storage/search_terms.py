"""Text search over encrypted free text: a keyed blind index of whole words.

A report's description, the accused's position and name, and the place are stored only as
ciphertext, so the inbox cannot search them with ``LIKE`` and must not decrypt a whole office's
tickets per search. Instead, when a ticket is filed (and whenever its text changes), each
normalised word is stored in ``ticket_term`` as an HMAC-SHA256 under a key derived for this
purpose alone (``BlindIndexer.signer("ticket.term")``), truncated to 128 bits. A search
normalises and hashes the officer's words the same way and asks for tickets holding all of them.

What it finds: whole words, in any case and with or without accents ("Camat", "camat",
"CAMAT"); several words must all occur (in any of the four fields, any order). What it does not
find: parts of words ("cam" does not find "camat"), spelling variants or typos, words of one
character, the few very common words in ``STOPWORDS``, evidence, notes, or answers to questions.

What the index gives away to someone holding a database copy but not the key: how many words
a ticket has and which tickets share a word (the hashes are deterministic). Without the key the
words themselves cannot be tested. Retention deletes a ticket's rows together with its text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.bulk import BulkInsert
from storage.crypto import installed_keys
from storage.models import Ticket, TicketTerm

PURPOSE = "ticket.term"
HASH_CHARS = 32  # 128 bits of the HMAC: no collisions at any realistic size
MAX_TERMS = 400  # per ticket: a description is at most a few thousand characters
MAX_QUERY_WORDS = 6
# Core, not the ORM's bulk insert: a filed report writes a few dozen of these, on PostgreSQL
# as one JSON document (storage/bulk.py): one statement text for any number of words.
_TERMS = TicketTerm.__table__  # type: ignore[attr-defined]
_INSERT_TERM = BulkInsert(_TERMS, ("term_hash", "ticket_id"), returning=())
# Words too common in reports to narrow a search; skipping them keeps the index small.
STOPWORDS = frozenset(
    "yang dan di ke dari itu ini dengan untuk pada ada tidak atau juga dalam akan sudah "
    "saya kami kita mereka the and of to in a is".split()
)
_WORD = re.compile(r"[0-9a-z]+")


def words(text: str | None) -> list[str]:
    """Lower-case words without accents, longer than one character, common words left out."""
    if not text:
        return []
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return [w for w in _WORD.findall(plain) if len(w) > 1 and w not in STOPWORDS]


def term_hash(word: str) -> str:
    return installed_keys().blind.sign(word, PURPOSE)[:HASH_CHARS]


def ticket_words(ticket: Ticket) -> list[str]:
    """The searchable words of a ticket, each once, at most ``MAX_TERMS``."""
    fields: Iterable[str | None] = (
        ticket.description,
        ticket.accused_position,
        ticket.accused_name,
        ticket.place,
    )
    unique = dict.fromkeys(w for text in fields for w in words(text))
    return list(unique)[:MAX_TERMS]


def index_ticket(session: Session, ticket: Ticket, *, new: bool = False) -> int:
    """(Re)write a ticket's word hashes from its current text; returns how many. ``new``: the
    ticket was just inserted, so it has none to remove yet."""
    assert ticket.id is not None
    if not new:
        forget_ticket(session, ticket.id)
    hashes = sorted({term_hash(w) for w in ticket_words(ticket)})
    if hashes:
        _INSERT_TERM(
            session.connection(), [{"term_hash": h, "ticket_id": ticket.id} for h in hashes]
        )
    return len(hashes)


def forget_ticket(session: Session, ticket_id: int) -> None:
    """Remove a ticket's word hashes (before re-indexing, and when its text is shredded)."""
    session.execute(delete(TicketTerm).where(col(TicketTerm.ticket_id) == ticket_id))


def query_hashes(text: str | None) -> tuple[str, ...]:
    """The hashes to look for: each distinct word of the search, at most ``MAX_QUERY_WORDS``."""
    unique = list(dict.fromkeys(words(text)))[:MAX_QUERY_WORDS]
    return tuple(term_hash(w) for w in unique)


def reindex_all(open_session: Callable[[], Session], *, batch: int = 200) -> int:
    """Write every unshredded ticket's word hashes again (tickets filed before the index
    existed); a batch per committed transaction, resumable, safe while serving."""
    done = 0
    last = 0
    while True:
        with open_session() as session:
            tickets = session.exec(
                select(Ticket)
                .where(col(Ticket.id) > last, col(Ticket.shredded_at).is_(None))
                .order_by(col(Ticket.id))
                .limit(batch)
            ).all()
            for ticket in tickets:
                index_ticket(session, ticket)
            session.commit()
        if not tickets:
            return done
        done += len(tickets)
        last = tickets[-1].id or last
