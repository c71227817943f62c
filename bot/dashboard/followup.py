"""Ticket page: ask the reporter a question, anonymously (``handlers.followup`` does the work).

The officer writes a question; it is relayed through the reporter's own channel by the outbox,
and the answer appears on the ticket's timeline. Nothing here ever reads who the reporter is:
the route sees only a delivery status (sent, queued behind an earlier question, unreachable).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from jinja2 import pass_context
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentOfficer, DbSession, netra_of
from bot.dashboard.ticket_page import refused
from bot.dashboard.views import windows_of
from bot.runtime import utcnow
from handlers import casework
from handlers.followup import QUESTION_MAX, FollowupError, relay_question
from storage import audit
from storage.access import ticket_for
from storage.db import ConcurrentUpdate
from storage.models import Officer, Reporter, Ticket
from storage.workflow import Windows, allowed_next

log = logging.getLogger(__name__)
RETRIES = 5

LABELS: dict[str, tuple[str, str]] = {
    "fu_title": ("Tanya pelapor (anonim)", "Ask the reporter (anonymously)"),
    "fu_explain": (
        "Pertanyaan dikirim lewat kanal pelapor tanpa memperlihatkan siapa pelapornya kepada "
        "Anda. Jawabannya muncul di linimasa. Mengirim pertanyaan menambah 2 hari pada batas "
        "pemrosesan (sekali).",
        "The question goes through the reporter's own channel without showing you who they "
        "are. The answer appears on the timeline. Asking adds 2 days to the processing window "
        "(once).",
    ),
    "fu_question": ("Pertanyaan", "Question"),
    "fu_send": ("Kirim pertanyaan", "Send question"),
    "fu_unreachable_note": (
        "Pelapor tidak dapat dihubungi lagi lewat kanalnya.",
        "The reporter can no longer be reached on their channel.",
    ),
    "fu_sent": ("Pertanyaan dikirim ke pelapor.", "Question sent to the reporter."),
    "fu_queued": (
        "Pertanyaan disimpan; pelapor akan menerimanya setelah menjawab pertanyaan sebelumnya.",
        "Question saved; the reporter gets it after answering the earlier one.",
    ),
    "fu_unreachable": (
        "Pertanyaan dicatat, tetapi pelapor tidak dapat dihubungi.",
        "Question recorded, but the reporter cannot be reached.",
    ),
    "fu_invalid": (
        f"Pertanyaan harus 5 sampai {QUESTION_MAX} karakter.",
        f"A question needs 5 to {QUESTION_MAX} characters.",
    ),
    "fu_status_note": ("Pertanyaan dikirim ke pelapor.", "Question sent to the reporter."),
    "event_answer_declined": ("Pelapor memilih tidak menjawab", "Reporter chose not to answer"),
}
ui.LABELS.update(LABELS)


@pass_context
def _followup_info(context: Any, ticket: Ticket) -> dict[str, bool]:
    """Whether the reporter is reachable: a yes/no, never who or where they are."""
    with reading_session(context, ticket) as session:
        reporter = session.get(Reporter, ticket.reporter_id) if ticket.reporter_id else None
        return {"reachable": reporter is not None and not reporter.unreachable}


@contextmanager
def reading_session(context: Any, row: Any) -> Iterator[Session]:
    """The page's own session when the row has one: a second one could wait on SQLite's lock."""
    own = Session.object_session(row)
    if own is not None:
        yield own  # type: ignore[misc]
        return
    with netra_of(context["request"]).session() as session:
        yield session


ui.TEMPLATES.env.globals["followup_info"] = _followup_info


def mark_info_needed(
    session: Session, ticket: Ticket, officer: Officer, now: datetime, windows: Windows
) -> None:
    """Asking the reporter puts the ticket in "Perlu info tambahan", as the officer meant.

    Through ``casework.change_status`` (the workflow's rules, timeline and audit), where the
    workflow allows it: not from a decided ticket, nor again while it already waits. The
    reporter has just received the question itself, so no status notice is queued.
    """
    if "perlu_info" not in allowed_next(ticket.status):
        return
    casework.change_status(
        session,
        officer=officer,
        ticket=ticket,
        target="perlu_info",
        note=ui.label("id", "fu_status_note"),
        now=now,
        windows=windows,
        notify=False,
    )


def _back(code: str, flash: str) -> RedirectResponse:
    return RedirectResponse(f"/dashboard/tickets/{code}?fu={flash}", status_code=303)


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.post("/tickets/{code}/followup", dependencies=[CsrfChecked])
    def post_question(
        code: str,
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        question: Annotated[str, Form(max_length=QUESTION_MAX * 2)] = "",
    ) -> Response:
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise HTTPException(404, "Not Found")
        # The request's own session (SQLite: it already holds the write lock), retried whole
        # if the reporter's turn changed their conversation at the same moment.
        windows = windows_of(netra_of(request))
        for attempt in range(1, RETRIES + 1):
            now = utcnow()
            try:
                result = relay_question(
                    session,
                    ticket=ticket,
                    officer_id=officer.id,
                    text=question,
                    now=now,
                    windows=windows,
                )
                mark_info_needed(session, ticket, officer, now, windows)
                audit.record(
                    session,
                    "followup_question",
                    now=now,
                    officer=officer,
                    ticket_id=ticket.id,
                    detail=result.status,
                )
                session.commit()
                break
            except FollowupError:
                held = {"question": question}
                return refused(request, session, officer, ticket, "followup", held, "fu_invalid")
            except (ConcurrentUpdate, IntegrityError):
                session.rollback()
                if attempt == RETRIES:
                    raise
                session.refresh(ticket)
        if result.status == "sent":
            request.app.state.sender.wake()
        return _back(ticket.code, result.status)

    return api
