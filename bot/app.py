"""The FastAPI application: web chat, health check, and (from the channel modules) webhooks."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from bot import channels
from bot.broadcasts import BroadcastRunner
from bot.jobs import start_scheduler
from bot.runtime import Netra
from bot.sender import OutboxSender
from bot.transports import Transport

log = logging.getLogger(__name__)

# Allocations (net of frees) between two young-generation collections of a serving process.
GC_YOUNG_THRESHOLD = 30_000


def settle_heap() -> None:
    """Stop the cyclic garbage collector rescanning what a serving process keeps for its
    whole life, and run it less often; call once, after ``create_app``, before serving.

    Measured in ``bench/chat.py`` (PostgreSQL, 10 s at 50 then 10 s at 200 reporters): with
    CPython's defaults the collector took 2.1 s of CPU, 536 young passes and 5 full ones of
    up to 300 ms each with the GIL held (a pause every reply waits behind). Almost everything
    a turn allocates is freed by reference counting: at this threshold the same load caused
    two young passes (57 ms) and no full one, and what start-up loaded (modules, mappers,
    routes, compiled statements) is frozen out of every pass.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)


def create_app(
    netra: Netra,
    *,
    run_jobs: bool = True,
    transports: dict[str, Transport] | None = None,
) -> FastAPI:
    """Build the app around an assembled ``Netra``; migrations run before the first request.

    ``transports`` defaults to the channels configured in the settings; tests pass their own
    pointed at loopback stand-ins.
    """
    outbound = channels.transports(netra) if transports is None else transports
    sender = OutboxSender(netra, outbound)
    reminders = BroadcastRunner(netra.db, netra.settings, outbound)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        netra.prepare_database()
        scheduler = start_scheduler(netra) if run_jobs else None
        stop = asyncio.Event()
        task = asyncio.create_task(sender.run_forever(stop)) if outbound else None
        if outbound:  # replies committed here go straight to this sender
            netra.batcher.courier_transports = frozenset(outbound)
            netra.batcher.courier = sender
        broadcasting = asyncio.create_task(reminders.run_forever(stop)) if outbound else None
        try:
            yield
        finally:
            netra.batcher.courier = None
            stop.set()
            sender.wake()
            if task is not None:
                await task
            if broadcasting is not None:
                await broadcasting
            sender.close()
            reminders.close()
            for transport in outbound.values():
                await transport.close()
            if scheduler is not None:
                scheduler.shutdown(wait=False)

    app = FastAPI(title="Netra", version="0.1.0", lifespan=lifespan)
    app.state.netra = netra
    app.state.sender = sender
    app.mount(
        "/static",
        StaticFiles(directory=str(Path(__file__).parent / "web" / "static")),
        name="static",
    )
    from bot.channels.web import install_headers

    channels.install_fast_paths(app, netra)  # inside the security headers
    install_headers(app, netra.settings)
    for router in channels.routers(netra):
        app.include_router(router)
    from bot import dashboard  # the Bawaslu side: officers' pages and the /api/v1 JSON API

    app.include_router(dashboard.router(netra))
    dashboard.install_error_pages(app)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with netra.db.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
