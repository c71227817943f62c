"""Channel adapters. Each platform module contributes a webhook router and a transport."""

from __future__ import annotations

from fastapi import APIRouter

from bot.runtime import Netra
from bot.transports import Transport


def transports(netra: Netra) -> dict[str, Transport]:
    """The outbound transports whose credentials are configured (none for the local channel)."""
    configured: dict[str, Transport] = {}
    return configured


def routers(netra: Netra) -> list[APIRouter]:
    """Webhook routers of the configured platform channels."""
    from bot.channels import local

    return [local.router(netra)]
