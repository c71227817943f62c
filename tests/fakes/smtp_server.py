"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, for tests.

Usage::

    with SmtpInbox() as inbox:                 # serves on a free loopback port
        EmailTransport("127.0.0.1", inbox.port, sender=..., starttls=False)
        ...
        inbox.messages                          # list of email.message.EmailMessage received
        inbox.answer = "451 4.3.0 try later"    # refuse the next messages with this reply

``SmtpInbox(port=N)`` serves on a given port (a test can let a sender fail on a closed port
first, then start the server there: "SMTP down, then up").
"""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpInbox:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.recipients: list[list[str]] = []
        self.answer: str | None = None
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.answer is not None:
            return self.answer
        data = bytes(envelope.content)
        with self._lock:
            self.raw.append(data)
            self.recipients.append(list(envelope.rcpt_tos))
            parsed = message_from_bytes(data, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return "250 OK"

    def start(self) -> SmtpInbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpInbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
