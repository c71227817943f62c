"""Retention: a closed ticket past its period loses its reporter's identity, evidence and free
text; statistics and an audit entry stay; a legal hold stops it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import select

from bot.jobs import purge_old_records, retention_policy, shred_expired
from bot.runtime import Netra, utcnow
from storage.models import (
    AuditLog,
    Evidence,
    InboundMessage,
    OutboxMessage,
    Reporter,
    SealedIdentity,
    Ticket,
    TicketEvent,
)
from storage.retention import plan_for, set_legal_hold
from tests.fakes.dashboard import file_ticket, png
from tests.fakes.identity import NIK, give_office_key
from tests.storage.test_sealed_identity import file_with_identity


def _close(netra: Netra, *, status: str = "selesai", days_ago: int) -> Ticket:
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        ticket.status = status
        session.add(ticket)
        session.add(
            TicketEvent(
                ticket_id=ticket.id,
                at=utcnow() - timedelta(days=days_ago),
                kind="status",
                to_status=status,
            )
        )
        session.commit()
        return ticket


def _raw_text(netra: Netra) -> str:
    with netra.db.connect() as conn:
        tables = ("ticket", "evidence", "ticketevent", "sealedidentity", "reporter")
        return "\n".join(repr(conn.execute(text(f"SELECT * FROM {t}")).all()) for t in tables)


def test_expired_ticket_is_shredded_and_statistics_stay(netra):
    file_ticket(netra, "shred-1", photo=png())
    with netra.session() as session:
        filed = session.exec(select(Ticket)).one()
        filed.place = "Balai Desa Sukamaju"
        filed.accused_nip = "198501012010011001"
        session.add(filed)
        session.commit()
    closed = _close(netra, days_ago=netra.settings.retention_selesai_days + 1)
    assert shred_expired(netra) == 1
    with netra.session() as session:
        ticket = session.get(Ticket, closed.id)
        assert ticket.shredded_at is not None and ticket.reporter_id is None
        assert ticket.description == "" and ticket.accused_name is None
        assert ticket.place is None and ticket.accused_nip is None
        assert (ticket.category, ticket.office_code, ticket.status) == (
            closed.category,
            closed.office_code,
            "selesai",
        )
        evidence = session.exec(select(Evidence)).all()
        assert evidence and all(e.data is None and e.link is None for e in evidence)
        assert session.exec(select(Reporter)).all() == []  # nothing else needed the identity
        actions = [a.action for a in session.exec(select(AuditLog))]
    assert "ticket_shredded" in actions
    assert shred_expired(netra) == 0  # once only


def test_sealed_identity_is_shredded_with_the_ticket(netra):
    give_office_key(netra)
    file_with_identity(netra)
    _close(netra, status="tidak_ditindaklanjuti", days_ago=365)
    assert shred_expired(netra) == 1
    with netra.session() as session:
        assert session.exec(select(SealedIdentity)).all() == []
    assert NIK not in _raw_text(netra)


def test_ticket_within_its_period_shows_its_shredding_date(netra):
    file_ticket(netra, "shred-2")
    closed = _close(netra, days_ago=10)
    assert shred_expired(netra) == 0
    with netra.session() as session:
        plan = plan_for(session, session.get(Ticket, closed.id), retention_policy(netra.settings))
    expected = (utcnow() - timedelta(days=10) + timedelta(days=365)).date()
    assert plan.state == "scheduled" and plan.on == expected


def test_legal_hold_stops_shredding(netra):
    file_ticket(netra, "shred-3")
    closed = _close(netra, days_ago=1000)
    with netra.session() as session:
        ticket = session.get(Ticket, closed.id)
        set_legal_hold(
            session, ticket, hold=True, reason="Perkara di Gakkumdu", officer=None, now=utcnow()
        )
        session.commit()
    assert shred_expired(netra) == 0
    with netra.session() as session:
        ticket = session.get(Ticket, closed.id)
        assert ticket.shredded_at is None and ticket.description
        assert plan_for(session, ticket, retention_policy(netra.settings)).state == "held"


def test_open_ticket_is_never_shredded(netra):
    file_ticket(netra, "shred-4")
    assert shred_expired(netra) == 0


def test_spent_dedup_records_and_sent_outbox_rows_are_purged_on_schedule(netra):
    file_ticket(netra, "purge-1")
    old = utcnow() - timedelta(days=30)
    with netra.session() as session:
        assert session.exec(select(InboundMessage)).all()
        for row in session.exec(select(InboundMessage)):
            row.received_at = old
            session.add(row)
        for row in session.exec(select(OutboxMessage)):
            row.status, row.created_at, row.sent_at = "sent", old, old
            session.add(row)
        session.commit()
    purge_old_records(netra)
    with netra.session() as session:
        assert session.exec(select(InboundMessage)).all() == []
        assert session.exec(select(OutboxMessage)).all() == []


def test_inbound_message_ids_are_stored_as_keyed_hashes(netra):
    file_ticket(netra, "hash-1")
    with netra.db.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT platform_id FROM inboundmessage"))]
    assert stored and all(len(v) == 64 and not v.startswith("m") for v in stored)


def test_identity_of_a_reporter_who_opted_out_goes_after_silence(netra):
    from tests.fakes.reporter import ScriptedReporter

    reporter = ScriptedReporter(netra, "optout-1")
    reporter.send("/langganan")
    reporter.send("/berhenti")
    with netra.session() as session:
        row = session.exec(select(Reporter)).one()
        assert not row.subscribed
        row.last_inbound_at = utcnow() - timedelta(days=2)
        session.add(row)
        session.commit()
    shred_expired(netra)
    with netra.session() as session:
        assert session.exec(select(Reporter)).all() == []
