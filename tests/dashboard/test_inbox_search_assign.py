"""Word search and "Ambil" over real HTTP and storage: office scoping, what the index holds,
shredding, re-indexing old tickets, and who may take a ticket."""

from __future__ import annotations

import re

from sqlmodel import col, delete, select

from bot.runtime import utcnow
from storage.models import AuditLog, Ticket, TicketTerm
from storage.retention import shred_ticket
from storage.search_terms import reindex_all, words
from tests.fakes.dashboard import file_ticket, http_login, make_officer


def inbox_codes(client, **query: str) -> list[str]:
    page = client.get("/dashboard/", params=query)
    assert page.status_code == 200
    return re.findall(r'<tr class="[^"]*" data-code="([A-Z0-9-]+)"', page.text)


def test_words_are_found_only_in_the_officers_own_office_and_only_as_hashes(netra, dashboard):
    code = file_ticket(netra, "scope-1")
    bima = http_login(dashboard.base_url, make_officer(netra, "52.06"))
    dompu = http_login(dashboard.base_url, make_officer(netra, "52.07"))
    assert inbox_codes(bima, q="kampanye") == [code]
    assert inbox_codes(dompu, q="kampanye") == []  # the same word, another office: nothing
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        hashes = session.exec(
            select(TicketTerm.term_hash).where(TicketTerm.ticket_id == ticket.id)
        ).all()
    # One keyed hash per distinct word of the position, description and place; no word itself.
    assert len(hashes) == len(
        set(words(f"{ticket.description} {ticket.accused_position} {ticket.place}"))
    )
    assert all(re.fullmatch(r"[0-9a-f]{32}", h) for h in hashes)
    assert not {"kampanye", "camat", "sape"} & set(hashes)


def test_shredding_removes_the_words_and_reindexing_restores_old_tickets(netra, dashboard):
    kept = file_ticket(netra, "reindex-1")
    shredded = file_ticket(netra, "reindex-2")
    client = http_login(dashboard.base_url, make_officer(netra, "52.06"))
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == shredded)).one()
        ticket.status = "selesai"
        session.add(ticket)
        assert ticket.id is not None
        assert shred_ticket(session, ticket.id, now=utcnow())
        session.commit()
        left = session.exec(select(TicketTerm).where(TicketTerm.ticket_id == ticket.id)).all()
    assert left == []
    assert inbox_codes(client, q="kampanye") == [kept]

    with netra.session() as session:  # as before the index existed
        session.exec(delete(TicketTerm))  # type: ignore[call-overload]
        session.commit()
    assert inbox_codes(client, q="kampanye") == []
    assert reindex_all(netra.session) == 1  # the shredded ticket has no text to index
    assert inbox_codes(client, q="kampanye") == [kept]


def test_only_the_tickets_own_office_may_take_it_and_taking_over_is_audited(netra, dashboard):
    code = file_ticket(netra, "take-scope")
    first = make_officer(netra, "52.06")
    second = make_officer(netra, "52.06")
    province = http_login(dashboard.base_url, make_officer(netra, "52"))
    dompu = http_login(dashboard.base_url, make_officer(netra, "52.07"))
    with netra.session() as session:  # escalated: the province sees it, but it is Bima's
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        ticket.escalated_at, ticket.escalated_to = utcnow(), "52"
        session.add(ticket)
        session.commit()

    refused = province.post(f"/dashboard/tickets/{code}/assign", data={"csrf_token": province.csrf})
    assert refused.status_code == 422
    assert "Hanya laporan kantor Anda sendiri yang dapat diambil." in refused.text
    assert 'id="assign-form"' not in refused.text  # no button where it cannot work
    unseen = dompu.post(f"/dashboard/tickets/{code}/assign", data={"csrf_token": dompu.csrf})
    assert unseen.status_code == 404

    for who in (first, second):
        client = http_login(dashboard.base_url, who)
        taken = client.post(
            f"/dashboard/tickets/{code}/assign",
            data={"csrf_token": client.csrf, "back": "/dashboard/?q=kampanye"},
        )
        assert taken.status_code == 303 and taken.headers["location"] == "/dashboard/?q=kampanye"
    evil = client.post(
        f"/dashboard/tickets/{code}/assign",
        data={"csrf_token": client.csrf, "back": "https://example.org/"},
    )
    assert evil.headers["location"] == f"/dashboard/tickets/{code}"  # never off the dashboard
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        details = session.exec(
            select(AuditLog.detail).where(AuditLog.action == "assign").order_by(col(AuditLog.id))
        ).all()
    assert ticket.assignee_id == second.id
    assert details == [None, f"from={first.username}"]
    audit_page = client.get("/dashboard/audit").text
    assert f"dari {first.username}" in audit_page
