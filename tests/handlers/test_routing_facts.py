"""Routing by where it happened, and the facts a ticket carries, through the engine."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.models import Ticket
from storage.offices import INSTITUTION_LEVELS, NATIONAL_CODE, RACES, route
from storage.regions import default_directory
from tests.fakes.reporter import HAPPY_PATH, ScriptedReporter

DIRECTORY = default_directory()
SINJAI = DIRECTORY.get("73.07")  # Kabupaten Sinjai, Sulawesi Selatan
SULSEL = DIRECTORY.get("73")  # only the province known


def _expected(level: str, place: str, race: str) -> str:
    if place == "none":
        return NATIONAL_CODE
    if place == "province":
        return "73"
    if level == "provinsi" and race in ("gubernur", "keduanya"):
        return "73"
    return "73.07"


@pytest.mark.parametrize("race", RACES)
@pytest.mark.parametrize("place", ("kabkota", "province", "none"))
@pytest.mark.parametrize("level", INSTITUTION_LEVELS)
def test_routing_table(level: str, place: str, race: str) -> None:
    region = {"kabkota": SINJAI, "province": SULSEL, "none": None}[place]
    assert route(region, level, race) == _expected(level, place, race)


def test_national_agency_staff_go_to_the_office_of_the_place_not_bawaslu_ri() -> None:
    # A Kemenag KUA head in Sinjai, a lecturer of a state university: both local.
    assert route(SINJAI, "vertikal") == "73.07"
    assert route(SINJAI, "pusat") == "73.07"
    assert route(SINJAI, "tni_polri") == "73.07"


def _answers(**changes: str) -> list[str]:
    answers = list(HAPPY_PATH)
    for old, new in changes.items():
        answers[answers.index(old)] = new
    return answers


def _file(netra, address: str, answers: list[str]) -> tuple[ScriptedReporter, str]:
    reporter = ScriptedReporter(netra, address)
    out = ""
    for answer in answers:
        out = reporter.says(answer)
    return reporter, out


def _ticket(netra) -> Ticket:
    with netra.session() as session:
        ticket = session.exec(select(Ticket)).one()
        session.expunge(ticket)
        return ticket


def test_kemenag_official_in_sinjai_goes_to_bawaslu_sinjai(netra):
    answers = _answers(**{"Camat Sape, Pemerintah Kabupaten Bima": "Kepala KUA Sinjai Utara"})
    answers.remove("kabkota")  # "KUA" tells the level: a national agency's local office
    answers[answers.index("Kab. Bima")] = "Sinjai"
    reporter, out = _file(netra, "kua", answers)
    assert "Kode laporan:" in out
    ticket = _ticket(netra)
    assert ticket.office_code == "73.07"
    assert ticket.institution_level == "vertikal"
    assert any("Instansi vertikal" in r.text for r in reporter.transcript)


def test_provincial_official_and_governor_race_go_to_the_province(netra):
    answers = _answers(kabkota="provinsi", bupati="gubernur")
    _file(netra, "pemprov", answers)
    ticket = _ticket(netra)
    assert ticket.office_code == "52"  # Bawaslu Provinsi NTB
    assert ticket.race == "gubernur"


def test_provincial_official_in_the_regent_race_stays_with_the_kabupaten(netra):
    _file(netra, "pemprov-bupati", _answers(kabkota="provinsi"))
    assert _ticket(netra).office_code == "52.06"


def test_sma_teacher_is_provincial_staff(netra):
    answers = _answers(**{"Camat Sape, Pemerintah Kabupaten Bima": "Guru SMA Negeri 1 Sinjai"})
    answers.remove("kabkota")
    reporter, _ = _file(netra, "sma", answers)
    assert _ticket(netra).institution_level == "provinsi"
    assert any("SMA/SMK" in r.text for r in reporter.transcript)


def test_police_officer_is_routed_to_the_place_with_an_honest_level(netra):
    answers = _answers(**{"Camat Sape, Pemerintah Kabupaten Bima": "Kapolsek Sape"})
    answers.remove("kabkota")
    _file(netra, "polisi", answers)
    ticket = _ticket(netra)
    assert ticket.institution_level == "tni_polri" and ticket.office_code == "52.06"


@pytest.mark.parametrize("typed", ["kabupaten", "Kabupaten", "pemkab", "kota"])
def test_kabupaten_is_a_valid_answer_at_the_level_step(netra, typed):
    _file(netra, f"lvl-{typed}", _answers(kabkota=typed))
    assert _ticket(netra).institution_level == "kabkota"


def test_the_ticket_carries_the_new_facts(netra):
    answers = _answers(lewati="Pak Budi NIP 19800101 200501 1 001")
    _file(netra, "facts", answers)
    ticket = _ticket(netra)
    with netra.session() as session:
        ticket = session.get(Ticket, ticket.id)
        assert ticket.accused_name == "Pak Budi"
        assert ticket.accused_nip == "198001012005011001"
        assert ticket.race == "bupati_walikota"
        assert ticket.employment == "pns"
        assert ticket.how_known == "saw"
        assert ticket.witnesses_willing == "ya"
        assert ticket.place == "Aula Kantor Camat Sape"
        assert ticket.gakkumdu is False


def test_skip_all_jumps_to_the_summary_and_stores_nothing(netra):
    answers = list(HAPPY_PATH)
    start = answers.index("bupati")
    answers[start : answers.index("kirim")] = ["lewati semua"]
    _, out = _file(netra, "skipall", answers)
    assert "Kode laporan:" in out
    ticket = _ticket(netra)
    assert ticket.race == "unknown" and ticket.employment == "unknown" and ticket.place is None


def test_skip_all_in_english(netra):
    reporter = ScriptedReporter(netra, "skipall-en")
    reporter.says("/bahasa en")
    answers = list(HAPPY_PATH)
    answers[answers.index("bupati") : answers.index("kirim")] = ["Skip all"]
    out = ""
    for answer in answers:
        out = reporter.says(answer)
    assert "Report code:" in out


@pytest.mark.parametrize("word", ["gak tau", "tdk tahu", "belum tahu", "nggak", "tau"])
def test_dont_know_words_skip_the_name(netra, word):
    _file(netra, f"skip-{word}", _answers(lewati=word))
    assert _ticket(netra).accused_name is None


def test_vote_buying_raises_the_gakkumdu_flag(netra):
    story = "Kepala dinas membagikan amplop berisi uang kepada warga agar memilih calon nomor 2."
    description = HAPPY_PATH[HAPPY_PATH.index("kabkota") + 5]
    _file(netra, "amplop", _answers(**{description: story}))
    assert _ticket(netra).gakkumdu is True


@pytest.mark.parametrize("link", ["www.facebook.com/kadis.sinjai/posts/1", "fb.com/story/123"])
def test_links_without_http_are_accepted(netra, link):
    reporter, _ = _file(netra, f"link-{link}", _answers(**{"https://example.org/rekaman": link}))
    assert not any("diawali http" in r.text for r in reporter.transcript)
    from storage.models import Evidence

    with netra.session() as session:
        evidence = session.exec(select(Evidence)).one()
        assert evidence.link == "https://" + link


def test_witnesses_willing_is_not_asked_without_witnesses(netra):
    answers = _answers(**{"Dua staf kecamatan": "lewati"})
    answers.remove("ya")
    _, out = _file(netra, "nowit", answers)
    assert "Kode laporan:" in out
    assert _ticket(netra).witnesses_willing is None


@pytest.mark.parametrize("unknown", ["tidak tahu", "gak tau"])
def test_no_place_at_all_goes_to_bawaslu_ri(netra, unknown):
    _, out = _file(netra, f"noplace-{unknown}", _answers(**{"Kab. Bima": unknown}))
    assert "Bawaslu RI" in out or "Bawaslu Republik Indonesia" in out
    assert _ticket(netra).office_code == NATIONAL_CODE
