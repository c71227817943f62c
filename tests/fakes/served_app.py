"""Serve the real FastAPI app with uvicorn on a loopback port, in a background thread.

Webhook tests post real platform JSON over HTTP to it, exactly as Telegram or Twilio would::

    with ServedApp(create_app(netra, run_jobs=False, transports={...})) as served:
        served.post("/webhooks/telegram", json=update, headers={...})

Leaving the ``with`` block runs the app's shutdown (the outbox sender stops); starting a new
``ServedApp`` on the same database plays a restart.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI


class ServedApp:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        )
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self.client = httpx.Client(base_url=self.base_url, timeout=30.0)

    def __enter__(self) -> ServedApp:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the app did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._sock.close()

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, **kwargs)
