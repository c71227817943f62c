"""Accessibility: axe-core (installed by ``npm ci`` from package.json) run inside a page.

The script is evaluated through the DevTools protocol, so the page's Content-Security-Policy
(no inline script) stays on while it runs. Serious and critical violations fail the test.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def assert_accessible(page: Any, what: str) -> None:
    """Fail on any serious or critical axe violation on the page as it is now."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed (run `npm ci`, as `make test` does)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"accessibility violations on {what}: {bad}"
