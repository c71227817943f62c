"""Admin pages for the election calendar (stage dates, re-vote overrides per region) and the
reminder message library.

The repository's files are the defaults; what an admin saves here is stored in the database
over them, checked first (stages in order, regions that exist, neutral texts that name their
sender and end with the opt-out word) and audited. The digest header and the broadcasts read the
effective calendar, so an edit here changes what offices and subscribers see next.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentAdmin, DbSession
from bot.dashboard.auth import netra_of as _netra
from bot.runtime import utcnow
from storage import audit
from storage import calendar as cal
from storage import templates as library
from storage.broadcasts import Template, render

CALENDAR_URL = "/dashboard/admin/calendar"
TEMPLATES_URL = "/dashboard/admin/templates"
WIB = ZoneInfo("Asia/Jakarta")  # "today" on these pages: the national calendar's own zone


def _redirect(url: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"{url}?saved={done}", status_code=303)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def router() -> APIRouter:
    api = APIRouter(include_in_schema=False)

    # --- the calendar ------------------------------------------------------------------

    def _calendar_page(
        request: Request, session: DbSession, status_code: int = 200, **extra: object
    ) -> Response:
        netra = _netra(request)
        key = netra.settings.election_calendar
        shipped = cal.cached_calendar(key)
        effective = cal.effective_calendar(session, key)
        defaults = {s.key: s for s in shipped.stages}
        overrides = []
        for code, override in sorted(effective.overrides.items()):
            stages = {s.key: s for s in effective.stages_for(code)}
            region = netra.regions.get(code)
            overrides.append(
                {
                    "o": override,
                    "name": region.name if region else "?",
                    "quiet": stages.get("masa_tenang"),
                    "recap": stages.get("rekapitulasi"),
                    "from_file": shipped.overrides.get(code) == override,
                }
            )
        today = utcnow().astimezone(WIB).date()
        return ui.render(
            request,
            "admin_calendar.html",
            {
                "cal": effective,
                "key": key,
                "defaults": defaults,
                "edited_any": effective.stages != shipped.stages,
                "overrides": overrides,
                "today": today,
                "current": effective.stage_on(today),
                "regions": netra.regions.all(),
                "saved": request.query_params.get("saved"),
                **extra,
            },
            status_code=status_code,
        )

    @api.get(CALENDAR_URL)
    def calendar_page(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
        return _calendar_page(request, session)

    @api.post(f"{CALENDAR_URL}/stages", dependencies=[CsrfChecked])
    async def stage_dates(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
        key = _netra(request).settings.election_calendar
        form = await request.form()
        try:
            if form.get("action") == "reset":
                cal.reset_stages(session, key)
                detail = "reset to the file"
            else:
                dates: dict[str, tuple[date, date]] = {}
                for stage in cal.cached_calendar(key).stages:
                    first = _day(str(form.get(f"start_{stage.key}", "")))
                    last = _day(str(form.get(f"end_{stage.key}", "")))
                    if first is None or last is None:
                        raise cal.CalendarEditError(
                            cal.Problem(
                                f"{stage.name_en}: dates as YYYY-MM-DD",
                                f"{stage.name_id}: tulis tanggal sebagai TTTT-BB-HH",
                            )
                        )
                    dates[stage.key] = (first, last)
                cal.set_stage_dates(session, key, dates, officer_id=admin.id, now=utcnow())
                detail = " ".join(f"{k} {a}..{b}" for k, (a, b) in dates.items())
        except cal.CalendarEditError as exc:
            session.rollback()
            typed = {k: str(v) for k, v in form.items() if isinstance(v, str)}
            error = exc.text(ui.lang_of(request))
            return _calendar_page(request, session, 422, error=error, typed=typed)
        audit.record(session, "calendar_stages", now=utcnow(), officer=admin, detail=detail)
        session.commit()
        return _redirect(CALENDAR_URL, "stages")

    @api.post(f"{CALENDAR_URL}/override", dependencies=[CsrfChecked])
    def override(
        request: Request,
        session: DbSession,
        admin: CurrentAdmin,
        region: Annotated[str, Form(max_length=8)],
        polling_day: Annotated[str, Form(max_length=10)] = "",
        note: Annotated[str, Form(max_length=200)] = "",
        action: Annotated[str, Form(max_length=8)] = "save",
    ) -> Response:
        netra = _netra(request)
        code = region.strip()
        day = None if action == "remove" else _day(polling_day)
        try:
            if action != "remove" and day is None:
                raise cal.CalendarEditError(
                    cal.Problem(
                        "polling day: YYYY-MM-DD",
                        "hari pemungutan: tulis tanggal sebagai TTTT-BB-HH",
                    )
                )
            cal.set_override(
                session,
                netra.settings.election_calendar,
                code,
                day,
                known_region=lambda c: netra.regions.get(c) is not None,
                officer_id=admin.id,
                now=utcnow(),
                note=note,
            )
        except cal.CalendarEditError as exc:
            session.rollback()
            return _calendar_page(
                request,
                session,
                422,
                error=exc.text(ui.lang_of(request)),
                draft={"region": code, "polling_day": polling_day, "note": note},
            )
        detail = f"{code} removed" if day is None else f"{code} {day}"
        audit.record(session, "calendar_psu", now=utcnow(), officer=admin, detail=detail)
        session.commit()
        return _redirect(CALENDAR_URL, "override")

    # --- the message library -----------------------------------------------------------

    def _templates_page(
        request: Request, session: DbSession, status_code: int = 200, **extra: object
    ) -> Response:
        settings = _netra(request).settings
        effective = cal.effective_calendar(session, settings.election_calendar)
        templates = library.effective_templates(session)
        rendered = {
            t.key: {
                lang: render(
                    t.text_en if lang == "en" else t.text_id,
                    lang,
                    operator=settings.operator_name,
                    days=settings.reporting_window_days,
                )
                for lang in ("id", "en")
            }
            for t in templates
        }
        return ui.render(
            request,
            "admin_templates.html",
            {
                "templates": templates,
                "rendered": rendered,
                "edited": {t.key for t in templates if library.is_edited(session, t.key)},
                "shipped": {t.key for t in templates if library.is_shipped(t.key)},
                "stages": effective.stages,
                "operator": settings.operator_name,
                "saved": request.query_params.get("saved"),
                "opened": request.query_params.get("open"),
                **extra,
            },
            status_code=status_code,
        )

    @api.get(TEMPLATES_URL)
    def templates_page(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
        return _templates_page(request, session)

    @api.post(TEMPLATES_URL, dependencies=[CsrfChecked])
    def save_template(
        request: Request,
        session: DbSession,
        admin: CurrentAdmin,
        key: Annotated[str, Form(max_length=64)],
        stage: Annotated[str, Form(max_length=32)],
        title_id: Annotated[str, Form(max_length=120)] = "",
        title_en: Annotated[str, Form(max_length=120)] = "",
        text_id: Annotated[str, Form(max_length=1000)] = "",
        text_en: Annotated[str, Form(max_length=1000)] = "",
        content_sid: Annotated[str, Form(max_length=64)] = "",
        action: Annotated[str, Form(max_length=8)] = "save",
    ) -> Response:
        settings = _netra(request).settings
        key = key.strip().lower()
        if action == "reset":
            if library.reset_template(session, key):
                audit.record(session, "template_reset", now=utcnow(), officer=admin, detail=key)
                session.commit()
            return _redirect(TEMPLATES_URL, "reset")
        draft = Template(key, stage, title_id, title_en, text_id, text_en, content_sid or None)
        stages = {s.key for s in cal.effective_calendar(session, settings.election_calendar).stages}
        try:
            library.save_template(
                session,
                draft,
                stages=stages,
                operator=settings.operator_name,
                days=settings.reporting_window_days,
                officer_id=admin.id,
                now=utcnow(),
            )
        except library.TemplateEditError as exc:
            session.rollback()
            error = exc.text(ui.lang_of(request))
            return _templates_page(request, session, 422, error=error, draft=draft)
        audit.record(session, "template_save", now=utcnow(), officer=admin, detail=key)
        session.commit()
        return RedirectResponse(f"{TEMPLATES_URL}?saved=template&open={key}", status_code=303)

    return api
