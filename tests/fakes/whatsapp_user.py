"""A reporter on WhatsApp as Netra sees one: Twilio's signed form posts in, the fake's log out.

Posts go over HTTP to the served app, signed with twilio's own ``RequestValidator`` against
the public URL Netra is configured with (as Twilio signs what it was told to call, not the
loopback address behind the proxy). Replies are read where they land: the fake Twilio.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence

import httpx
from sqlalchemy import func
from sqlmodel import select
from twilio.request_validator import RequestValidator

from bot.channels.whatsapp import WEBHOOK_PATH
from bot.runtime import Netra
from storage.models import OutboxMessage
from tests.fakes.served_app import ServedApp
from tests.fakes.twilio_api import FakeTwilio

BUSINESS_NUMBER = "whatsapp:+14155238886"
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032x}"


def wait_for_outbox(netra: Netra, timeout: float = 15.0) -> None:
    """Block until no WhatsApp outbox message is pending (all sent, held or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        with netra.session() as session:
            pending = session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.transport == "whatsapp", OutboxMessage.status == "pending")
            ).one()
        if pending == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{pending} WhatsApp message(s) still pending")
        time.sleep(0.02)


class WhatsAppUser:
    def __init__(
        self,
        served: ServedApp,
        fake: FakeTwilio,
        netra: Netra,
        number: str,
        *,
        public_base_url: str,
    ) -> None:
        self.served = served
        self.fake = fake
        self.netra = netra
        self.number = number
        self.public_base_url = public_base_url.rstrip("/")
        self.seen = 0

    @property
    def to(self) -> str:
        return f"whatsapp:{self.number}"

    def form(
        self,
        text: str | None = None,
        *,
        media: Sequence[tuple[str, str]] = (),
        location: tuple[float, float] | None = None,
        sid: str | None = None,
    ) -> dict[str, str]:
        """The fields Twilio posts for an inbound WhatsApp message; ``media``: (url, type)."""
        sid = sid or new_sid()
        form = {
            "SmsMessageSid": sid,
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.fake.account_sid,
            "MessagingServiceSid": "",
            "From": self.to,
            "To": BUSINESS_NUMBER,
            "Body": text or "",
            "NumMedia": str(len(media)),
            "NumSegments": "1",
            "ProfileName": "Budi Santoso",
            "WaId": self.number.lstrip("+"),
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        for i, (url, content_type) in enumerate(media):
            form[f"MediaUrl{i}"] = url
            form[f"MediaContentType{i}"] = content_type
        if location is not None:
            form["Latitude"], form["Longitude"] = (str(v) for v in location)
        return form

    def signature(self, form: dict[str, str], url: str | None = None) -> str:
        url = url or self.public_base_url + WEBHOOK_PATH
        return str(RequestValidator(self.fake.auth_token).compute_signature(url, form))

    def post(
        self,
        form: dict[str, str],
        *,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = {"X-Twilio-Signature": signature or self.signature(form), **(headers or {})}
        return self.served.post(WEBHOOK_PATH, data=form, headers=sent)

    def send(self, text: str | None = None, **kwargs: object) -> list[str]:
        """Send one signed message; return the texts Netra sent back (after delivery)."""
        response = self.post(self.form(text, **kwargs))  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        assert "<Response" in response.text
        return self.replies()

    def replies(self) -> list[str]:
        """Everything delivered to this number since the last read (bodies, or template SIDs)."""
        wait_for_outbox(self.netra)
        sent = self.fake.sent_to(self.to)
        new = sent[self.seen :]
        self.seen = len(sent)
        return [m.body if m.body is not None else f"[template {m.content_sid}]" for m in new]
