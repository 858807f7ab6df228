"""Expert iteration for the value of ``guided``: the search trains on its own solutions of large random unknots.

Why another loop beside :func:`.unknot_training.train_value_net`: that one
learns from small braids (random diagrams of 30–60 map vertices, words of
length ≤ 40), which the hand value already ranks well. The braids where the
search struggles are wide Vogel braids of larger diagrams (7–20 strands,
60–200 letters, like ``unknot-hard``). Here the training pool is braids of
random unknot diagrams of 60–140 map vertices (SnapPy's ``random_link``,
seeded, each proved the unknot by ``simplify('global')`` reaching 0
crossings), disjoint from every suite. Each round:

1. solve the pool with the guided search ranked by the current value (round 0:
   the hand value) under a fixed *expansion* budget (deterministic, so a
   round's labels do not depend on the machine's load), in a process pool;
2. add every solved path to the labels (which child of each path state was
   expanded next; :class:`.unknot_training.Labels`);
3. fit a fresh value net on all labels so far (softmax ranking loss).

The held-out fifth of the pool is never labelled: after each round both the
learned and the hand value search it under the same expansion budget, so the
learning curve says whether the value generalises. The loop writes a value
folder (``value.pt``, ``card.json`` of kind ``unknot-value``) that ``guided``
and ``rigorgym solve --agent DIR`` take.
"""

from __future__ import annotations

import io
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .unknot import ENV_ID, Sink, _ignore
from .unknot_training import Labels, fit_value, random_unknot_braid, write_value_folder

#: Seeds the pool (instance ``k`` draws from ``random.seed(POOL_SEED + k)``).
POOL_SEED = 20261207
#: Map vertices of the random diagrams, instance ``k`` uses ``POOL_MAP_SIZES[k % 5]``.
POOL_MAP_SIZES = (60, 80, 100, 120, 140)


@dataclass(frozen=True)
class ExpertArgs:
    """The knobs of :func:`expert_iteration` (defaults: the run that wrote the shipped value)."""

    #: Random unknot braids in the pool (the last ``heldout`` fraction is never trained on).
    pool: int = 200
    heldout: float = 0.2
    #: Rounds after the hand-value round.
    rounds: int = 3
    #: Expansions per instance and round (the search's deterministic budget).
    expansions: int = 3000
    #: Expansions of the hand-value round 0 (more: it seeds the labels).
    first_expansions: int = 6000
    epochs: int = 20
    workers: int = 2
    seed: int = 0
    #: Fewest strands a pool braid has (narrower ones teach nothing the hand value does not know).
    min_strands: int = 5
    max_length: int = 256


def pool_instance(k: int, min_strands: int = 5, max_length: int = 256) -> tuple[int, tuple[int, ...]]:
    """Pool braid ``k``: the braid of the first random unknot diagram from seed ``POOL_SEED + k`` that fits.

    A diagram is kept when it has at least 10 crossings, ``simplify('global')``
    reaches 0 crossings (which proves it the unknot), and its Vogel braid
    (SnapPy's ``braid_word()``) has ``min_strands`` to 32 strands and at most
    ``max_length`` letters. A function of ``k`` alone.
    """
    import random

    random.seed(POOL_SEED + k)  # SnapPy's random_link draws from Python's random
    size = POOL_MAP_SIZES[k % len(POOL_MAP_SIZES)]
    while True:
        braid = random_unknot_braid(size)
        if braid is not None and min_strands <= braid[0] <= 32 and len(braid[1]) <= max_length:
            return braid


# -- the process pool ---------------------------------------------------------------------------

_WORKER_SCORER: Any = None


def _init_worker(weights: bytes | None) -> None:
    """Load the round's value net once per worker (``None``: the hand value)."""
    global _WORKER_SCORER
    import torch

    torch.set_num_threads(1)
    from rigorgym.agents.unknot_features import hand_value
    from rigorgym.agents.unknot_value import ValueMLP, ValueNet

    if weights is None:
        _WORKER_SCORER = hand_value
        return
    model = ValueMLP()
    model.load_state_dict(torch.load(io.BytesIO(weights), weights_only=True))
    _WORKER_SCORER = ValueNet(model).score


def _solve_one(job: tuple[int, tuple[int, ...], int]) -> tuple[list[Any] | None, int, float]:
    """(the path of braids, or None; expansions; seconds) of the guided search on one braid."""
    from rigorgym.agents.unknot_search import SearchConfig, guided_search
    from rigorgym.verifiers.braid import Braid

    strands, word, expansions = job
    cfg = SearchConfig(max_expansions=expansions, max_length=512, max_strands=64)
    start = time.perf_counter()
    out = guided_search(Braid(strands, word), _WORKER_SCORER, 1e9, cfg)
    return (out.path if out.moves is not None else None), out.expansions, time.perf_counter() - start


def build_pool(args: ExpertArgs, on_record: Sink = _ignore) -> list[tuple[int, tuple[int, ...]]]:
    """The pool's braids, made ``args.workers`` at a time (each a function of its index)."""
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=get_context("fork")) as ex:
        pool = list(
            ex.map(pool_instance, range(args.pool), [args.min_strands] * args.pool, [args.max_length] * args.pool)
        )
    on_record(
        {
            "phase": "pool",
            "instances": len(pool),
            "strands": [min(n for n, _ in pool), max(n for n, _ in pool)],
            "letters": [min(len(w) for _, w in pool), max(len(w) for _, w in pool)],
            "seconds": round(time.perf_counter() - start, 1),
        }
    )
    return pool


def solve_all(
    braids: Sequence[tuple[int, tuple[int, ...]]],
    weights: bytes | None,
    expansions: int,
    workers: int,
    desc: str = "search",
) -> list[tuple[list[Any] | None, int, float]]:
    """The guided search on every braid (``weights``: a value net's state dict, ``None``: the hand value).

    A progress bar on stderr when it is a terminal.
    """
    from tqdm import tqdm

    jobs = [(n, w, expansions) for n, w in braids]
    with ProcessPoolExecutor(
        workers, mp_context=get_context("fork"), initializer=_init_worker, initargs=(weights,)
    ) as ex:
        return list(tqdm(ex.map(_solve_one, jobs, chunksize=1), total=len(jobs), desc=desc, disable=None))


def _state_bytes(model: Any) -> bytes:
    import torch

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getvalue()


def expert_iteration(out: Path, args: ExpertArgs, command: str, on_record: Sink = _ignore) -> dict[str, Any]:
    """Run the loop of the module docstring; write ``out/value.pt`` and ``out/card.json``; return the card."""
    from datetime import UTC, datetime

    import torch
    from rigorgym.agents.learned import VALUE_KIND
    from rigorgym.agents.unknot_search import SearchConfig
    from rigorgym.agents.unknot_value import HIDDEN, N_FEATURES

    torch.set_num_threads(1)
    start = time.perf_counter()
    pool = build_pool(args, on_record)
    cut = int(round(len(pool) * (1 - args.heldout)))
    train, held = pool[:cut], pool[cut:]
    label_cfg = SearchConfig(max_length=512, max_strands=64)
    labels = Labels()
    history: list[dict[str, Any]] = []
    model: Any = None
    fit: dict[str, float] = {}
    hand_held = solve_all(held, None, args.expansions, args.workers, "held-out, hand value")
    for round_no in range(args.rounds + 1):
        weights = None if model is None else _state_bytes(model)
        budget = args.first_expansions if model is None else args.expansions
        results = solve_all(train, weights, budget, args.workers, f"round {round_no}, training pool")
        for path, _, _ in results:
            if path is not None:
                labels.add_path(path, label_cfg)
        record: dict[str, Any] = {
            "round": round_no,
            "value": "hand" if model is None else "learned",
            "expansions_per_instance": budget,
            "train_solved": sum(p is not None for p, _, _ in results),
            "train_instances": len(train),
            "labelled_states": len(labels.choices),
        }
        model, fit = fit_value(labels, args.epochs, args.seed + round_no)
        held_results = solve_all(
            held, _state_bytes(model), args.expansions, args.workers, f"round {round_no}, held out"
        )
        record.update(
            {
                "heldout_solved_learned": sum(p is not None for p, _, _ in held_results),
                "heldout_solved_hand": sum(p is not None for p, _, _ in hand_held),
                "heldout_instances": len(held),
                "heldout_expansions_per_instance": args.expansions,
                "heldout_seconds_learned": round(sum(s for _, _, s in held_results), 1),
                "heldout_seconds_hand": round(sum(s for _, _, s in hand_held), 1),
                **fit,
                "seconds": round(time.perf_counter() - start, 1),
            }
        )
        history.append(record)
        on_record({"phase": "round", **record})
    card = {
        "kind": VALUE_KIND,  # what makes `rigorgym solve --agent DIR` play this folder as guided
        "env_id": ENV_ID,
        # shipped in agents/data/pretrained/, this folder is what `--agent pretrained` solves UnKnot with
        "solve_as_pretrained": True,
        "what": "value of the guided UnKnot agent by expert iteration on large random unknot braids: "
        "hand value + this net's correction",
        "architecture": f"MLP {N_FEATURES} -> {HIDDEN} -> {HIDDEN} -> 1 (ReLU) over agents/unknot_value.features",
        "parameters": sum(p.numel() for p in model.parameters()),
        "trained": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "args": asdict(args),
        "training_set": {
            "instances": len(train),
            "heldout": len(held),
            "recipe": "braid_word() of snappy.random_link(size, 1 component) unknotted by simplify('global')",
            "map_sizes": list(POOL_MAP_SIZES),
            "seed": POOL_SEED,
            "disjoint_from_suites": True,
        },
        "rounds": history,
        "fit": fit,
    }
    return write_value_folder(out, model, card, start, on_record)
