"""The 553 Bawaslu offices and how a report is routed to one of them."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from storage.models import Office
from storage.regions import Region, RegionDirectory

NATIONAL_CODE = "RI"
INSTITUTION_LEVELS = ("kabkota", "provinsi", "pusat", "unknown")


def office_name(region: Region) -> str:
    if region.level == "provinsi":
        return f"Bawaslu Provinsi {region.name}"
    return f"Bawaslu {region.name}"


def seed_offices(session: Session, directory: RegionDirectory) -> int:
    """Create any missing office (idempotent; contacts already imported are kept)."""
    existing = set(session.exec(select(Office.code)))
    added = 0
    if NATIONAL_CODE not in existing:
        session.add(
            Office(
                code=NATIONAL_CODE,
                name="Bawaslu Republik Indonesia",
                level="ri",
                timezone="Asia/Jakarta",
            )
        )
        added += 1
    for region in directory.all():
        if region.code in existing:
            continue
        session.add(
            Office(
                code=region.code,
                name=office_name(region),
                level=region.level,
                parent_code=region.parent_code or NATIONAL_CODE,
                timezone=region.timezone,
            )
        )
        added += 1
    return added


def route(region: Region, institution_level: str) -> str:
    """The office that handles a report: where it happened, at the institution's level.

    A kab/kota official goes to the Bawaslu of the incident's kab/kota, a provincial-government
    official to the Bawaslu Provinsi, a national institution to Bawaslu RI. When the reporter
    only knew the province, the Bawaslu Provinsi takes it and can reassign.
    """
    if institution_level == "pusat":
        return NATIONAL_CODE
    if institution_level == "provinsi" or region.level == "provinsi":
        return region.province_code
    return region.code


def email_addresses(value: str | None) -> list[str]:
    """An office's address field: several addresses separated by commas, semicolons or spaces."""
    if not value:
        return []
    return [a for a in value.replace(";", ",").replace(" ", ",").split(",") if a]


def valid_email(value: str) -> bool:
    local, _, domain = value.partition("@")
    return (
        bool(local) and "." in domain and "@" not in domain and not any(c.isspace() for c in value)
    )


@dataclass(frozen=True)
class ImportResult:
    updated: int
    errors: list[str]


def import_contacts(session: Session, path: Path) -> ImportResult:
    """Load office contacts from a CSV with columns ``code,telegram_chat_id,email``.

    ``email`` may hold several addresses separated by commas or semicolons (quote the field).

    Every row is checked before any is applied, so a file with one bad line changes nothing.
    """
    errors: list[str] = []
    rows: list[tuple[Office, str | None, str | None]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "code" not in reader.fieldnames:
            return ImportResult(0, ["the file needs a header with a 'code' column"])
        for line_no, row in enumerate(reader, start=2):
            code = (row.get("code") or "").strip()
            office = session.get(Office, code)
            if office is None:
                errors.append(f"line {line_no}: unknown office code {code!r}")
                continue
            chat_id = (row.get("telegram_chat_id") or "").strip() or None
            email = (row.get("email") or "").strip() or None
            if chat_id is not None and not chat_id.lstrip("-").isdigit():
                errors.append(f"line {line_no}: telegram_chat_id must be a number")
                continue
            if email is not None:
                found = email_addresses(email)
                bad = [a for a in found if not valid_email(a)]
                if bad or not found:
                    errors.append(f"line {line_no}: {email!r} is not an e-mail address")
                    continue
                email = ", ".join(found)
            rows.append((office, chat_id, email))
    if errors:
        return ImportResult(0, errors)
    for office, chat_id, email in rows:
        office.telegram_chat_id = chat_id
        office.email = email
        session.add(office)
    return ImportResult(len(rows), [])
