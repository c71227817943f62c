"""The ticket page shows the facts an officer needs; destinations and categories are columns."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlmodel import select

from storage.models import Ticket, TicketEvent
from tests.fakes.dashboard import file_ticket, http_login, make_officer
from tests.fakes.reporter import HAPPY_PATH

BIMA = "52.06"
WITH_NIP = tuple("Pak Budi NIP 198001012005011001" if a == "lewati" else a for a in HAPPY_PATH)


def _ticket(netra, code: str) -> Ticket:
    with netra.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.code == code)).one()
        session.expunge(ticket)
        return ticket


def _post(client, code: str, path: str, data: dict[str, object]):
    return client.post(
        f"/dashboard/tickets/{code}/{path}", data={"csrf_token": client.csrf, **data}
    )


def test_ticket_page_shows_the_new_facts(netra, dashboard):
    code = file_ticket(netra, "8100000001", answers=WITH_NIP)
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    page = client.get(f"/dashboard/tickets/{code}").text
    for shown in (
        "Bupati / Wali Kota",
        "PNS",
        "198001012005011001",
        "Aula Kantor Camat Sape",
        "Melihat langsung",
        "Batas registrasi temuan",
    ):
        assert shown in page, shown
    assert 'id="gakkumdu-flag"' not in page


def test_csv_carries_the_facts_but_not_the_nip_or_place(netra, dashboard):
    file_ticket(netra, "8100000002", answers=WITH_NIP)
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    text = client.get("/dashboard/export.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["race"] == "bupati_walikota" and rows[0]["employment"] == "pns"
    assert rows[0]["how_known"] == "saw" and rows[0]["witnesses_willing"] == "ya"
    assert "198001012005011001" not in text and "Aula Kantor" not in text


def test_a_temuan_needs_its_register_entry_and_is_stored_as_a_column(netra, dashboard):
    code = file_ticket(netra, "8100000003")
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    _post(client, code, "status", {"status": "dikaji", "note": "mulai dikaji"})
    refused = _post(
        client,
        code,
        "status",
        {"status": "ditindaklanjuti", "note": "jadi temuan", "destination": "temuan"},
    )
    # Refused on the page itself, with the reason and what the officer typed (issue 12).
    assert refused.status_code == 422
    assert "Temuan memerlukan nomor dan tanggal register." in refused.text
    assert ">jadi temuan</textarea>" in refused.text
    assert _ticket(netra, code).status == "dikaji"
    temuan = {
        "status": "ditindaklanjuti",
        "note": "dijadikan temuan",
        "destination": "temuan",
        "register_number": "001/Reg/TM/PB/Kab/22.06/XI/2024",
    }
    # The register date is typed as officers write it; an unreadable one is refused, kept.
    unread = _post(client, code, "status", {**temuan, "register_date": "31/11/2024"})
    assert unread.status_code == 422 and "Tanggal tidak terbaca" in unread.text
    assert 'value="31/11/2024"' in unread.text
    _post(client, code, "status", {**temuan, "register_date": "21/11/2024"})
    ticket = _ticket(netra, code)
    assert ticket.destination == "temuan" and ticket.destination_date == date(2024, 11, 21)
    assert ticket.destination_ref == "001/Reg/TM/PB/Kab/22.06/XI/2024"
    with netra.session() as session:
        bodies = [e.body for e in session.exec(select(TicketEvent))]
    assert "dijadikan temuan" in bodies  # the note as written, without a "[temuan]" prefix
    page = client.get(f"/dashboard/tickets/{code}").text
    assert "001/Reg/TM/PB/Kab/22.06/XI/2024" in page


def test_propam_is_a_destination_for_a_police_officer(netra, dashboard):
    code = file_ticket(netra, "8100000004")
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    _post(client, code, "status", {"status": "dikaji", "note": "mulai dikaji"})
    _post(
        client,
        code,
        "status",
        {"status": "ditindaklanjuti", "note": "ke Propam", "destination": "propam"},
    )
    assert _ticket(netra, code).destination == "propam"


def test_reclassifying_sets_several_categories_with_a_timeline_note(netra, dashboard):
    code = file_ticket(netra, "8100000005")
    client = http_login(dashboard.base_url, make_officer(netra, BIMA))
    answer = _post(
        client,
        code,
        "categories",
        {"categories": ["medsos", "mobilisasi"], "note": "juga ajakan kepada bawahan"},
    )
    assert "ok=saved" in answer.headers["location"]
    ticket = _ticket(netra, code)
    assert (ticket.category, ticket.extra_categories) == ("medsos", "mobilisasi")
    page = client.get(f"/dashboard/tickets/{code}").text
    assert "Kategori diubah" in page and "juga ajakan kepada bawahan" in page
    bad = _post(client, code, "categories", {"categories": ["bukan"], "note": "salah ketik"})
    assert bad.status_code == 422 and "Pilih kategori dari daftar." in bad.text
    assert ">salah ketik</textarea>" in bad.text


def test_the_api_carries_the_facts(netra, dashboard):
    import httpx

    from bot.runtime import utcnow
    from storage.models import Officer
    from storage.officers import create_token

    code = file_ticket(netra, "8100000006")
    who = make_officer(netra, BIMA)
    with netra.session() as session:
        officer = session.get(Officer, who.id)
        token = create_token(session, officer, "uji", now=utcnow())
        session.commit()
    api = httpx.Client(base_url=dashboard.base_url, headers={"Authorization": f"Bearer {token}"})
    facts = api.get(f"/api/v1/tickets/{code}").json()["facts"]
    assert facts["race"] == "bupati_walikota" and facts["employment"] == "pns"
