"""The Bawaslu-side fixtures (served app, officers, real Chromium pages) for every test here."""

from tests.fakes.dashboard import (  # noqa: F401
    dashboard,
    officer_factory,
    page,
    shots,
    sized_page,
)
