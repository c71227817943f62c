"""A platform's rate limit for the fakes: more than ``per_second`` sends in any second get 429."""

from __future__ import annotations

import threading
import time
from collections import deque


class SlidingWindow:
    """Counts accepted sends over the last second, like Telegram's and Twilio's limits do."""

    def __init__(self, per_second: float, window: float = 1.0) -> None:
        self.capacity = max(1, int(per_second * window))
        self.window = window
        self.accepted: deque[float] = deque()
        self.rejected = 0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        now = time.monotonic()
        with self._lock:
            while self.accepted and now - self.accepted[0] >= self.window:
                self.accepted.popleft()
            if len(self.accepted) >= self.capacity:
                self.rejected += 1
                return False
            self.accepted.append(now)
            return True
