"""The FastAPI application: web chat, health check, and (from the channel modules) webhooks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from bot.channels import local
from bot.jobs import start_scheduler
from bot.runtime import Netra

log = logging.getLogger(__name__)


def create_app(netra: Netra, *, run_jobs: bool = True) -> FastAPI:
    """Build the app around an assembled ``Netra``; migrations run before the first request."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        netra.prepare_database()
        scheduler = start_scheduler(netra) if run_jobs else None
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)

    app = FastAPI(title="Netra", version="0.1.0", lifespan=lifespan)
    app.state.netra = netra
    app.mount(
        "/static",
        StaticFiles(directory=str(Path(__file__).parent / "web" / "static")),
        name="static",
    )
    app.include_router(local.router(netra))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with netra.db.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
