"""Issue 19's speed figure: ``--backend vec`` PPO against SB3's PPO with its default MLP, same process, same threads.

SB3 runs exactly as a user would call it (``PPO("MlpPolicy" | "MultiInputPolicy", env)``, every default:
``n_steps`` 2,048, batch 64, 10 epochs, ``net_arch`` [64, 64]) on one env; the batched trainer runs with its
own defaults (256 envs x 32 steps, 4 epochs of 4 minibatches) for each network. Both use rigorgym's torch
threads (one on this machine). Steps/s are over the whole training call (setup and save included).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from _common import rounded

#: game -> (env id, SB3 policy name, [(network label, vec policy, options, role)]); role "same": SB3's own
#: network, which is also vec PPO's default MLP; "default": the batched trainers' own network for the game
#: where it is another (the graph network on Kirby-Plumbing); "" another network, for comparison
NETWORKS: dict[str, tuple[str, str, list[tuple[str, str, dict[str, Any], str]]]] = {
    "unknot": (
        "UnKnot-v0",
        "MlpPolicy",
        [
            ("MLP (64, 64), SB3's and vec PPO's default", "mlp", {"hidden": (64, 64)}, "same"),
            ("MLP (256, 256), the paper's", "mlp", {"hidden": (256, 256)}, ""),
            ("factored, width 16", "factored", {"width": 16, "depth": 2}, ""),
        ],
    ),
    "plumbing": (
        "Kirby-Plumbing-RiPutrov-v0",
        "MultiInputPolicy",
        [
            ("MLP (64, 64), SB3's and vec PPO's default", "mlp", {"hidden": (64, 64)}, "same"),
            ("gnn (sage), width 16, 2 layers", "gnn", {"width": 16, "depth": 2}, "default"),
        ],
    ),
}
TARGET = 10.0  # issue 19: the batched trainer >= 10x SB3's PPO


def sb3_ppo(env_id: str, policy: str, steps: int, **changes: Any) -> dict[str, Any]:
    """Env steps/s of SB3's PPO with every default (but ``changes``: the quick smoke run's ``n_steps``) on one env."""
    import gymnasium as gym
    from stable_baselines3 import PPO

    import rigorgym  # noqa: F401  (registers the envs)

    start = time.perf_counter()
    model = PPO(policy, gym.make(env_id), seed=0, device="cpu", verbose=0, **changes)
    model.learn(total_timesteps=steps)
    wall = time.perf_counter() - start
    return {
        "steps": int(model.num_timesteps),
        "wall_s": rounded(wall),
        "steps_per_s": rounded(model.num_timesteps / wall),
    }


def vec_ppo(env_id: str, policy: str, steps: int, options: dict[str, Any]) -> dict[str, Any]:
    """Env steps/s of one whole ``vec_ppo.train`` call (its defaults, ``options`` for the network)."""
    from rigorgym.agents.algos import vec_ppo as trainer

    with tempfile.TemporaryDirectory() as tmp:
        args = trainer.Args(env_id=env_id, policy=policy, steps=steps, out=Path(tmp) / "agent", **options)
        start = time.perf_counter()
        trainer.train(args)
        wall = time.perf_counter() - start
    return {"steps": steps, "wall_s": rounded(wall), "steps_per_s": rounded(steps / wall)}


def figures(emit: Any, games: list[str], quick: bool) -> None:
    """One ``vec_speed`` record per (game, trainer, network); the vec rows carry their ratio to SB3."""
    for game in games:
        if game not in NETWORKS:
            continue
        env_id, sb3_policy, networks = NETWORKS[game]
        base = sb3_ppo(env_id, sb3_policy, 256, n_steps=256) if quick else sb3_ppo(env_id, sb3_policy, 8192)
        emit({"bench": "vec_speed", "env": env_id, "trainer": "SB3 PPO", "network": "SB3 default MLP (64, 64)", **base})
        for label, policy, options, role in networks[:1] if quick else networks:
            row = vec_ppo(env_id, policy, 512 if quick else 65536, options)
            emit({"bench": "vec_speed", "env": env_id, "trainer": "vec PPO", "network": label, "role": role,
                  **row, "ratio": rounded(row["steps_per_s"] / base["steps_per_s"])})  # fmt: skip


def checks(records: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """The acceptance rows (#19 asks for both networks): SB3's own network, and the batched trainers' one."""
    what = {"same": "the same network as SB3 (its default)", "default": "the game's own network"}
    rows = [r for r in records if r.get("bench") == "vec_speed" and r.get("role") in what]
    return [
        (
            f"{r['env']}: vec PPO with {what[r['role']]} ({r['network']}) >= {TARGET:g}x SB3 PPO (#19)",
            f"{r['ratio']:g}x",
            r["ratio"] >= TARGET,
        )  # fmt: skip
        for r in rows
    ]


def table(page: Any, records: list[dict[str, Any]]) -> None:
    rows = [
        [r["env"], r["trainer"], r["network"], r["steps"], r["wall_s"], r["steps_per_s"], r.get("ratio", 1.0)]
        for r in records
        if r.get("bench") == "vec_speed"
    ]
    if rows:
        page.heading("Issue #19: the batched trainer against SB3's PPO")
        page.table(
            ["env", "trainer", "network", "env steps", "wall s", "env steps/s", "× SB3 PPO"],
            rows,
            __doc__.split("\n\n")[1].replace("\n", " "),
        )
