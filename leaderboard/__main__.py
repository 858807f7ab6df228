"""``python -m rigorgym.leaderboard serve|submit|token|migrate`` (the guard matters: verifier workers are spawned)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
