"""Who works a ticket: "Ambil" (assign to me) and "Lepas" (give back), from the inbox row and
from the ticket page, and the assignee's name wherever a ticket is shown.

Taking a ticket is for the officer's own office only (``handlers.casework.take``); it leaves a
timeline line and an audit entry. A refusal answers with the ticket page (422, the reason), as
every other ticket form does; success goes back where the officer was (the inbox page they
were on, or the ticket).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentOfficer, DbSession
from bot.dashboard.ticket_page import refused, refused_code
from bot.runtime import utcnow
from handlers import casework
from storage.access import ticket_for
from storage.models import Officer
from storage.workflow import WorkflowError

ui.LABELS.update(
    {
        "assignee": ("Petugas", "Assignee"),
        "assign_me": ("Ambil", "Take"),
        "assign_me_long": (
            "Ambil laporan ini (tugaskan ke saya)",
            "Take this report (assign to me)",
        ),
        "assign_release": ("Lepas", "Release"),
        "assign_nobody": ("Belum ada", "Nobody yet"),
        "assign_you": ("Anda", "You"),
        "assign_take_label": ("Ambil laporan {code}", "Take report {code}"),
        "event_assigned": ("Diambil", "Taken"),
        "event_unassigned": ("Dilepas", "Released"),
        "err_not_own_office": (
            "Hanya laporan kantor Anda sendiri yang dapat diambil.",
            "Only a report of your own office can be taken.",
        ),
    }
)

# Where a successful "Ambil" may send the officer back to: the inbox (any filters) or a ticket.
_BACK = re.compile(r"/dashboard/(\?[\w=&%+.\-:]*)?|/dashboard/tickets/[A-Z0-9\-]+")


def assignee_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of the given officers, one query for a whole inbox page."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(
        select(Officer.id, Officer.display_name).where(col(Officer.id).in_(wanted))
    ).all()
    return {ident: name for ident, name in rows if ident is not None}


def _back(target: str, code: str) -> str:
    return target if _BACK.fullmatch(target) else f"/dashboard/tickets/{code}"


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard", include_in_schema=False)

    @api.post("/tickets/{code}/assign", dependencies=[CsrfChecked])
    def assign_to_me(
        code: str,
        request: Request,
        session: DbSession,
        officer: CurrentOfficer,
        action: Annotated[str, Form(max_length=8)] = "take",
        back: Annotated[str, Form(max_length=600)] = "",
    ) -> Response:
        ticket = ticket_for(session, officer, code)
        if ticket is None:
            raise HTTPException(404, "Not Found")
        change = casework.release if action == "release" else casework.take
        try:
            change(session, officer=officer, ticket=ticket, now=utcnow())
        except WorkflowError as exc:
            return refused(request, session, officer, ticket, "assign", {}, refused_code(exc.code))
        session.commit()
        return RedirectResponse(_back(back, ticket.code), status_code=303)

    return api
