"""The Bawaslu-side fixtures (served app, officers, real Chromium pages) for every test here."""

from tests.fakes.dashboard import dashboard, officer_factory, page  # noqa: F401
