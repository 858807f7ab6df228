"""Tune the ``bo-walker``'s band weights with Bayesian optimisation (optuna, TPE) and ship them.

The training knots, the objective and the search space are in
:mod:`rigorgym.agents.protocols.ribbon` (``training_knots``,
``walker_objective``, ``walker_params``). Training knots (never the 12- and 13-crossing knots that the walker is then
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
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import optuna
from _common import emit
from rigorgym.agents.bo_walker import KERNEL_COST, WalkerMemo
from rigorgym.agents.protocols.ribbon import training_knots, walker_objective, walker_params
from rigorgym.agents.ribbon_search import FEATURES

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "agents" / "data" / "bo_walker_weights.json"


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
        result = walker_objective(walker_params(trial), knots, args.seeds, args.max_cost, memo)
        trial.set_user_attr("solved", result["solved"])
        emit({"trial": trial.number, **result, "seconds": round(time.perf_counter() - start, 1)})
        return result["objective"]

    study.optimize(objective, n_trials=args.trials, timeout=args.timeout_s)
    best = study.best_trial
    params = walker_params(optuna.trial.FixedTrial(best.params))
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
