"""The reminder library as admins edit it: saved over the TOML, checked on every save."""

from __future__ import annotations

from dataclasses import replace

import pytest

from storage import broadcasts as store
from storage import templates as library
from storage.calendar import load_calendar
from tests.fakes.subscribers import MIDDAY

OPERATOR = "Bawaslu RI melalui Netra"
STAGES = {s.key for s in load_calendar().stages}


def save(session, template: store.Template) -> None:  # type: ignore[no-untyped-def]
    library.save_template(
        session, template, stages=STAGES, operator=OPERATOR, days=7, officer_id=None, now=MIDDAY
    )


def test_an_edited_template_replaces_the_shipped_one_until_reset(netra) -> None:  # type: ignore[no-untyped-def]
    shipped = store.template("masa_tenang")
    assert shipped is not None
    edited = replace(
        shipped, text_id="{operator}: Masa tenang. Laporkan dalam {days} hari, 24 jam. {stop}"
    )
    with netra.session() as session:
        save(session, edited)
        session.commit()
    with netra.session() as session:
        found = library.effective_template(session, "masa_tenang")
        assert found is not None and found.text_id.startswith("{operator}: Masa tenang. Laporkan")
        keys = [t.key for t in library.effective_templates(session)]
        assert keys == [t.key for t in store.load_templates()]  # same place in the library
        assert library.reset_template(session, "masa_tenang")
        assert library.effective_template(session, "masa_tenang") == shipped
    assert store.template("masa_tenang") == shipped  # the TOML file is untouched


def test_a_new_template_joins_the_library_for_its_stage(netra) -> None:  # type: ignore[no-untyped-def]
    new = store.Template(
        "rekap_pekan_dua",
        "rekapitulasi",
        "Rekapitulasi pekan kedua",
        "Second week of counting",
        "{operator}: Rekapitulasi berlanjut. Laporkan dalam {days} hari. {stop}",
        "{operator}: Counting goes on. Report within {days} days. {stop}",
        None,
    )
    with netra.session() as session:
        save(session, new)
        session.commit()
        assert library.effective_templates(session)[-1] == new


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"text_id": "{operator}: Pilih nomor urut 2! {stop}"}, "id: partisan words: nomor urut"),
        ({"text_en": "{operator}: The incumbent deserves it. {stop}"}, "en: partisan words"),
        ({"text_id": "Bawaslu: ASN wajib netral. {stop}"}, "id: does not say who sends it"),
        ({"text_en": "{operator}: Stay neutral."}, "en: does not end with the opt-out word"),
        ({"text_en": "{operator}: Within {hari} days. {stop}"}, "unknown placeholder"),
        ({"title_id": "Dukung partai"}, "title \\(id\\): partisan words: partai"),
        ({"stage": "pesta"}, "unknown stage"),
        ({"key": "Bad Key!"}, "key:"),
    ],
)
def test_a_save_that_breaks_a_rule_is_refused_with_the_reason(netra, change, reason) -> None:  # type: ignore[no-untyped-def]
    shipped = store.template("pagi_pemungutan")
    assert shipped is not None
    with netra.session() as session:
        with pytest.raises(library.TemplateEditError, match=reason):
            save(session, replace(shipped, **change))
        assert not library.is_edited(session, "pagi_pemungutan")
