"""``python -m bench chat …`` dispatches to a benchmark module."""

from __future__ import annotations

import sys


def main() -> None:
    names = {
        "chat": "bench.chat",
        "telegram": "bench.telegram",
        "digest": "bench.digest",
        "broadcast": "bench.broadcast",
        "dashboard": "bench.dashboard",
        "chaos": "bench.chaos",
        "turns": "bench.turns",
    }
    if len(sys.argv) < 2 or sys.argv[1] not in names:
        sys.exit(f"usage: python -m bench {{{','.join(names)}}} [options]")
    from importlib import import_module

    import_module(names[sys.argv[1]]).main(sys.argv[2:])


if __name__ == "__main__":
    main()
