"""UnKnot-v0 training protocols: the bootstrapped value net of ``guided``, and PPO env steps per second.

- :func:`train_value_net` (``rigorgym train UnKnot-v0 --algo guided-value``,
  ``benchmarks/train_unknot_value.py``): solve a
  seeded training set (random unknot diagrams and words, disjoint from the
  suites) with the guided search, learn a ranking from every path found, and
  write ``value.pt`` and ``card.json``;
- :func:`rllib_sps` and :func:`sb3_sps` (``benchmarks/rllib_scaling.py``):
  steady-state PPO env steps per second, RLlib with N env runners and SB3.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .unknot import ENV_ID, Sink, _ignore, rounded


def _machine() -> dict[str, Any]:
    """What a run was measured on (as benchmarks/_common.machine)."""
    import os
    import platform

    import rigorgym

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "rigorgym": rigorgym.__version__,
    }


# -- the value net of ``guided`` -----------------------------------------------------------------

VALUE_SEED = 20261129
#: (strands, length) of SnapPy-unknotted random words; n5-L40 is left out (about 20 s a word).
VALUE_WORDS = ((4, 21), (5, 20), (5, 26), (6, 25), (7, 30), (7, 40))
#: Vertices of the random planar maps behind the random diagrams (SnapPy's ``random_link``).
VALUE_MAP_SIZES = (30, 40, 50, 60)


def value_words(per_size: int, seconds: float) -> list[Any]:
    """Random unknotted words (the ``unknot-words`` recipe, other seeds), ``per_size`` of each size, within ``seconds``."""
    import numpy as np
    from rigorgym.envs.unknot.generator import RandomWordGenerator

    out: list[Any] = []
    deadline = time.perf_counter() + seconds
    for k in range(per_size):
        for n, length in VALUE_WORDS:
            if time.perf_counter() > deadline:
                return out
            out.append(RandomWordGenerator(n, length)(np.random.default_rng([VALUE_SEED, n, length, k])))
    return out


def random_unknot_braid(size: int) -> tuple[int, tuple[int, ...]] | None:
    """The Vogel braid of one random diagram (SnapPy's ``random_link`` on ``size`` map vertices), if it is an unknot.

    ``None`` unless the diagram has at least 10 crossings and
    ``simplify('global')`` reaches 0 crossings (which proves it the unknot).
    SnapPy draws from Python's ``random`` (seed it first); spherogram iterates
    sets of crossings hashed by identity, so the draw runs inside the kernel's
    hash shim, which makes it repeat.
    """
    import snappy
    from rigorgym.verifiers.diagram import _deterministic_hashes

    with _deterministic_hashes():
        link = snappy.random_link(size, num_components=1, simplify=None, initial_map_gives_link=False)
        if len(link.crossings) < 10:
            return None
        copy = link.copy()
        copy.simplify("global")
        if copy.crossings:
            return None
        word = tuple(int(x) for x in link.braid_word())
    return max(abs(x) for x in word) + 1, word


def value_diagrams(count: int, seconds: float) -> list[Any]:
    """Braids of random unknot diagrams with at least 10 crossings (SnapPy draws from Python's seeded ``random``)."""
    import random

    from rigorgym.envs.unknot.types import BraidInstance

    random.seed(VALUE_SEED)
    out: list[Any] = []
    deadline = time.perf_counter() + seconds
    tries = 0
    while len(out) < count and time.perf_counter() < deadline:
        size = VALUE_MAP_SIZES[tries % len(VALUE_MAP_SIZES)]
        tries += 1
        braid = random_unknot_braid(size)
        if braid is not None and braid[0] >= 3 and len(braid[1]) <= 200:
            out.append(BraidInstance(braid[0], braid[1], f"diagram-{tries}"))
    return out


@dataclass
class Labels:
    """What the solved paths teach: steps left per braid, and (children, index of the right one) per step."""

    steps: dict[Any, tuple[Any, int]] = field(default_factory=dict)
    choices: dict[Any, tuple[list[Any], int]] = field(default_factory=dict)

    def add_path(self, path: Sequence[Any], cfg: Any) -> None:
        """Learn from one solved path of :func:`~rigorgym.agents.unknot_search.guided_search`."""
        from rigorgym.agents.unknot_search import canonical, successors

        total = len(path) - 1
        for i, state in enumerate(path):
            key = canonical(*state)
            if key not in self.steps or total - i < self.steps[key][1]:
                self.steps[key] = (state, total - i)
            if i == total or key in self.choices:
                continue
            n, w = state
            children = [(n2, w2) for n2, w2, _ in successors(n, w, cfg, len(w) + 2 * n + cfg.slack)]
            target = canonical(*path[i + 1])
            keys = [canonical(*c) for c in children]
            if target in keys and len(children) >= 2:
                self.choices[key] = (children, keys.index(target))


def solve_and_label(instances: Sequence[Any], scorer: Any, cfg: Any, budget_s: float, labels: Labels) -> int:
    """Solve every instance by the guided search ranked by ``scorer``, learn from each path; return how many solved."""
    from rigorgym.agents.unknot_search import guided_search

    solved = 0
    for inst in instances:
        out = guided_search(inst.braid, scorer, budget_s, cfg)
        if out.moves is not None:
            solved += 1
            labels.add_path(out.path, cfg)
    return solved


def _padded(sets: Sequence[tuple[list[Any], int]]) -> tuple[Any, Any, Any, Any]:
    """Choice sets as padded tensors: features ``(S, K, F)``, hand values and a mask ``(S, K)``, targets ``(S,)``."""
    import numpy as np
    import torch
    from rigorgym.agents.unknot_value import N_FEATURES, batch_features

    width = max((len(kids) for kids, _ in sets), default=1)
    x = np.zeros((len(sets), width, N_FEATURES), np.float32)
    hand = np.zeros((len(sets), width), np.float32)
    mask = np.zeros((len(sets), width), bool)
    for i, (kids, _) in enumerate(sets):
        feats, values = batch_features(kids)
        x[i, : len(kids)], hand[i, : len(kids)], mask[i, : len(kids)] = feats, values, True
    target = torch.tensor([right for _, right in sets], dtype=torch.long)
    return torch.from_numpy(x), torch.from_numpy(hand), torch.from_numpy(mask), target


def _padded_scores(model: Any, x: Any, hand: Any, mask: Any) -> Any:
    """``hand value + net`` of every child, ``+inf`` on padding (lower is better)."""
    import torch

    return (hand + model(x)).masked_fill(~mask, torch.inf)


def _top1(model: Any, batch: tuple[Any, Any, Any, Any], hand_only: bool = False) -> float:
    import torch

    x, hand, mask, target = batch
    if len(target) == 0:
        return float("nan")
    with torch.no_grad():
        scores = hand.masked_fill(~mask, torch.inf) if hand_only else _padded_scores(model, x, hand, mask)
    return float((scores.argmin(dim=1) == target).float().mean())


def value_accuracy(model: Any, train: tuple[Any, ...], held: tuple[Any, ...]) -> dict[str, float]:
    """Top-1 accuracy of the ranking (the right child scored lowest): learned on train and held out, hand on held out."""
    was_training = model.training
    model.eval()
    out = {
        "train_top1": round(_top1(model, train), 3),
        "heldout_top1": round(_top1(model, held), 3),
        "heldout_top1_hand": round(_top1(model, held, hand_only=True), 3),
    }
    model.train(was_training)
    return out


def fit_value(
    labels: Labels, epochs: int, seed: int, on_epoch: Sink = _ignore, batch_size: int = 64
) -> tuple[Any, dict[str, float]]:
    """A fresh ``ValueMLP`` fitted by a softmax ranking loss over each path step's children; (model, accuracy).

    The score is ``hand value + net`` (``learned_scores``), so an untrained
    net ranks like the hand value and training moves it only where paths
    disagree with it. The last 10% of the steps (seeded order) are held out.
    The choice sets are padded into one tensor once (children beyond a set's
    own are masked), so an epoch is a few minibatch passes, not one step per set.
    """
    import numpy as np
    import torch
    from rigorgym.agents.unknot_value import ValueMLP

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    choices = [labels.choices[k] for k in sorted(labels.choices)]
    choices = [choices[i] for i in rng.permutation(len(choices))]
    cut = max(1, int(0.9 * len(choices)))
    train, held = _padded(choices[:cut]), _padded(choices[cut:])
    model = ValueMLP()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    count = len(train[3])
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for chunk in np.array_split(rng.permutation(count), max(1, count // batch_size)):
            idx = torch.from_numpy(chunk)
            x, hand, mask, target = (t[idx] for t in train)
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(-_padded_scores(model, x, hand, mask), target)
            loss.backward()
            opt.step()
            total += loss.item() * len(chunk)
        if epoch % 5 == 0 or epoch == epochs - 1:
            on_epoch(
                {
                    "phase": "train",
                    "epoch": epoch,
                    "loss": round(total / max(count, 1), 4),
                    **value_accuracy(model, train, held),
                }
            )
    return model.eval(), value_accuracy(model, train, held)


def write_value_folder(
    out: Path, model: Any, card: dict[str, Any], start: float, on_record: Sink = _ignore
) -> dict[str, Any]:
    """Write ``out/value.pt`` and ``out/card.json`` (the card completed with the loss, the seconds and the machine).

    Shared by the bootstrapped value (:func:`train_value_net`) and expert
    iteration (:mod:`.unknot_expert`); reports a ``done`` record; returns the card.
    """
    import json

    import torch

    card = {
        **card,
        "loss": "softmax ranking of each path step's children; score = hand value + net",
        "train_seconds": round(time.perf_counter() - start, 1),
        "machine": _machine(),
    }
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "value.pt")
    (out / "card.json").write_text(json.dumps(card, indent=1) + "\n")
    on_record(
        {"phase": "done", "wrote": [str(out / "value.pt"), str(out / "card.json")], "seconds": card["train_seconds"]}
    )
    return card


def train_value_net(
    out: Path,
    diagrams: int = 160,
    per_size: int = 4,
    rounds: int = 1,
    budget_s: float = 2.0,
    max_expansions: int = 3000,
    epochs: int = 20,
    seed: int = 0,
    command: str = "python benchmarks/train_unknot_value.py",
    on_record: Sink = _ignore,
) -> dict[str, Any]:
    """Train the value net of ``guided``, bootstrapped from its own search; write ``value.pt`` and ``card.json``.

    Round 0 solves a training set (random unknot diagrams and words, disjoint
    from the suites by seed) with the hand value; each later round retrains on
    every path found so far and solves the set again with the net. Returns
    the card (also written to ``out/card.json``, of kind ``unknot-value``: ``rigorgym
    solve --agent out`` plays it as ``guided`` with this net). One torch thread.
    ``rigorgym train UnKnot-v0 --algo guided-value`` runs it.
    """
    from datetime import UTC, datetime

    import torch
    from rigorgym.agents.learned import VALUE_KIND
    from rigorgym.agents.unknot_features import hand_value
    from rigorgym.agents.unknot_search import SearchConfig
    from rigorgym.agents.unknot_value import HIDDEN, N_FEATURES, ValueNet

    torch.set_num_threads(1)
    start = time.perf_counter()
    instances = value_diagrams(diagrams, 600) + value_words(per_size, 120)
    on_record({"phase": "data", "instances": len(instances), "seconds": round(time.perf_counter() - start, 1)})
    cfg = SearchConfig(max_expansions=max_expansions)
    labels = Labels()
    history: list[dict[str, Any]] = []
    model: Any = None
    fit: dict[str, float] = {}
    for round_no in range(rounds + 1):
        scorer = hand_value if model is None else ValueNet(model).score
        solved = solve_and_label(instances, scorer, cfg, budget_s, labels)
        history.append(
            {
                "round": round_no,
                "value": "hand" if model is None else "learned",
                "solved": solved,
                "steps": len(labels.steps),
                "choices": len(labels.choices),
            }
        )
        on_record({"phase": "solve", **history[-1], "seconds": round(time.perf_counter() - start, 1)})
        model, fit = fit_value(labels, epochs, seed + round_no, lambda r, n=round_no: on_record({**r, "round": n}))
    card = {
        "kind": VALUE_KIND,  # what makes `rigorgym solve --agent DIR` play this folder as guided
        "env_id": ENV_ID,
        "what": "value of the guided UnKnot agent: hand value + this net's correction, ranking braids by closeness to the unknot",
        "architecture": f"MLP {N_FEATURES} -> {HIDDEN} -> {HIDDEN} -> 1 (ReLU) over agents/unknot_value.features",
        "parameters": sum(p.numel() for p in model.parameters()),
        "trained": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "args": {
            "diagrams": diagrams,
            "per_size": per_size,
            "rounds": rounds,
            "budget_s": budget_s,
            "max_expansions": max_expansions,
            "epochs": epochs,
            "seed": seed,
        },
        "training_set": {
            "instances": len(instances),
            "diagrams": sum(1 for i in instances if i.id),
            "words": list(VALUE_WORDS),
            "map_sizes": list(VALUE_MAP_SIZES),
            "seed": VALUE_SEED,
            "disjoint_from_suites": True,
        },
        "rounds": history,
        "fit": fit,
    }
    return write_value_folder(out, model, card, start, on_record)


# -- PPO throughput ------------------------------------------------------------------------------


def rllib_sps(runners: int, batch: int, iterations: int, seed: int, env_id: str = ENV_ID) -> dict[str, Any]:
    """Steady-state env steps/s of RLlib PPO with ``runners`` env runners (one warm-up iteration).

    A fresh local Ray with a CPU per runner, unless this process already has one (then it is used and kept).
    """
    import ray
    from rigorgym.agents.rllib.envs import register
    from rigorgym.agents.rllib.train import Args, build_config, sampled_steps

    owned = not ray.is_initialized()
    if owned:
        ray.init(num_cpus=max(2, runners + 1), include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    try:
        args = Args(env_id=env_id, algo="ppo", num_env_runners=runners, train_batch_size=batch, seed=seed)
        algo = build_config(args, register(env_id)).build_algo()
        first = last = sampled_steps(algo.train())  # warm-up: actors started, first weights synced
        start = time.perf_counter()
        for _ in range(iterations):
            last = sampled_steps(algo.train())
        seconds = time.perf_counter() - start
        algo.stop()
    finally:
        if owned:
            ray.shutdown()
    return {
        "backend": "rllib",
        "env_runners": runners,
        "steps": last - first,
        "seconds": rounded(seconds),
        "sps": rounded((last - first) / seconds),
    }


def sb3_sps(batch: int, iterations: int, seed: int, env_id: str = ENV_ID) -> dict[str, Any]:
    """Steady-state env steps/s of SB3 PPO (one env, ``n_steps = batch``), the same masked MLP, one torch thread."""
    import tempfile

    import torch
    from rigorgym.agents.algos.common import make_env, sb3_policy_kwargs, sb3_policy_name
    from rigorgym.agents.algos.ppo import Args
    from stable_baselines3 import PPO

    torch.set_num_threads(1)
    args = Args(env_id=env_id, policy="mlp", steps=batch, seed=seed, out=Path(tempfile.mkdtemp()), n_steps=batch)
    env = make_env(args)
    model = PPO(
        sb3_policy_name(env.observation_space),
        env,
        n_steps=batch,
        batch_size=128,
        n_epochs=4,
        policy_kwargs=sb3_policy_kwargs(args),
        seed=seed,
        verbose=0,
    )
    model.learn(total_timesteps=batch)  # warm-up
    start = time.perf_counter()
    model.learn(total_timesteps=batch * iterations, reset_num_timesteps=False)
    seconds = time.perf_counter() - start
    return {
        "backend": "sb3",
        "env_runners": None,
        "steps": batch * iterations,
        "seconds": rounded(seconds),
        "sps": rounded(batch * iterations / seconds),
    }
