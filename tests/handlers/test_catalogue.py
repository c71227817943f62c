"""The violation catalogue: order, separate entries, and only verifiable legal references."""

from __future__ import annotations

import re

from handlers.categories import BY_KEY, CATEGORIES, matching_categories
from handlers.details import EMPLOYMENTS

# The instruments the project's domain notes confirm; anything else would be a guess.
VERIFIED = re.compile(
    r"^(SKB Netralitas ASN 2022, Lampiran II|PP 94/2021 Pasal 5 huruf n( \([^)]*\))?"
    r"|UU 10/2016 Pasal 71(, 188)?|PP 49/2018 \(PPPK\))$"
)


def test_partisan_activities_come_first_then_social_media_photos_and_declarations():
    assert [c.key for c in CATEGORIES[:4]] == ["mobilisasi", "medsos", "foto", "kampanye"]


def test_party_membership_and_campaign_team_roles_are_separate_entries():
    assert matching_categories("pengurus partai") == ["partai"]
    assert matching_categories("tim sukses") == ["tim_kampanye"]


def test_banners_are_put_up_and_id_card_collecting_has_its_own_entry():
    assert "Memasang spanduk" in BY_KEY["atribut"].label("id")
    assert matching_categories("mengumpulkan fotokopi ktp") == ["dukungan_perseorangan"]


def test_every_reference_is_a_verified_instrument_or_left_out():
    for category in CATEGORIES:
        for ref in filter(None, category.refs.split("; ")):
            assert VERIFIED.match(ref), (category.key, ref)
    assert not re.search(r"\bD\d+\b", " ".join(c.refs for c in CATEGORIES))  # no invented codes


def test_pppk_honorer_and_bumn_staff_are_covered():
    assert {"pppk", "honorer", "bumn"} <= set(EMPLOYMENTS)
    assert "PPPK" in BY_KEY["lainnya"].label("id") and "BUMN" in BY_KEY["lainnya"].label("id")
