"""Training the macro policy by DAgger: the search labels the states the policy itself reaches (issue 19).

Why DAgger and not the expert-iteration labels alone: :mod:`.unknot_expert`
labels the states on the *search's* solved paths, which the search reached
by backtracking; a policy played alone (:mod:`rigorgym.agents.macro_policy`)
drifts off them after its first wrong macro and never sees how to recover.
DAgger (Ross, Gordon and Bagnell 2011) trains on the policy's own states:

1. draw fresh random unknot words of the ``unknot-words-*`` suites' kinds
   (:class:`.unknot_words.WordMixGenerator`'s recipe, suite words excluded);
2. play the current policy alone on each (one greedy episode, at most
   :attr:`MacroArgs.max_moves` kernel moves) and keep every state it passes;
3. from each kept state run the guided search under a fixed expansion budget
   (deterministic, so labels do not depend on the machine's load); every
   solved path labels which macro successor each of its states should take
   (:class:`.unknot_training.Labels`), the kept state first;
4. fit a fresh value net on all labels so far (the softmax ranking loss of
   :func:`.unknot_training.fit_value`: ``softmax(-V)`` over a state's
   successors is the policy).

Round 0 plays the shipped expert-iteration value. After each round the new
policy plays a held-out set of fresh words (never labelled), per kind; the
round whose policy solves the most of it is written as a value folder
(``value.pt``, ``card.json``), which ``rigorgym evaluate --attempts 1
--deterministic`` plays as the macro policy and ``solve`` as ``guided``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .unknot import Sink, _ignore

ENV_ID = "UnKnot-v0"
#: The board every word suite is played on (``make_env_for``: 128 letters, 8 strands): the policy's macros stay inside.
BOARD = (128, 8)
#: Seeds of the word draws: round ``r`` trains on ``(WORD_SEED, seed, r)``, the held-out set is ``(WORD_SEED, seed, -1)``.
WORD_SEED = 20261208


@dataclass(frozen=True)
class MacroArgs:
    """The knobs of :func:`train_macro_policy` (defaults: the run that wrote the shipped policy)."""

    rounds: int = 4
    #: Fresh training words per kind and round (7 kinds: the six (strands, length) pairs and the grown L96).
    words_per_kind: int = 40
    #: Held-out words per kind (never labelled; they choose the round and the move weight that are written).
    heldout_per_kind: int = 50
    #: The search's expansion budget per labelled state.
    expansions: int = 2000
    epochs: int = 20
    workers: int = 2
    seed: int = 0
    #: Kernel moves per episode (the papers' protocol cap of the zoo, :data:`.unknot_zoo.MOVE_CAP`).
    max_moves: int = 400
    #: The value round 0 plays: a value folder (default: the shipped expert-iteration value).
    start: str = ""
    #: The policy's value added per kernel move of a macro, chosen among these on the held-out words.
    move_weights: tuple[float, ...] = (0.0, 0.01, 0.02, 0.05)


def fresh_words(seed: Sequence[int], per_kind: int) -> list[tuple[str, int, tuple[int, ...]]]:
    """``per_kind`` random unknot words of each suite kind, ``(kind, strands, word)``, none a suite instance.

    The kinds and the recipe are :class:`.unknot_words.WordMixGenerator`'s (uniform words
    unknotted by SnapPy's ``simplify('global')``; L96: 5-strand words of 40 letters grown to 96).
    """
    from rigorgym.envs.unknot.generator import grow_braid

    from .unknot_words import GROWN, WORD_PAIRS, suite_words, unknot_words

    rng = np.random.default_rng(list(seed))
    forbidden = suite_words()
    out: list[tuple[str, int, tuple[int, ...]]] = []
    kinds = [(f"n{n}-L{length}", n, length, 0) for n, length in WORD_PAIRS]
    kinds.append((f"L{GROWN[1]}", GROWN[0][0], GROWN[0][1], GROWN[1]))
    for name, n, length, grow in kinds:
        words: list[tuple[int, ...]] = []
        while len(words) < per_kind:  # a suite's word is drawn again (rare: the suites are 100 words each)
            words += [w for w in unknot_words(rng, n, length, per_kind - len(words)) if (n, w) not in forbidden]
        for w in words:
            if grow:
                grown = grow_braid(rng, n, w, n, grow, GROWN[2])[0]
                out.append((name, grown.strands, tuple(grown.word)))
            else:
                out.append((name, n, w))
    return out


def play_all(
    words: Sequence[tuple[str, int, tuple[int, ...]]], scorer: Any, max_moves: int, move_weight: float = 0.0
) -> list[Any]:
    """The policy alone on every word (one greedy episode each, tabu, on the suites' board)."""
    from rigorgym.agents.macro_policy import rollout
    from rigorgym.agents.unknot_search import SearchConfig

    cfg = SearchConfig(max_length=BOARD[0], max_strands=BOARD[1])
    return [rollout(n, w, scorer, cfg, max_moves, move_weight=move_weight) for _, n, w in words]


def solved_by_kind(words: Sequence[tuple[str, int, tuple[int, ...]]], solved: Sequence[bool]) -> dict[str, float]:
    """Solved fraction per kind, and ``all``."""
    out: dict[str, list[bool]] = {}
    for (kind, _, _), won in zip(words, solved, strict=True):
        out.setdefault(kind, []).append(bool(won))
        out.setdefault("all", []).append(bool(won))
    return {k: round(sum(v) / len(v), 4) for k, v in out.items()}


def train_macro_policy(out: Path, args: MacroArgs, command: str, on_record: Sink = _ignore) -> dict[str, Any]:
    """Run the loop of the module docstring; write ``out/value.pt`` and ``out/card.json``; return the card."""
    from datetime import UTC, datetime

    import torch
    from rigorgym.agents.learned import VALUE_KIND, shipped_value_folders
    from rigorgym.agents.unknot_search import SearchConfig, canonical
    from rigorgym.agents.unknot_value import HIDDEN, N_FEATURES, ValueNet, load_value

    from .unknot_expert import _state_bytes, solve_all
    from .unknot_training import Labels, fit_value, write_value_folder

    torch.set_num_threads(1)
    start = time.perf_counter()
    start_folder = args.start or str(shipped_value_folders()["unknot-value-expert"])
    start_net = load_value(start_folder)
    held = fresh_words((WORD_SEED, args.seed, 10**6), args.heldout_per_kind)

    def held_out(scorer: Any) -> dict[float, dict[str, float]]:
        return {
            m: solved_by_kind(held, [e.solved for e in play_all(held, scorer, args.max_moves, m)])
            for m in args.move_weights
        }

    held_start = held_out(start_net.score)
    on_record({"phase": "heldout", "words": len(held), "value": "start", "solved": held_start})
    label_cfg = SearchConfig(max_length=BOARD[0], max_strands=BOARD[1])
    labels = Labels()
    scorer, weights = start_net.score, _state_bytes(start_net.model)

    def best_of(held: dict[float, dict[str, float]]) -> tuple[float, float]:
        return max((h["all"], -m) for m, h in held.items())

    best: tuple[tuple[float, float], int, Any] = (best_of(held_start), -1, start_net.model)
    history: list[dict[str, Any]] = []
    for round_no in range(args.rounds):
        words = fresh_words((WORD_SEED, args.seed, round_no), args.words_per_kind)
        episodes = play_all(words, scorer, args.max_moves)
        seen: dict[Any, tuple[int, tuple[int, ...]]] = {}
        for ep in episodes:
            for n, w in ep.states:
                if n > 1 or w:
                    seen.setdefault(canonical(n, w), (n, w))
        results = solve_all(list(seen.values()), weights, args.expansions, args.workers, f"round {round_no}, labels")
        for path, _, _ in results:
            if path is not None:
                labels.add_path(path, label_cfg)
        model, fit = fit_value(labels, args.epochs, args.seed + round_no)
        net = ValueNet(model)
        scorer, weights = net.score, _state_bytes(model)
        held_now = held_out(scorer)
        record = {
            "round": round_no,
            "words": len(words),
            "train_solved_by_policy": round(sum(e.solved for e in episodes) / len(episodes), 4),
            "states_labelled": len(seen),
            "states_search_solved": sum(p is not None for p, _, _ in results),
            "labelled_choices": len(labels.choices),
            "heldout_solved": held_now,
            **fit,
            "seconds": round(time.perf_counter() - start, 1),
        }
        history.append(record)
        on_record({"phase": "round", **record})
        if best_of(held_now) > best[0]:
            best = (best_of(held_now), round_no, model)
    card = {
        "kind": VALUE_KIND,
        "env_id": ENV_ID,
        "what": "macro policy of UnKnot-v0 (played alone: argmin of this value over guided's macro successors), "
        "trained by DAgger from the expert-iteration value; hand value + this net's correction",
        "architecture": f"MLP {N_FEATURES} -> {HIDDEN} -> {HIDDEN} -> 1 (ReLU) over agents/unknot_value.features",
        "parameters": sum(p.numel() for p in best[2].parameters()),
        "trained": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "args": asdict(args),
        "start": Path(start_folder).name,
        "chosen_round": best[1],
        # what the macro policy adds per kernel move of a macro (MacroAgent reads it)
        "move_weight": -best[0][1],
        "heldout_solved": best[0][0],
        "heldout_start": held_start,
        "training_set": {
            "recipe": "WordMixGenerator's kinds: uniform random words unknotted by simplify('global'); L96 grown",
            "seed": [WORD_SEED, args.seed],
            "disjoint_from_suites": True,
        },
        "rounds": history,
    }
    return write_value_folder(out, best[2], card, start, on_record)


__all__ = ["MacroArgs", "fresh_words", "play_all", "solved_by_kind", "train_macro_policy"]
