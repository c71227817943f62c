"""Admin pages for reminder broadcasts: compose (or pick a template of the current stage),
preview per channel, second-admin approval, planned start, progress, pause/resume/cancel.

Every state change is audited. Approval is refused to the author and to a broadcast that cannot
finish before its deadline at the channels' rates within sending hours: the page shows why.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from sqlmodel import col, select

from bot.broadcasts import broadcast_rates
from bot.config import Settings
from bot.dashboard import ui
from bot.dashboard.auth import CsrfChecked, CurrentAdmin, DbSession
from bot.dashboard.auth import netra_of as _netra
from bot.dashboard.views import Offices
from bot.runtime import utcnow
from storage import audit
from storage import broadcasts as store
from storage.calendar import ElectionCalendar, Stage, effective_calendar, stage_shifts
from storage.models import Broadcast
from storage.refusals import Problem
from storage.templates import effective_template, effective_templates

WIB = ZoneInfo("Asia/Jakarta")
CHANNELS = ("telegram", "whatsapp", "local")


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _plan(session: DbSession, settings: Settings, broadcast: Broadcast) -> store.Plan:
    return store.plan(
        store.audience_counts(session, broadcast),
        broadcast_rates(settings),
        deadline=_aware(broadcast.deadline),
        now=utcnow(),
        hours=(settings.broadcast_hours_start, settings.broadcast_hours_end),
    )


def _regional(
    request: Request, session: DbSession, broadcast: Broadcast, plan: store.Plan
) -> tuple[Stage | None, list[dict[str, Any]]]:
    """For a stage-tied broadcast: its stage, and for each re-vote region how many days later
    it gets the broadcast, from when."""
    if not broadcast.stage:
        return None, []
    netra = _netra(request)
    calendar = effective_calendar(session, netra.settings.election_calendar)
    stage = next((s for s in calendar.stages if s.key == broadcast.stage), None)
    day = _aware(broadcast.deadline).astimezone(WIB).date()
    start = _aware(broadcast.planned_start or plan.start)
    rows = []
    for code, days in stage_shifts(calendar, broadcast.stage, day).items():
        region = netra.regions.get(code)
        rows.append(
            {
                "code": code,
                "name": region.name if region else "?",
                "days": days,
                "from": start + timedelta(days=days),
            }
        )
    return stage, rows


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=ZoneInfo("UTC"))


def _stage_templates(
    session: DbSession, calendar: ElectionCalendar
) -> tuple[Stage | None, list[store.Template]]:
    """Today's national stage and its templates first (admins' versions), then the others."""
    stage = calendar.stage_on(utcnow().astimezone(WIB).date())
    every = effective_templates(session)
    key = stage.key if stage else None
    return stage, [t for t in every if t.stage == key] + [t for t in every if t.stage != key]


def router() -> APIRouter:
    api = APIRouter(prefix="/dashboard/admin/broadcasts", include_in_schema=False)

    def _list(request: Request, session: DbSession, **extra: object) -> Response:
        settings = _netra(request).settings
        rows = session.exec(select(Broadcast).order_by(col(Broadcast.id).desc()).limit(50)).all()
        calendar = effective_calendar(session, settings.election_calendar)
        stage, templates = _stage_templates(session, calendar)
        now = utcnow()
        return ui.render(
            request,
            "admin_broadcasts.html",
            {
                "rows": [(b, store.progress(session, b, now)) for b in rows],
                "stage": stage,
                "stages": calendar.stages,
                "templates": templates,
                "operator": settings.operator_name,
                "channels": CHANNELS,
                **extra,
            },
        )

    @api.get("/static/broadcast.js")
    def script() -> FileResponse:
        return FileResponse(ui.STATIC_DIR / "broadcast.js", media_type="text/javascript")

    @api.get("")
    def index(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
        return _list(request, session)

    @api.post("", dependencies=[CsrfChecked])
    def compose(
        request: Request,
        session: DbSession,
        admin: CurrentAdmin,
        deadline: Annotated[str, Form(max_length=20)],
        title: Annotated[str, Form(max_length=120)] = "",
        template_key: Annotated[str, Form(max_length=64)] = "",
        body_id: Annotated[str, Form(max_length=1000)] = "",
        body_en: Annotated[str, Form(max_length=1000)] = "",
        regions: Annotated[str, Form(max_length=4000)] = "",
        lang: Annotated[str, Form(max_length=5)] = "",
        channels: Annotated[list[str] | None, Form()] = None,
        content_sid: Annotated[str, Form(max_length=64)] = "",
        stage: Annotated[str, Form(max_length=32)] = "",
    ) -> Response:
        settings = _netra(request).settings
        typed = {
            "template_key": template_key,
            "title": title,
            "body_id": body_id,
            "body_en": body_en,
            "regions": regions,
            "lang": lang,
            "channels": channels or [],
            "content_sid": content_sid,
            "deadline": deadline,
            "stage": stage,
        }

        def refused(*why: Problem) -> Response:
            error = store.BroadcastError(*why).text(ui.lang_of(request))
            return _list(request, session, error=error, form=typed)

        chosen = effective_template(session, template_key) if template_key else None
        if template_key and chosen is None:
            return refused(
                Problem(
                    f"unknown template: {template_key}", f"templat tidak dikenal: {template_key}"
                )
            )
        if chosen is not None:
            stage = stage or chosen.stage
            body_id = body_id.strip() or chosen.text_id
            body_en = body_en.strip() or chosen.text_en
            title = title.strip() or chosen.title_id
            content_sid = content_sid.strip() or (chosen.content_sid or "")
        try:
            when = datetime.fromisoformat(deadline).replace(tzinfo=WIB)
        except ValueError:
            return refused(
                Problem("deadline: YYYY-MM-DDTHH:MM (WIB)", "batas waktu: TTTT-BB-HHTjj:mm (WIB)")
            )
        codes = [c.strip() for c in regions.replace(";", ",").split(",") if c.strip()]
        unknown = [c for c in codes if _netra(request).regions.get(c) is None]
        if unknown:
            return refused(
                Problem(
                    "unknown region code(s): " + ", ".join(unknown),
                    "kode wilayah tidak dikenal: " + ", ".join(unknown),
                )
            )
        calendar = effective_calendar(session, settings.election_calendar)
        if stage and stage not in {s.key for s in calendar.stages}:
            return refused(Problem(f"unknown stage: {stage}", f"tahap tidak dikenal: {stage}"))
        try:
            broadcast = store.create(
                session,
                officer_id=admin.id or 0,
                title=title.strip() or "Pengingat",
                body_id=body_id.strip(),
                body_en=body_en.strip(),
                deadline=when,
                now=utcnow(),
                operator=settings.operator_name,
                regions=codes,
                lang=lang if lang in ("id", "en") else None,
                channels=[c for c in (channels or CHANNELS) if c in CHANNELS],
                template_key=chosen.key if chosen else None,
                whatsapp_content_sid=content_sid.strip() or None,
                stage=stage or None,
            )
        except store.BroadcastError as exc:
            session.rollback()
            return refused(*exc.problems)
        audit.record(
            session, "broadcast_create", now=utcnow(), officer=admin, detail=f"#{broadcast.id}"
        )
        session.commit()
        return _redirect(f"/dashboard/admin/broadcasts/{broadcast.id}")

    def _get(session: DbSession, broadcast_id: int) -> Broadcast:
        found = session.get(Broadcast, broadcast_id)
        if found is None:
            raise HTTPException(404, "Not Found")
        return found

    def _zone(request: Request, session: DbSession) -> ZoneInfo:
        """The admin's office time zone, as on every other dashboard page."""
        officer = getattr(request.state, "officer", None)
        return Offices(session).zone(officer.office_code) if officer is not None else WIB

    def _detail(
        request: Request, session: DbSession, broadcast: Broadcast, **extra: object
    ) -> Response:
        settings = _netra(request).settings
        zone, lang = _zone(request, session), ui.lang_of(request)
        plan = _plan(session, settings, broadcast)
        stage, regional = _regional(request, session, broadcast, plan)
        counts = store.audience_counts(session, broadcast)
        per_channel: dict[str, int] = {}
        for (channel, _), n in counts.items():
            per_channel[channel] = per_channel.get(channel, 0) + n
        previews: dict[str, Any] = {}
        for lang in ("id", "en"):
            text = store.render(
                broadcast.body_en if lang == "en" else broadcast.body_id,
                lang,
                operator=settings.operator_name,
                days=settings.reporting_window_days,
            )
            previews[lang] = text
        return ui.render(
            request,
            "admin_broadcast.html",
            {
                "b": broadcast,
                "plan": plan,
                "per_channel": per_channel,
                "previews": previews,
                "progress": store.progress(session, broadcast, utcnow()),
                "regional": regional,
                "stage": stage,
                "waiting": store.waiting(session, broadcast.id) if broadcast.id else (0, None),
                "actions": [
                    name
                    for name, (allowed, _) in store.STATE_MOVES.items()
                    if broadcast.status in allowed
                ],
                "local_time": lambda d: ui.local_when(d, zone, lang) if d else "—",
                **extra,
            },
        )

    @api.get("/{broadcast_id}")
    def detail(
        broadcast_id: int, request: Request, session: DbSession, admin: CurrentAdmin
    ) -> Response:
        return _detail(request, session, _get(session, broadcast_id))

    @api.get("/{broadcast_id}/progress")
    def progress(
        broadcast_id: int, request: Request, session: DbSession, admin: CurrentAdmin
    ) -> Response:
        broadcast = _get(session, broadcast_id)
        p = store.progress(session, broadcast, utcnow())
        return JSONResponse(
            {
                "status": broadcast.status,
                "total": p.total,
                "sent": p.sent,
                "failed": p.failed,
                "unreachable": p.unreachable,
                "skipped": p.skipped,
                "unknown": p.unknown,
                "remaining": p.remaining,
                "rate": round(p.rate, 2),
                "eta": p.eta.isoformat() if p.eta else None,
                # As the page shows it: the dashboard's date format, the admin's time zone.
                "eta_text": (
                    ui.local_when(p.eta, _zone(request, session), ui.lang_of(request))
                    if p.eta
                    else "—"
                ),
                "percent": round(p.percent, 1),
                "note": broadcast.note,
            }
        )

    @api.post("/{broadcast_id}/approve", dependencies=[CsrfChecked])
    def approve(
        broadcast_id: int, request: Request, session: DbSession, admin: CurrentAdmin
    ) -> Response:
        broadcast = _get(session, broadcast_id)
        plan = _plan(session, _netra(request).settings, broadcast)
        try:
            store.approve(session, broadcast, officer_id=admin.id or 0, now=utcnow(), plan=plan)
        except store.BroadcastError as exc:
            session.rollback()
            error = exc.text(ui.lang_of(request))
            return _detail(request, session, _get(session, broadcast_id), error=error)
        audit.record(
            session, "broadcast_approve", now=utcnow(), officer=admin, detail=f"#{broadcast_id}"
        )
        session.commit()
        return _redirect(f"/dashboard/admin/broadcasts/{broadcast_id}")

    @api.post("/{broadcast_id}/state", dependencies=[CsrfChecked])
    def change(
        broadcast_id: int,
        request: Request,
        session: DbSession,
        admin: CurrentAdmin,
        action: Annotated[str, Form(max_length=8)],
    ) -> Response:
        if action not in ("pause", "resume", "cancel"):
            raise HTTPException(400, "unknown action")
        broadcast = _get(session, broadcast_id)
        try:
            store.set_state(session, broadcast, action, officer_id=admin.id or 0)
        except store.BroadcastError as exc:
            session.rollback()
            error = exc.text(ui.lang_of(request))
            return _detail(request, session, _get(session, broadcast_id), error=error)
        audit.record(
            session, f"broadcast_{action}", now=utcnow(), officer=admin, detail=f"#{broadcast_id}"
        )
        session.commit()
        return _redirect(f"/dashboard/admin/broadcasts/{broadcast_id}")

    return api


ui.TEMPLATES.env.filters["broadcast_state"] = lambda state, lang="id": store.state_label(
    state, lang
)
