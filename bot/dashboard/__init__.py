"""The Bawaslu side: officers' dashboard (server-rendered pages) and the JSON API.

``router(netra)`` is what the app includes. Other modules that add to the ticket page (the
anonymous follow-up, the sealed identity) build on ``bot.dashboard.auth`` (``CurrentOfficer``,
``require_csrf``, ``DbSession``), ``bot.dashboard.ui`` (``render``, ``LABELS``) and
``storage.access`` (``ticket_for``), and render into ``templates/ticket_extra.html``.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request, Response

from bot.runtime import Netra


def router(netra: Netra) -> APIRouter:
    from bot.dashboard import admin, api, pages

    combined = APIRouter()
    combined.include_router(pages.router())
    combined.include_router(admin.router())
    combined.include_router(api.router())
    for extra in _extra_routers():
        combined.include_router(extra)
    return combined


def _extra_routers() -> list[APIRouter]:
    """Routers of modules that plug into the dashboard (e.g. follow-up, identity reveal).

    A module listed in ``EXTENSIONS`` exposes ``router() -> APIRouter``; a missing module is
    skipped, so the dashboard works whether or not it has been built yet.
    """
    import importlib

    routers = []
    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        routers.append(module.router())
    return routers


EXTENSIONS = (
    "bot.dashboard.followup",
    "bot.dashboard.identity",
    "bot.dashboard.office_page",
    "bot.dashboard.broadcasts",
    "bot.dashboard.calendar_admin",
    "bot.dashboard.facts",
    "bot.dashboard.accounts",
    "bot.dashboard.retention",
    "bot.dashboard.own_account",
    "bot.dashboard.ticket_page",
    "bot.dashboard.assignment",
)


def install_error_pages(app: FastAPI) -> None:
    """Officers get a page, not JSON, for a missing (or another office's) ticket."""
    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from bot.dashboard import ui

    @app.exception_handler(StarletteHTTPException)
    async def _not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and request.url.path.startswith("/dashboard"):
            return ui.render(request, "not_found.html", status_code=404)
        return await http_exception_handler(request, exc)
