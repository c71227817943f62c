"""Channel adapters. Each platform module contributes a webhook router and a transport."""

from __future__ import annotations

import logging

from fastapi import APIRouter, FastAPI

from bot.runtime import Netra
from bot.transports import Transport

log = logging.getLogger(__name__)


def transports(netra: Netra) -> dict[str, Transport]:
    """The outbound transports whose credentials are configured (none for the local channel)."""
    configured: dict[str, Transport] = {}
    if netra.settings.telegram_bot_token is not None:
        from bot.channels.telegram import TelegramTransport

        configured["telegram"] = TelegramTransport.from_settings(netra.settings)
    from bot.channels import whatsapp

    if not whatsapp.missing_settings(netra.settings):
        configured["whatsapp"] = whatsapp.TwilioTransport(netra.db, netra.settings)
    if netra.settings.smtp_host:
        from bot.channels.email import EmailTransport

        configured["email"] = EmailTransport.from_settings(netra.settings)
    return configured


def routers(netra: Netra) -> list[APIRouter]:
    """Webhook routers of the configured platform channels."""
    from bot.channels import web

    found = [web.router(netra)]
    if netra.settings.telegram_bot_token is not None:
        from bot.channels import telegram

        found.append(telegram.router(netra))
        log.info("Telegram channel: on (webhook %s)", telegram.WEBHOOK_PATH)
    else:
        log.info("Telegram channel: off (TELEGRAM_BOT_TOKEN is not set)")
    from bot.channels import whatsapp

    missing = whatsapp.missing_settings(netra.settings)
    if missing:
        log.info("WhatsApp channel: off (%s not set)", ", ".join(missing))
    else:
        found.append(whatsapp.router(netra))
        log.info("WhatsApp channel: on (webhook %s)", whatsapp.WEBHOOK_PATH)
    return found


def install_fast_paths(app: FastAPI, netra: Netra) -> None:
    """ASGI layers that serve a channel's common webhook case before FastAPI's routing."""
    if netra.settings.telegram_bot_token is not None:
        from bot.channels.telegram_webhook import TelegramWebhookFastPath

        app.add_middleware(TelegramWebhookFastPath, netra=netra)
