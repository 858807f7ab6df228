"""TRPO on the macro policy of UnKnot-v0, in one file in the manner of CleanRL (issue 19).

The policy (:mod:`rigorgym.agents.macro_policy`) chooses among the guided
search's macro successors of a braid; here it is the softmax

    π(m | s) = softmax_m( -(h · hand(s'_m) + net(s'_m) + μ · moves(m)) / T )

over the successors ``s'_m`` not reached before in the episode (tabu), with
``net`` the value MLP of :mod:`rigorgym.agents.unknot_value`, ``h`` 1 (the
hand value as a prior: the net starts at zero, so training starts at the
hand policy) or 0 (``prior="none"``: the net starts small and random, so
training starts at about the random macro walker), and ``μ`` the cost per
kernel move of a macro. Trained on the objective the papers' protocol
measures: an episode of fresh random unknot words of the ``unknot-words-*``
suites' kinds earns ``+1`` when it reaches the trivial braid within
``max_moves`` kernel moves, and every macro costs its kernel moves divided
by ``max_moves`` (undiscounted). Per iteration:

1. sample ``episodes`` words from the training pool and play the policy
   (sampled) on each, recording every decision's successors;
2. advantages: returns-to-go minus their batch mean, scaled to unit variance;
3. the TRPO step of :func:`.vec_trpo.trpo_step` (conjugate-gradient natural
   gradient on the masked categorical, line search within ``max_kl``).

Every ``eval_every`` iterations the greedy policy (argmax, tabu) plays a
held-out set of fresh words; the best iteration is written as a value folder
(``value.pt``, ``card.json`` with ``hand_weight`` and ``move_weight``) that
``rigorgym evaluate --attempts 1 --deterministic`` plays as the macro policy.
Fixed metric names (``charts/heldout_solved``, ``charts/train_solved``,
``losses/kl``, ``losses/entropy``, ``losses/improvement``).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

ALGO = "macro_trpo"


@dataclass
class Args:
    """The knobs of :func:`train` (defaults: the shipped run)."""

    seed: int = 1
    #: ``hand``: start at the hand policy (score = hand value + net); ``none``: the net alone, from random.
    prior: str = "hand"
    #: ``words``: fresh random unknot words of the word suites' kinds (the protocol's suites); ``diagrams``:
    #: the expert-iteration pool (braids of random unknot diagrams, 5-21 strands; the hard suite's kind),
    #: its first ``pool_size`` braids, the last fifth held out.
    pool: str = "words"
    pool_size: int = 200
    iterations: int = 300
    #: Episodes per iteration (sampled from the training pool).
    episodes: int = 64
    #: Training words per kind (7 kinds: the word suites' (strands, length) pairs and L96), drawn once.
    pool_per_kind: int = 100
    heldout_per_kind: int = 50
    eval_every: int = 20
    max_moves: int = 400
    #: Cost per kernel move of a macro in the policy's score (μ above).
    move_weight: float = 0.05
    temperature: float = 1.0
    max_kl: float = 0.01
    cg_iters: int = 10
    cg_damping: float = 0.1
    line_search_steps: int = 10
    line_search_shrink: float = 0.5
    fvp_subsample: int = 1
    ent_coef: float = 0.0
    #: Torch threads (1: the machine is shared; the batches are small).
    threads: int = 1

    def __post_init__(self) -> None:
        if self.prior not in ("hand", "none"):
            raise ValueError(f"prior must be 'hand' or 'none', got {self.prior!r}")
        if self.pool not in ("words", "diagrams"):
            raise ValueError(f"pool must be 'words' or 'diagrams', got {self.pool!r}")
        for name in (
            "iterations",
            "episodes",
            "pool_per_kind",
            "heldout_per_kind",
            "eval_every",
            "max_moves",
            "pool_size",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not self.temperature > 0 or not self.max_kl > 0 or self.move_weight < 0:
            raise ValueError("temperature and max_kl must be > 0, move_weight >= 0")


class MacroScores(nn.Module):
    """Logits of the macro policy over a padded batch ``(D, K, F + 2)``: features, hand value, macro moves."""

    def __init__(self, model: nn.Module, hand_weight: float, move_weight: float, temperature: float) -> None:
        super().__init__()
        self.model, self.hand_weight, self.move_weight, self.temperature = model, hand_weight, move_weight, temperature

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, None]:
        score = self.model(obs[..., :-2]) + self.hand_weight * obs[..., -2] + self.move_weight * obs[..., -1]
        return -score / self.temperature, None


@dataclass
class Decision:
    """One choice of an episode: the successors offered, which was taken, and the reward that followed."""

    rows: np.ndarray  # (K, F + 2)
    action: int
    reward: float


def play(
    n: int, word: tuple[int, ...], net: MacroScores, cfg: Any, max_moves: int, rng: np.random.Generator | None
) -> tuple[list[Decision], bool]:
    """One episode of the policy (sampled with ``rng``, greedy without), tabu; its decisions and whether it solved."""
    from rigorgym.agents.macro_policy import MAX_MACROS, _bound
    from rigorgym.agents.unknot_search import Tape, canonical, normalize, successors
    from rigorgym.agents.unknot_value import batch_features

    tape = Tape(n, word)
    normalize(tape, cfg.max_length)
    n, w, moves = tape.n, tuple(tape.w), len(tape.ops)
    seen: set[Any] = set()
    decisions: list[Decision] = []
    while moves <= max_moves and len(decisions) < MAX_MACROS:
        if n == 1 and not w:
            if decisions:
                decisions[-1].reward += 1.0
            return decisions, True
        seen.add(canonical(n, w))
        kids = [k for k in successors(n, w, cfg, _bound(n, w, cfg)) if canonical(k[0], tuple(k[1])) not in seen]
        if not kids:
            break
        x, hand = batch_features([(a, b) for a, b, _ in kids])
        rows = np.concatenate([x, hand[:, None], np.array([[len(o)] for _, _, o in kids])], axis=1).astype(np.float32)
        with torch.no_grad():
            logits = net(torch.from_numpy(rows))[0].double().numpy()
        if rng is None:
            k = int(np.argmax(logits))
        else:
            p = np.exp(logits - logits.max())
            k = int(rng.choice(len(kids), p=p / p.sum()))
        n, w, ops = kids[k][0], tuple(kids[k][1]), kids[k][2]
        moves += len(ops)
        decisions.append(Decision(rows, k, -len(ops) / max_moves))
    return decisions, bool(n == 1 and not w and moves <= max_moves)


def batch(decisions: list[Decision]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Padded ``(obs (D, K, F + 2), mask (D, K), actions (D,))``."""
    width = max(len(d.rows) for d in decisions)
    feats = decisions[0].rows.shape[1]
    obs = np.zeros((len(decisions), width, feats), np.float32)
    mask = np.zeros((len(decisions), width), bool)
    for i, d in enumerate(decisions):
        obs[i, : len(d.rows)] = d.rows
        mask[i, : len(d.rows)] = True
    actions = torch.tensor([d.action for d in decisions])
    return torch.from_numpy(obs), torch.from_numpy(mask), actions


Words = list[tuple[str, int, tuple[int, ...]]]


def training_sets(args: Args) -> tuple[Words, Words, Any]:
    """The training pool, the held-out set (``(kind, strands, word)`` each) and the board's search config."""
    from rigorgym.agents.protocols.unknot_macro import BOARD, WORD_SEED, fresh_words
    from rigorgym.agents.unknot_search import SearchConfig

    if args.pool == "words":
        cfg = SearchConfig(max_length=BOARD[0], max_strands=BOARD[1])
        pool = fresh_words((WORD_SEED, 7, args.seed), args.pool_per_kind)
        return pool, fresh_words((WORD_SEED, 7, args.seed, 10**6), args.heldout_per_kind), cfg
    from rigorgym.agents.protocols.unknot_expert import ExpertArgs, build_pool

    braids = build_pool(ExpertArgs(pool=args.pool_size, workers=2))
    cut = int(round(0.8 * len(braids)))
    words = [("diagram", n, tuple(w)) for n, w in braids]
    return words[:cut], words[cut:], SearchConfig(max_length=512, max_strands=64)


def train(
    args: Args, out: Path, on_scalar: Callable[[str, float, int], None] | None = None, command: str = ""
) -> dict[str, Any]:
    """Train by the module docstring's loop; write the best iteration's value folder to ``out``; return its card."""
    from datetime import UTC, datetime

    from rigorgym.agents.protocols.unknot_macro import WORD_SEED, solved_by_kind
    from rigorgym.agents.protocols.unknot_training import write_value_folder
    from rigorgym.agents.unknot_value import HIDDEN, N_FEATURES, ValueMLP

    from .vec_trpo import trpo_step

    tap = on_scalar or (lambda name, value, step: None)
    start = time.perf_counter()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    model = ValueMLP()
    if args.prior == "hand":  # start exactly at the hand policy
        nn.init.zeros_(model.net[-1].weight)
        nn.init.zeros_(model.net[-1].bias)
    hand_weight = 1.0 if args.prior == "hand" else 0.0
    net = MacroScores(model, hand_weight, args.move_weight, args.temperature)
    pool, held, cfg = training_sets(args)

    def held_out() -> dict[str, float]:
        return solved_by_kind(held, [play(n, w, net, cfg, args.max_moves, None)[1] for _, n, w in held])

    history: list[dict[str, Any]] = []
    best = (held_out(), 0, {k: v.clone() for k, v in model.state_dict().items()})
    history.append({"iteration": 0, "heldout_solved": best[0], "seconds": round(time.perf_counter() - start, 1)})
    tap("charts/heldout_solved", best[0]["all"], 0)
    for it in range(1, args.iterations + 1):
        decisions: list[Decision] = []
        returns: list[float] = []
        solved = 0
        for k in rng.choice(len(pool), min(args.episodes, len(pool)), replace=False):
            _, n, w = pool[int(k)]
            ep, won = play(n, w, net, cfg, args.max_moves, rng)
            solved += won
            togo = np.cumsum([d.reward for d in ep][::-1])[::-1]
            decisions += ep
            returns += togo.tolist()
        if not decisions:
            continue
        adv = torch.tensor(returns, dtype=torch.float32)
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        obs, mask, actions = batch(decisions)
        stats = trpo_step(net, obs, mask, actions, adv, args)  # type: ignore[arg-type]
        tap("charts/train_solved", solved / min(args.episodes, len(pool)), it)
        for key in ("kl", "entropy", "improvement"):
            tap(f"losses/{key}", stats[key], it)
        if it % args.eval_every == 0 or it == args.iterations:
            now = held_out()
            tap("charts/heldout_solved", now["all"], it)
            history.append(
                {"iteration": it, "train_solved": round(solved / min(args.episodes, len(pool)), 4),
                 "heldout_solved": now,
                 "kl": round(stats["kl"], 5), "entropy": round(stats["entropy"], 4),
                 "seconds": round(time.perf_counter() - start, 1)}
            )  # fmt: skip
            if now["all"] > best[0]["all"]:
                best = (now, it, {k: v.clone() for k, v in model.state_dict().items()})
    model.load_state_dict(best[2])
    card = {
        "kind": "unknot-value",
        "env_id": "UnKnot-v0",
        "what": f"macro policy of UnKnot-v0 trained by TRPO (prior {args.prior}): played alone, the argmax of "
        "-(hand_weight * hand value + net + move_weight * macro moves) over guided's macro successors",
        "architecture": f"MLP {N_FEATURES} -> {HIDDEN} -> {HIDDEN} -> 1 (ReLU) over agents/unknot_value.features",
        "parameters": sum(p.numel() for p in model.parameters()),
        "algo": ALGO,
        "command": command,
        "hand_weight": hand_weight,
        "move_weight": args.move_weight,
        "trained": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "args": asdict(args),
        "chosen_iteration": best[1],
        "heldout_solved": best[0],
        "training_set": {
            "recipe": "WordMixGenerator's kinds: uniform random words unknotted by simplify('global'); L96 grown"
            if args.pool == "words"
            else "the expert-iteration pool: braid_word() of snappy.random_link unknotted by simplify('global')",
            "seed": [WORD_SEED, 7, args.seed] if args.pool == "words" else "unknot_expert.POOL_SEED",
            "train": len(pool),
            "heldout": len(held),
            "disjoint_from_suites": True,
        },
        "history": history,
    }
    card = write_value_folder(out, model, card, start)
    card["loss"] = "TRPO on the protocol's return: +1 on solving within max_moves, -moves/max_moves per macro"
    (out / "card.json").write_text(json.dumps(card, indent=1) + "\n")
    return card


__all__ = ["ALGO", "Args", "MacroScores", "play", "train"]
