"""The reminder library as admins edit it: the shipped TOML is the default, the database holds
their versions and additions.

Every save runs the same checks as a composed broadcast (no partisan word, names its sender,
ends with the opt-out word) on both languages, so a template that reaches the compose page can
always be sent as it is.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session, col, select

from storage.broadcasts import (
    Template,
    load_templates,
    partisan,
    partisan_words,
    problems,
    render,
    template,
)
from storage.models import TemplateEdit
from storage.refusals import Problem, Refused

KEY = re.compile(r"^[a-z0-9_]{2,64}$")


class TemplateEditError(Refused):
    """A template save that is refused; shown on the page in the admin's language."""


def _from_edit(edit: TemplateEdit) -> Template:
    return Template(
        key=edit.key,
        stage=edit.stage,
        title_id=edit.title_id,
        title_en=edit.title_en,
        text_id=edit.text_id,
        text_en=edit.text_en,
        content_sid=edit.content_sid or None,
    )


def effective_templates(session: Session) -> list[Template]:
    """The shipped templates in file order with admins' versions in their place, then the
    templates admins added, by key."""
    edits = {e.key: e for e in session.exec(select(TemplateEdit).order_by(col(TemplateEdit.key)))}
    shipped = load_templates()
    out = [_from_edit(edits.pop(t.key)) if t.key in edits else t for t in shipped]
    return out + [_from_edit(e) for e in edits.values()]


def effective_template(session: Session, key: str) -> Template | None:
    edit = session.get(TemplateEdit, key)
    if edit is not None:
        return _from_edit(edit)
    return template(key)


def is_edited(session: Session, key: str) -> bool:
    return session.get(TemplateEdit, key) is not None


def is_shipped(key: str) -> bool:
    return template(key) is not None


def template_problems(template: Template, operator: str, days: int) -> list[Problem]:
    """Why a template may not be saved, per language, as an admin can act on it."""
    found: list[Problem] = []
    for lang, text in (("id", template.text_id), ("en", template.text_en)):
        rendered = render(text, lang, operator=operator, days=days)
        why = problems(rendered, lang, operator)
        if re.search(r"\{[a-z_]*\}", rendered):
            why.append(
                Problem(
                    "unknown placeholder (use {operator}, {days}, {stop})",
                    "penanda tidak dikenal (pakai {operator}, {days}, {stop})",
                )
            )
        found.extend(Problem(f"{lang}: {p.en}", f"{lang}: {p.id}") for p in why)
    for lang, title in (("id", template.title_id), ("en", template.title_en)):
        words = partisan_words(title)
        if words:
            found.append(partisan(words, f"title ({lang}): "))
    return found


def save_template(
    session: Session,
    template: Template,
    *,
    stages: set[str],
    operator: str,
    days: int,
    officer_id: int | None,
    now: datetime,
) -> None:
    """Store an admin's version (or a new template) after the neutrality checks."""
    if not KEY.match(template.key):
        raise TemplateEditError(
            Problem(
                "key: 2-64 lower-case letters, digits or _",
                "kunci: 2–64 huruf kecil, angka, atau _",
            )
        )
    if template.stage not in stages:
        raise TemplateEditError(
            Problem(f"unknown stage: {template.stage}", f"tahap tidak dikenal: {template.stage}")
        )
    if not template.title_id.strip() or not template.title_en.strip():
        raise TemplateEditError(
            Problem("a title in both languages is needed", "judul dalam kedua bahasa wajib diisi")
        )
    found = template_problems(template, operator, days)
    if found:
        raise TemplateEditError(*found)
    edit = session.get(TemplateEdit, template.key) or TemplateEdit(
        key=template.key,
        stage=template.stage,
        title_id="",
        title_en="",
        text_id="",
        text_en="",
        updated_at=now,
    )
    edit.stage = template.stage
    edit.title_id = template.title_id.strip()
    edit.title_en = template.title_en.strip()
    edit.text_id = template.text_id.strip()
    edit.text_en = template.text_en.strip()
    edit.content_sid = (template.content_sid or "").strip() or None
    edit.updated_at, edit.updated_by = now, officer_id
    session.add(edit)
    session.flush()


def reset_template(session: Session, key: str) -> bool:
    """Back to the shipped text (or, for an admin's own template, gone)."""
    edit = session.get(TemplateEdit, key)
    if edit is None:
        return False
    session.delete(edit)
    session.flush()
    return True
