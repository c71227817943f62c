"""Shared pieces for the digest tests: tickets with secret content, and the digest settings."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from bot.digests import DigestConfig
from bot.runtime import Netra
from storage.models import Reporter, Ticket, TicketEvent

# What a reporter typed or is: none of it may ever appear in a digest.
SECRETS = {
    "description": "Camat Sukamaju membagikan amplop kepada guru honorer di aula",
    "position": "Sekretaris Dinas Pendidikan Rahasia",
    "name": "Bambang Sutrisno Wibisono",
    "witnesses": "Siti Nurhaliza Kesaksian",
    "question": "Pertanyaan lanjutan tentang lokasi amplop",
    "answer": "Jawaban pelapor tentang gedung serbaguna",
    "address": "987654321",
    "profile": "Pelapor Anonim Rahasia",
}

_codes = itertools.count(1)


def config_of(netra: Netra) -> DigestConfig:
    return DigestConfig.from_settings(netra.settings)


def make_reporter(session: Session, now: datetime) -> Reporter:
    reporter = Reporter(
        lookup=f"lookup-{next(_codes)}",
        channel="telegram",
        address=SECRETS["address"],
        profile_name=SECRETS["profile"],
        created_at=now,
        last_inbound_at=now,
    )
    session.add(reporter)
    session.flush()
    return reporter


def make_ticket(
    session: Session,
    *,
    office: str,
    region: str | None = None,
    created_at: datetime,
    status: str = "baru",
    category: str = "kampanye",
    learned: date | None = None,
    reporter: Reporter | None = None,
    info_requested_at: datetime | None = None,
) -> Ticket:
    number = next(_codes)
    ticket = Ticket(
        code=f"T{number:05d}",
        receipt_hash="x",
        reporter_id=reporter.id if reporter else None,
        office_code=office,
        region_code=region or office,
        category=category,
        institution_level="kabkota",
        incident_date=(learned or created_at.date()) - timedelta(days=1),
        learned_date=learned or created_at.date(),
        status=status,
        created_at=created_at,
        updated_at=created_at,
        accused_position=SECRETS["position"],
        accused_name=SECRETS["name"],
        description=SECRETS["description"],
        witnesses=SECRETS["witnesses"],
        info_requested_at=info_requested_at,
    )
    session.add(ticket)
    session.flush()
    return ticket


def add_followup(session: Session, ticket: Ticket, asked: datetime, answered: datetime) -> None:
    assert ticket.id is not None
    session.add(
        TicketEvent(ticket_id=ticket.id, at=asked, kind="question", body=SECRETS["question"])
    )
    session.add(
        TicketEvent(ticket_id=ticket.id, at=answered, kind="answer", body=SECRETS["answer"])
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def session(netra: Netra) -> Iterator[Session]:
    with netra.session() as opened:
        yield opened


from tests.fakes.dashboard import dashboard, officer_factory, shots, sized_page  # noqa: E402, F401
