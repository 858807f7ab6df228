"""The leaderboard (docs/design.md §6): submissions of certificates, re-verified by the server.

A submission names a frozen suite (``rigorgym.envs.suites``) and carries
certificates; the server never trusts a submitted score. It matches every
certificate to an instance of the suite, stores the submission in one
transaction, and re-verifies each certificate with the pinned kernel in a pool
of worker processes (a time and a memory limit per certificate). Rankings are
computed from the stored verdicts only.

Modules: :mod:`.config` (settings), :mod:`.models` and :mod:`.migrations`
(schema), :mod:`.store` (all database access), :mod:`.intake` (checking a
submission body), :mod:`.pool` (verifier processes), :mod:`.verifier` (the
background loop that resumes pending work), :mod:`.app` (the HTTP API),
:mod:`.web` (the HTML pages), :mod:`.client` and :mod:`.cli` (the command
line), :mod:`.demo` (a one-call local run).
"""

from __future__ import annotations

from .config import Settings

__all__ = ["Settings"]
