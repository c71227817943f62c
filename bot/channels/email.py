"""E-mail through SMTP, as an outbox transport: the outbox gives it leases, retries and backoff.

A refused connection, a timeout or a 4xx answer is transient (the outbox retries with backoff);
a 5xx answer is permanent (the message is marked failed and the office page shows it). Addresses
are institutional (an office's), never a reporter's; still, no address goes into an error text.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from bot.config import Settings
from bot.transports import TransportError
from storage.offices import email_addresses, valid_email

CHANNEL = "email"
TIMEOUT = 20.0


addresses = email_addresses
valid_address = valid_email


def build_message(sender: str, to: list[str], payload: dict[str, Any]) -> EmailMessage:
    """A multipart/alternative message: the plain text first, the HTML second."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = str(payload["subject"])
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.partition("@")[2] or "localhost")
    message.set_content(str(payload["text"]))
    message.add_alternative(str(payload["html"]), subtype="html")
    return message


class EmailTransport:
    """Sends outbox payloads ``{"subject", "text", "html"}`` to comma-separated addresses."""

    name = CHANNEL

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailTransport:
        assert settings.smtp_host is not None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=(
                settings.smtp_password.get_secret_value() if settings.smtp_password else None
            ),
            starttls=settings.smtp_starttls,
        )

    async def send(self, address: str, payload: dict[str, Any], *, reply: bool = False) -> None:
        to = addresses(address)
        if not to:
            raise TransportError("email: no address", permanent=True)
        message = build_message(self.sender, to, payload)
        await asyncio.to_thread(self._send_blocking, to, message)

    async def close(self) -> None:
        """Nothing to close: each send opens and closes its own SMTP connection."""

    def _send_blocking(self, to: list[str], message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username and self.password:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(message, from_addr=self.sender, to_addrs=to)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise _by_code(min(codes) if codes else 550, "recipients refused") from None
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, "server answered") from None
        except smtplib.SMTPNotSupportedError:
            raise TransportError(
                "email: STARTTLS not offered by the server", permanent=True
            ) from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, dropped
            raise TransportError(f"email: {type(exc).__name__}") from None
        if refused:
            codes = [code for code, _ in refused.values()]
            if len(refused) == len(to):
                raise _by_code(min(codes), "recipients refused")


def _by_code(code: int, what: str) -> TransportError:
    """4xx: try again later; 5xx: the server will never take this message."""
    return TransportError(f"email: {what} {code}", permanent=500 <= code < 600)
