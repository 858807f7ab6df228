"""Freeze the braids a solver failed on (or needed the most moves for) as an ``unknot-*`` benchmark suite.

The output is exactly a shipped suite: ``<name>.jsonl`` with one
``{"id": "<name>/NNN", "braid": {...}}`` per line and an index entry whose
``hash`` is :func:`rigorgym.envs.suites.content_hash` of those lines. No braid
is written without a kernel proof that its closure is the unknot: the inverse
of its scramble (which starts from the trivial braid), or the solver's
certificate.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rigorgym.envs.suites.writer import write_suite
from rigorgym.envs.unknot.env import make_certificate
from rigorgym.envs.unknot.generator import invert_moves
from rigorgym.envs.unknot.types import BraidInstance
from rigorgym.verifiers import verify

from .play import GameStats


def hardest(games: Iterable[GameStats], size: int | None = None) -> list[GameStats]:
    """The games the solver lost, then those it won by most moves; trivial and repeated braids left out."""
    seen: set[tuple[int, tuple[int, ...]]] = set()
    out: list[GameStats] = []
    for game in sorted(games, key=lambda g: (g.solved, -g.solver_moves)):
        braid = game.instance.get("braid")
        if braid is None:
            raise ValueError(f"only UnKnot-v0 games can be exported, got a {game.game} game")
        key = (int(braid["strands"]), tuple(int(x) for x in braid["word"]))
        if key in seen or key == (1, ()):
            continue
        seen.add(key)
        out.append(game)
    return out if size is None else out[:size]


def unknot_proof(game: GameStats) -> dict[str, Any]:
    """A certificate, accepted by the kernel, that the game's scrambled braid closes to the unknot.

    Raises ValueError when there is none (a scramble that did not start from
    the trivial braid, in a game the solver lost).
    """
    instance = BraidInstance.from_instance(game.instance)
    start = game.scramble["start"]["braid"]
    candidates = [make_certificate(instance, invert_moves(len(start["word"]), game.scramble["moves"]), game.seed)]
    if game.certificate is not None:
        candidates.append(game.certificate)
    reasons = []
    for cert in candidates:
        verdict = verify(cert)
        if verdict.valid and cert["instance"] == instance.to_instance():
            return cert
        reasons.append(verdict.reason)
    raise ValueError(f"no kernel proof that {game.instance} is the unknot: {'; '.join(reasons)}")


def export_suite(
    games: Iterable[GameStats],
    out_dir: str | Path,
    name: str,
    description: str | None = None,
    size: int | None = None,
    update_index: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Write ``out_dir/<name>.jsonl`` from the :func:`hardest` games and return its index entry.

    With ``update_index``, the entry also goes into ``out_dir/index.json``
    (created if missing), as the suite build scripts write ``envs/suites/data``.
    ``extra`` keys go into the entry before the hash, like ``write_suite``'s.
    """
    chosen = hardest(games, size)
    if not chosen:
        raise ValueError("no non-trivial braid to export")
    instances: list[dict[str, Any]] = []
    for i, game in enumerate(chosen):
        unknot_proof(game)  # raises unless the kernel proves the closure is the unknot
        braid = game.instance["braid"]
        instances.append({"id": f"{name}/{i:03d}", "braid": {"strands": braid["strands"], "word": list(braid["word"])}})
    if description is None:
        description = (
            f"{len(instances)} braids from scramble_solve_v0 games, those the solver lost first, then those it "
            "needed the most moves for; each closure proved the unknot by the kernel"
        )
    return write_suite(
        name,
        "UnKnot-v0",
        description,
        instances,
        out=Path(out_dir),
        update_index=update_index,
        max_length=max(len(x["braid"]["word"]) for x in instances),
        max_strands=max(x["braid"]["strands"] for x in instances),
        **extra,
    )
