"""Broadcast subscription: ``BERHENTI``/``STOP`` opts out, ``LANGGANAN``/``SUBSCRIBE`` opts in.

Channel-agnostic (WhatsApp needs it by policy; Telegram and the web chat get it for free).
Broadcasts need an explicit opt-in, so only the unambiguous word ``LANGGANAN`` subscribes.
``START``/``MULAI`` is deliberately *not* an opt-in: it is also Telegram's ``/start`` and the
engine's "make a report" word, and a reporter who types it to report must not find themselves
on a broadcast list. The opt-out reply says which word turns announcements back on.
Neither word touches the reporter's own conversation: replies and updates about their own
reports still arrive, and a report in progress is re-asked where it stood.
"""

from __future__ import annotations

from handlers.engine import Turn


def set_subscription(turn: Turn, *, subscribed: bool) -> None:
    turn.reporter.subscribed = subscribed
    turn.session.add(turn.reporter)
    turn.say("subscribed" if subscribed else "unsubscribed")
    if turn.step is not None:
        turn.engine.ask(turn, turn.step)
