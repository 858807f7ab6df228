"""Tune the ``bo-walker``'s band weights with Bayesian optimisation (optuna, TPE) and ship them.

Training knots (never the 12- and 13-crossing knots that the walker is then
evaluated on):

- the slice knots of KnotInfo with at most ``--max-crossings`` (11) crossings,
  taken from the suite ``ribbon-knotinfo-12`` (they all untie with one band);
- four composite ribbon knots that need two bands,
  (K # -K) # (K' # -K') for (K, K') in (3_1, 3_1), (3_1, 4_1), (4_1, 4_1),
  (3_1, 5_1): -K is the reverse of the mirror image. Their Alexander module
  needs four generators (Nakanishi index 4), while that of a knot that one
  band takes to a two-component unlink needs at most two; and indeed no band
  of the candidate set unties them in one move.

Objective (minimised): the mean over knots and ``--seeds`` walker seeds of
log(cost), where cost counts one unit per band screened and
``KERNEL_COST`` units per kernel simplification (the walker's real work,
independent of the machine's speed and load); a walk that exceeds
``--max-cost`` counts as twice that. Screens and kernel results are cached
across trials (they are pure functions), so a trial costs little once the
caches are warm.

Writes ``agents/data/bo_walker_weights.json`` (weights, ``descend``,
``walk_steps`` and a card: sampler, trials, seed, training knots, objective
values); the card is the "bo-walker tuning" section of
docs/results/ribbon-solvers.md, which ``benchmarks/ribbon_solvers.py`` renders
through the reporter. Usage::

    PYTHONPATH=... python benchmarks/tune_bo_walker.py --trials 60 --seeds 1 --timeout-s 1500 --seed 0
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import spherogram
from _common import emit
from rigorgym.agents.bo_walker import KERNEL_COST, BoWalker, WalkerMemo
from rigorgym.agents.ribbon_search import FEATURES
from rigorgym.envs.ribbon import KnotInstance
from rigorgym.envs.suites import load_suite
from rigorgym.envs.suites.build_ribbon import reverse
from rigorgym.verifiers.diagram import _deterministic_hashes

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "agents" / "data" / "bo_walker_weights.json"
COMPOSITES = (("3_1", "3_1"), ("3_1", "4_1"), ("4_1", "4_1"), ("3_1", "5_1"))


def _double(name: str) -> spherogram.Link:
    k = spherogram.Link(spherogram.Link(name).PD_code())
    return k.connected_sum(reverse(k.mirror()))


def composite(a: str, b: str) -> KnotInstance:
    """(a # -a) # (b # -b), a ribbon knot that needs two bands."""
    with _deterministic_hashes():
        link = _double(a).connected_sum(_double(b))
        pd = tuple(tuple(int(v) for v in x) for x in link.PD_code(min_strand_index=1))
    return KnotInstance(pd, f"({a}#-{a})#({b}#-{b})")


def training_knots(max_crossings: int) -> list[KnotInstance]:
    knots = [
        KnotInstance.from_instance(x)
        for x in load_suite("ribbon-knotinfo-12").instances
        if len(x["pd"]) <= max_crossings
    ]
    return knots + [composite(a, b) for a, b in COMPOSITES]


def evaluate(params: dict[str, Any], knots: list[KnotInstance], seeds: int, max_cost: int, memo: WalkerMemo) -> dict:
    walker = BoWalker(params)
    walker.memo = memo
    walker.max_cost = max_cost
    logs, solved = [], 0
    for knot in knots:
        diagram = knot.diagram()
        for s in range(seeds):
            out = walker.search(diagram, time.perf_counter() + 600, s)
            cost = out.extra.get("cost", 0) if out.moves is not None else 2 * max_cost
            solved += out.moves is not None
            logs.append(math.log(max(cost, 1)))
    return {"objective": float(np.mean(logs)), "solved": solved, "runs": len(knots) * seeds}


def params_of(trial: optuna.trial.BaseTrial) -> dict[str, Any]:
    return {
        "weights": {f: trial.suggest_float(f, -3.0, 3.0) for f in FEATURES},
        "descend": trial.suggest_float("descend", 0.0, 0.3),
        "walk_steps": trial.suggest_int("walk_steps", 4, 200, log=True),
        "max_bands": 3,
        "max_twists": 2,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=3, help="walker seeds per knot and trial")
    parser.add_argument("--max-crossings", type=int, default=11)
    parser.add_argument("--max-cost", type=int, default=1000)
    parser.add_argument("--timeout-s", type=float, default=None, help="stop starting trials after this long")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)

    knots = training_knots(args.max_crossings)
    memo = WalkerMemo()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=args.seed, n_startup_trials=min(10, args.trials))
    study = optuna.create_study(direction="minimize", sampler=sampler)
    # the hand-set starting point of the walker (short, untwisted bands first) as the first trial
    study.enqueue_trial(
        {
            "crossed": -0.3,
            "twist0": 0.5,
            "twist1": 0.3,
            "twist2": -1.5,
            **{f: 0.0 for f in FEATURES[4:]},
            "descend": 0.1,
            "walk_steps": 50,
        }
    )
    start = time.perf_counter()

    def objective(trial: optuna.trial.Trial) -> float:
        result = evaluate(params_of(trial), knots, args.seeds, args.max_cost, memo)
        trial.set_user_attr("solved", result["solved"])
        emit({"trial": trial.number, **result, "seconds": round(time.perf_counter() - start, 1)})
        return result["objective"]

    study.optimize(objective, n_trials=args.trials, timeout=args.timeout_s)
    best = study.best_trial
    params = params_of(optuna.trial.FixedTrial(best.params))
    first = study.trials[0]
    card = {
        "how": (
            "optuna TPESampler (Bayesian optimisation) minimising the mean log cost per solve "
            f"(1 unit per band screened, {KERNEL_COST} per kernel simplification; a solve over "
            f"{args.max_cost} units counts {2 * args.max_cost}) over {args.seeds} walker seeds per knot"
        ),
        "command": " ".join(["python benchmarks/tune_bo_walker.py", *(sys.argv[1:] if argv is None else argv)]),
        "trials": len(study.trials),
        "sampler_seed": args.seed,
        "training_knots": [k.name for k in knots],
        "training_note": (
            f"KnotInfo slice knots with <= {args.max_crossings} crossings (suite ribbon-knotinfo-12) and four "
            "two-band composites (K#-K)#(K'#-K'); the 12- and 13-crossing knots of ribbon-knotinfo-12/-13 "
            "are held out"
        ),
        "best_trial": best.number,
        "best_objective": best.value,
        "best_solved": best.user_attrs.get("solved"),
        "start_objective": first.value,
        "start_solved": first.user_attrs.get("solved"),
        "runs_per_trial": len(knots) * args.seeds,
        "tuned_on": datetime.now(UTC).strftime("%Y-%m-%d"),
        "optuna": optuna.__version__,
        "seconds": round(time.perf_counter() - start, 1),
    }
    Path(args.out).write_text(json.dumps({"card": card, **params}, indent=2) + "\n")
    emit({"best": best.number, "objective": best.value, "params": params})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
