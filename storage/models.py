"""Tables. Identity and free text are declared with the encrypted column types; routing fields
(office, category, dates, status) stay plain so offices can filter and count them.

The table classes carry ciphertext-backed fields and never leave ``storage``/``handlers`` as they
are: what an officer or an API client sees is built from them explicitly.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from storage.crypto import BlindIndex, Encrypted, EncryptedBytes, EncryptedJSON

# Named constraints let Alembic alter tables on SQLite (batch mode) and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

# Statuses whose processing clock runs (``storage.workflow.OPEN_STATUSES``), as the partial
# indexes' SQL predicate; a query repeating this IN list is served by those indexes.
_OPEN = "status IN ('baru', 'dikaji', 'perlu_info')"


class Office(SQLModel, table=True):
    """A Bawaslu office; its key is the Kemendagri code of its region ("RI" for Bawaslu RI)."""

    code: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=120)
    level: str = Field(max_length=12)  # ri | provinsi | kabupaten | kota
    parent_code: str | None = Field(default=None, max_length=8, index=True)
    timezone: str = Field(default="Asia/Jakarta", max_length=32)
    # Office contacts are institutional, not reporter identity: stored plainly.
    telegram_chat_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    # The language of the office's daily digest (id | en).
    digest_lang: str = Field(default="id", max_length=5)


class Reporter(SQLModel, table=True):
    """One person on one channel. Nothing here reveals who they are without the keys."""

    id: int | None = Field(default=None, primary_key=True)
    lookup: str = Field(sa_type=BlindIndex("reporter.lookup"), unique=True)
    channel: str = Field(sa_type=Encrypted("reporter.channel"))
    address: str = Field(sa_type=Encrypted("reporter.address"))
    profile_name: str | None = Field(default=None, sa_type=Encrypted("reporter.profile_name"))
    lang: str = Field(default="id", max_length=5)
    created_at: datetime
    last_inbound_at: datetime
    unreachable: bool = False
    subscribed: bool = False


class Conversation(SQLModel, table=True):
    """Where a reporter stands in a flow, and their draft; one row per reporter.

    ``version`` is bumped on every save so that two workers racing on one reporter cannot both
    write: the loser's UPDATE matches no row and its whole turn is retried.
    """

    reporter_id: int = Field(
        sa_column=Column(Integer, ForeignKey("reporter.id", ondelete="CASCADE"), primary_key=True)
    )
    step: str | None = Field(default=None, max_length=32)
    state: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON("conversation.state"))
    version: int = 0
    updated_at: datetime


class InboundMessage(SQLModel, table=True):
    """Platform message ids already processed: platforms retry, each message acts once.

    The id is kept only as a keyed hash: a Twilio ``MessageSid`` maps to a phone number at
    Twilio, so the plain id next to a timestamp would identify a reporter.
    """

    __table_args__ = (UniqueConstraint("channel", "platform_id", name="uq_inbound_channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    platform_id: str = Field(sa_type=BlindIndex("inbound.platform_id"))
    received_at: datetime = Field(index=True)


class Ticket(SQLModel, table=True):
    """A submitted report. Free text is encrypted; routing fields are queryable."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=16)
    receipt_hash: str = Field(max_length=200)
    reporter_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("reporter.id", ondelete="SET NULL"), index=True),
    )
    # Office, status and category are indexed with the sort keys (``__table_args__``), not
    # alone: alone they tempt the planner into collecting and sorting whole offices.
    office_code: str = Field(foreign_key="office.code", max_length=8)
    region_code: str = Field(index=True, max_length=8)
    category: str = Field(max_length=32)
    institution_level: str = Field(max_length=12)
    incident_date: date
    learned_date: date
    late: bool = False
    status: str = Field(default="baru", max_length=24)
    lang: str = Field(default="id", max_length=5)
    created_at: datetime
    updated_at: datetime
    accused_position: str = Field(sa_type=Encrypted("ticket.accused_position", "content"))
    accused_name: str | None = Field(
        default=None, sa_type=Encrypted("ticket.accused_name", "content")
    )
    description: str = Field(sa_type=Encrypted("ticket.description", "content"))
    witnesses: str | None = Field(default=None, sa_type=Encrypted("ticket.witnesses", "content"))
    # Processing clock: 3 days from receipt, +2 once more information was requested.
    info_requested_at: datetime | None = None
    escalated_at: datetime | None = None
    # --- issue 11: listing at a million tickets ---
    # The Bawaslu Provinsi a kab/kota ticket was escalated to, written with ``escalated_at``:
    # visibility becomes ``office_code = X OR escalated_to = X``, two index range scans,
    # instead of a subquery over the office tree that no index can serve.
    escalated_to: str | None = Field(default=None, max_length=8)
    assignee_id: int | None = Field(default=None, foreign_key="officer.id")

    # Retention (issue 10): a legal hold stops shredding; ``shredded_at`` says when the
    # reporter-identifying data and free text were destroyed (statistics stay).
    legal_hold: bool = False
    legal_hold_reason: str | None = Field(default=None, max_length=300)
    shredded_at: datetime | None = None

    __table_args__ = (
        # Every inbox sort key, per office, with ``id`` as the keyset tie-breaker (the daily
        # digest reads the first two as well).
        Index("ix_ticket_office_created", "office_code", "created_at", "id"),
        Index("ix_ticket_office_updated", "office_code", "updated_at", "id"),
        Index("ix_ticket_office_status_created", "office_code", "status", "created_at", "id"),
        # Code search by prefix (LIKE 'ACD%') within an office, on PostgreSQL whatever the
        # database collation: a range of this index, not every ticket starting "AC" anywhere.
        Index(
            "ix_ticket_office_code_code",
            "office_code",
            "code",
            postgresql_ops={"code": "text_pattern_ops"},
        ),
        # Escalated tickets as their province sees them: few rows, so partial indexes.
        Index(
            "ix_ticket_escalated_created",
            "escalated_to",
            "created_at",
            "id",
            postgresql_where=text("escalated_to IS NOT NULL"),
            sqlite_where=text("escalated_to IS NOT NULL"),
        ),
        Index(
            "ix_ticket_escalated_updated",
            "escalated_to",
            "updated_at",
            "id",
            postgresql_where=text("escalated_to IS NOT NULL"),
            sqlite_where=text("escalated_to IS NOT NULL"),
        ),
        # Open tickets (the processing clock runs): the overdue filter and overdue-first order.
        Index(
            "ix_ticket_office_open",
            "office_code",
            "created_at",
            "id",
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
        # The deadline sort's second lane (due = receipt + processing + extension days).
        Index(
            "ix_ticket_office_info_requested",
            "office_code",
            "created_at",
            "id",
            postgresql_where=text("info_requested_at IS NOT NULL"),
            sqlite_where=text("info_requested_at IS NOT NULL"),
        ),
        # The escalation job's queue: open, not yet escalated, oldest first.
        Index(
            "ix_ticket_escalation_queue",
            "created_at",
            "id",
            postgresql_where=text(f"{_OPEN} AND escalated_at IS NULL"),
            sqlite_where=text(f"{_OPEN} AND escalated_at IS NULL"),
        ),
        Index(
            "ix_ticket_assignee",
            "assignee_id",
            "created_at",
            "id",
            postgresql_where=text("assignee_id IS NOT NULL"),
            sqlite_where=text("assignee_id IS NOT NULL"),
        ),
    )

    # --- issue 9: facts an officer needs to turn a report into a temuan ---
    race: str = Field(default="unknown", max_length=16)  # gubernur|bupati_walikota|keduanya|unknown
    employment: str = Field(default="unknown", max_length=16)  # pns|pppk|honorer|desa|tni|...
    accused_nip: str | None = Field(
        default=None, sa_type=Encrypted("ticket.accused_nip", "content")
    )
    place: str | None = Field(default=None, sa_type=Encrypted("ticket.place", "content"))
    incident_time: str | None = Field(default=None, max_length=16)  # "09.00", "pagi", "malam"
    how_known: str | None = Field(default=None, max_length=12)  # saw|told|social
    witnesses_willing: str | None = Field(default=None, max_length=8)  # ya|tidak|unknown
    gakkumdu: bool = False  # vote buying (money, envelopes): a possible election crime
    # Further categories an officer added when reclassifying (comma-separated keys).
    extra_categories: str = Field(default="", max_length=200)
    # Where a ticket taken up ("ditindaklanjuti") went, and for a temuan its register entry.
    destination: str | None = Field(default=None, max_length=16)
    destination_ref: str | None = Field(default=None, max_length=64)
    destination_date: date | None = None


class Evidence(SQLModel, table=True):
    """A link or file attached to a report; files are stored encrypted, never on disk in clear.

    Evidence first belongs to the reporter's draft (``ticket_id`` empty) and moves to the ticket
    on submission, so a cancelled draft takes its files with it.
    """

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("ticket.id", ondelete="CASCADE"), index=True),
    )
    reporter_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("reporter.id", ondelete="SET NULL"), index=True),
    )
    kind: str = Field(max_length=16)  # link | photo | document | video | voice | location
    content_type: str | None = Field(default=None, max_length=100)
    size: int = 0
    filename: str | None = Field(default=None, sa_type=Encrypted("evidence.filename", "content"))
    link: str | None = Field(default=None, sa_type=Encrypted("evidence.link", "content"))
    data: bytes | None = Field(default=None, sa_type=EncryptedBytes("evidence.data"))
    created_at: datetime


class StatusAttempt(SQLModel, table=True):
    """Each ``/status`` try, so wrong receipts can be throttled per reporter and per ticket."""

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("reporter.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    ticket_code: str | None = Field(default=None, index=True, max_length=16)
    success: bool = False
    at: datetime = Field(index=True)


class OutboxMessage(SQLModel, table=True):
    """A message waiting to be sent. Written in the same transaction as its cause, sent after.

    ``claimed_until`` is a lease: a sender claims a row with a conditional UPDATE, sends, then
    marks it; a sender that dies leaves the lease to expire and another one re-sends.
    """

    id: int | None = Field(default=None, primary_key=True)
    transport: str = Field(index=True, max_length=16)  # local | telegram | whatsapp | email
    reporter_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("reporter.id", ondelete="CASCADE"), index=True),
    )
    address: str = Field(sa_type=Encrypted("outbox.address"))
    payload: dict[str, Any] = Field(sa_type=EncryptedJSON("outbox.payload"))
    status: str = Field(default="pending", index=True, max_length=12)  # pending|sent|failed|held
    attempts: int = 0
    next_attempt_at: datetime = Field(index=True)
    claimed_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime
    sent_at: datetime | None = None
    # A reply to the reporter's own message goes out at once; anything else (notifications,
    # follow-ups, broadcasts) is bulk and draws from the platform's shared rate budget.
    reply: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


# --- the Bawaslu side: accounts, the ticket timeline, audit, sealed formal identities ---------


class Officer(SQLModel, table=True):
    """A dashboard account. ``admin`` works at Bawaslu RI; ``officer`` at one office."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=200)
    role: str = Field(default="officer", max_length=12)  # officer | admin
    office_code: str = Field(foreign_key="office.code", index=True, max_length=8)
    active: bool = True
    totp_secret: str | None = Field(default=None, sa_type=Encrypted("officer.totp", "content"))
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime
    # issue 12: a password printed by `netra officers add` must be replaced at first login;
    # bumping the epoch kills every session cookie issued before (logout, password, TOTP).
    must_change_password: bool = False
    session_epoch: int = 0
    totp_last_step: int | None = None  # the last TOTP time step accepted: a code works once


class ApiToken(SQLModel, table=True):
    """A token for the JSON API, scoped like its officer; only its SHA-256 is stored."""

    id: int | None = Field(default=None, primary_key=True)
    officer_id: int = Field(foreign_key="officer.id", index=True)
    name: str = Field(max_length=80)
    token_hash: str = Field(unique=True, max_length=64)
    created_at: datetime
    last_used_at: datetime | None = None
    revoked: bool = False


class TicketEvent(SQLModel, table=True):
    """One line of a ticket's timeline: status change, note, reassignment, question, answer."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("ticket.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    at: datetime = Field(index=True)
    kind: str = Field(max_length=24)  # created|status|note|reassigned|question|answer|escalated
    officer_id: int | None = Field(default=None, foreign_key="officer.id")
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    from_office: str | None = Field(default=None, max_length=8)
    to_office: str | None = Field(default=None, max_length=8)
    body: str | None = Field(default=None, sa_type=Encrypted("ticket_event.body", "content"))
    evidence_id: int | None = Field(default=None, foreign_key="evidence.id")


class TicketTerm(SQLModel, table=True):
    """One word of a ticket's free text, as a keyed hash: the inbox's text search.

    The text itself is stored only encrypted, so a search cannot read it without decrypting
    every row. Instead each normalised word of the description, the accused's position and
    name, and the place is kept as an HMAC under a key derived for this purpose
    (``storage.search_terms``); a search hashes the officer's words the same way and matches
    whole words. Shredded with the text by retention.
    """

    __tablename__ = "ticket_term"

    term_hash: str = Field(primary_key=True, max_length=32)
    ticket_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("ticket.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
            nullable=False,
        )
    )


class AuditLog(SQLModel, table=True):
    """Append-only record of who did what to which ticket; never any ticket content."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    officer_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
    office_code: str | None = Field(default=None, index=True, max_length=8)
    action: str = Field(max_length=32)  # login|login_failed|view_ticket|download_evidence|...
    ticket_id: int | None = Field(default=None, index=True)
    detail: str | None = Field(default=None, max_length=300)


class OfficeKey(SQLModel, table=True):
    """An office's X25519 key pair for sealed identities.

    The private key is stored only encrypted under a key derived from the custodian's
    passphrase (scrypt): the server, with all its own keys, cannot open a sealed identity.
    """

    office_code: str = Field(foreign_key="office.code", primary_key=True, max_length=8)
    public_key: bytes
    private_key_sealed: bytes
    created_at: datetime


class SealedIdentity(SQLModel, table=True):
    """A reporter's formal identity (name, NIK, address, phone) sealed to an office's key."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("ticket.id", ondelete="CASCADE"), unique=True, nullable=False
        )
    )
    office_code: str = Field(max_length=8)
    ciphertext: bytes
    created_at: datetime


class RateBudget(SQLModel, table=True):
    """A platform rate limit shared by every process: tokens left and when they were counted."""

    name: str = Field(primary_key=True, max_length=32)  # e.g. "telegram:bulk"
    tokens: float
    updated_at: datetime


# --- issue 12: web chat transcript ---------------------------------------------------------


class WebChatLine(SQLModel, table=True):
    """One line of a web chat as its browser saw it, so a reload shows the conversation again.

    Telegram and WhatsApp keep the history on the phone; the web page has nowhere else to keep
    it. The text is report content, so it is stored encrypted; "Selesai & hapus" deletes it.
    """

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("reporter.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    who: str = Field(max_length=8)  # me | bot | push (a message that arrived on its own)
    payload: dict[str, Any] = Field(sa_type=EncryptedJSON("webchat.payload"))
    created_at: datetime


# --- issue 8: daily digest ---------------------------------------------------------------------


class DigestRun(SQLModel, table=True):
    """One digest edition of one office on one local date through one channel.

    The unique key is the claim: the process whose INSERT wins builds the digest and puts it in
    the outbox in the same transaction, so every process may try and exactly one sends. ``channel``
    ``none`` records a digest of an office without any channel (shown, never sent). ``attempt``
    is 0 for the scheduled digest and counts deliberate re-sends.
    """

    __table_args__ = (
        UniqueConstraint(
            "office_code", "local_date", "edition", "channel", "attempt", name="uq_digestrun_slot"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    office_code: str = Field(foreign_key="office.code", index=True, max_length=8)
    local_date: date = Field(index=True)
    edition: str = Field(max_length=8)  # pagi | malam
    channel: str = Field(max_length=12)  # telegram | email | none
    attempt: int = 0
    late: bool = False
    claimed_at: datetime
    outbox_id: int | None = Field(default=None, index=True)
    officer_id: int | None = Field(default=None, foreign_key="officer.id")


class OfficeLinkCode(SQLModel, table=True):
    """A one-time code that links a Telegram chat to an office (``/hubungkan KODE``).

    Only the code's SHA-256 is stored; it expires, and using it once spends it.
    """

    code_hash: str = Field(primary_key=True, max_length=64)
    office_code: str = Field(foreign_key="office.code", index=True, max_length=8)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    officer_id: int | None = Field(default=None, foreign_key="officer.id")


# The digest reads an office's tickets by status and age, and new tickets by age: it uses
# ``ix_ticket_office_status_created`` and ``ix_ticket_office_created`` (declared with the
# ticket table, with ``id`` for the inbox's keyset order), and this one for events.
Index(
    "ix_ticketevent_kind_at",
    TicketEvent.__table__.c.kind,  # type: ignore[attr-defined]
    TicketEvent.__table__.c.at,  # type: ignore[attr-defined]
)


# --- issue 13: reminder broadcasts ---------------------------------------------------------------


class Subscriber(SQLModel, table=True):
    """What an opted-in person chose for announcements: region and language, nothing else.

    Who they are stays in ``Reporter`` (encrypted address, blind-indexed lookup); this row holds
    only what the audience filter and the sending hours need. The region is the one the person
    gave when subscribing, never one taken from their reports (that would tie a reporter to a
    place). ``channel`` is plain so broadcasts can be planned per platform rate.
    """

    reporter_id: int = Field(
        sa_column=Column(Integer, ForeignKey("reporter.id", ondelete="CASCADE"), primary_key=True)
    )
    channel: str = Field(max_length=16, index=True)
    region_code: str | None = Field(default=None, max_length=8, index=True)
    timezone: str | None = Field(default=None, max_length=32)  # None: WIB-safe sending hours
    lang: str = Field(default="id", max_length=5)
    created_at: datetime


class Broadcast(SQLModel, table=True):
    """A reminder campaign: text, audience, schedule, the two admins, and its running counts."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    template_key: str | None = Field(default=None, max_length=64)
    body_id: str = Field(max_length=1000)
    body_en: str = Field(max_length=1000)
    # Audience: comma-separated region codes (provinces and/or kab/kota); empty = everyone.
    regions: str = Field(default="", max_length=4000)
    lang: str | None = Field(default=None, max_length=5)  # None = every language
    channels: str = Field(default="telegram,whatsapp,local", max_length=64)
    whatsapp_content_sid: str | None = Field(default=None, max_length=64)
    status: str = Field(default="draft", index=True, max_length=12)
    created_by: int = Field(foreign_key="officer.id")
    approved_by: int | None = Field(default=None, foreign_key="officer.id")
    created_at: datetime
    approved_at: datetime | None = None
    deadline: datetime
    planned_start: datetime | None = None
    materialized: bool = False
    total: int = 0
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    skipped: int = 0
    # Handed to the platform by a process that died before it heard back: maybe delivered,
    # never sent again (at-most-once), shown on the progress bar as "unknown".
    unknown: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    started_at: datetime | None = None
    finished_at: datetime | None = None
    note: str | None = Field(default=None, max_length=500)
    # The calendar stage the message is about: recipients in a re-vote (PSU) region get it on
    # their region's date for that stage (``BroadcastDelivery.not_before``). None: everyone now.
    stage: str | None = Field(default=None, max_length=32)


class BroadcastDelivery(SQLModel, table=True):
    """One recipient of one broadcast: the row that makes sending exactly-once and resumable."""

    __table_args__ = (
        UniqueConstraint("broadcast_id", "reporter_id", name="uq_delivery_recipient"),
        Index("ix_delivery_queue", "broadcast_id", "channel", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(
        sa_column=Column(Integer, ForeignKey("broadcast.id", ondelete="CASCADE"), nullable=False)
    )
    reporter_id: int = Field(
        sa_column=Column(Integer, ForeignKey("reporter.id", ondelete="CASCADE"), nullable=False)
    )
    channel: str = Field(max_length=16)
    timezone: str | None = Field(default=None, max_length=32)
    lang: str = Field(default="id", max_length=5)
    # waiting → pending → claimed (a slot reserved) → sending (handed to the platform) → sent,
    # failed, unreachable, skipped or unknown (the sender died before it heard back).
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    # Status "waiting" until then: the recipient's region holds the broadcast's stage later.
    not_before: datetime | None = None


# --- issue 10: hardening and retention ---


class UnlockAttempt(SQLModel, table=True):
    """One try of an office passphrase (reveal or re-seal), recorded *before* the slow KDF.

    Written under a lock of the office key row, with ``outcome`` "pending" until the KDF
    answers, so parallel guesses are counted before any of them is checked.
    """

    id: int | None = Field(default=None, primary_key=True)
    office_code: str = Field(index=True, max_length=8)
    officer_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
    at: datetime = Field(index=True)
    outcome: str = Field(default="pending", max_length=12)  # pending | ok | failed


# --- issue 13: the election calendar and the message library, editable by admins ---


class CalendarStageEdit(SQLModel, table=True):
    """An admin's dates for one stage of a shipped calendar; the repository file stays the
    default, and removing the row brings its dates back."""

    calendar: str = Field(primary_key=True, max_length=64)
    stage: str = Field(primary_key=True, max_length=32)
    start: date
    end: date
    updated_at: datetime
    updated_by: int | None = Field(default=None, foreign_key="officer.id")


class CalendarOverrideEdit(SQLModel, table=True):
    """A region's own polling day (re-vote, PSU) set by an admin over the calendar file.

    ``polling_day`` None removes an override the file declares for that region.
    """

    calendar: str = Field(primary_key=True, max_length=64)
    region: str = Field(primary_key=True, max_length=8)
    polling_day: date | None = None
    note: str = Field(default="", max_length=200)
    updated_at: datetime
    updated_by: int | None = Field(default=None, foreign_key="officer.id")


class TemplateEdit(SQLModel, table=True):
    """An admin's version of a reminder template (or a new one), over the shipped TOML."""

    key: str = Field(primary_key=True, max_length=64)
    stage: str = Field(max_length=32)
    title_id: str = Field(max_length=120)
    title_en: str = Field(max_length=120)
    text_id: str = Field(max_length=1000)
    text_en: str = Field(max_length=1000)
    content_sid: str | None = Field(default=None, max_length=64)
    updated_at: datetime
    updated_by: int | None = Field(default=None, foreign_key="officer.id")
