"""Flood control for the public web chat: per client address, with one global cap.

Anyone can open the web chat, so without limits a script creates thousands of reporters (and
rows) in seconds. Limits are counted in this process's memory over a sliding window: enough to
stop a flood at one server; each process of a multi-process deployment counts on its own.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request

GLOBAL = "*"


class SlidingLimit:
    """At most ``per_key`` events per key and ``total`` events overall within ``window`` s."""

    def __init__(
        self,
        per_key: int,
        total: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_key = per_key
        self.total = total
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def blocked(self, key: str) -> bool:
        """Whether the next event for ``key`` would be refused (nothing is counted)."""
        now = self.clock()
        with self._lock:
            mine, everyone = self._trim(key, now), self._trim(GLOBAL, now)
            return len(mine) >= self.per_key or len(everyone) >= self.total

    def allow(self, key: str) -> bool:
        """Count one event for ``key`` if both its own and the global limit allow it."""
        now = self.clock()
        with self._lock:
            mine, everyone = self._trim(key, now), self._trim(GLOBAL, now)
            if len(mine) >= self.per_key or len(everyone) >= self.total:
                return False
            mine.append(now)
            everyone.append(now)
            if len(self._events) > 10_000:  # forget idle addresses so memory stays bounded
                for stale in [k for k, v in self._events.items() if not v and k != GLOBAL]:
                    del self._events[stale]
            return True


def client_address(request: Request, proxy_header: str | None) -> str:
    """The client's address: the configured proxy's header (its last hop) or the socket peer.

    The header is trusted only when configured, since any client can send one; behind one
    reverse proxy the last entry of ``X-Forwarded-For`` is the one that proxy added.
    """
    if proxy_header:
        forwarded = request.headers.get(proxy_header)
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else "unknown"
