"""Ri–Putrov on the published protocol: a batched-PPO GNN against the published A3C's 94.3%, on ``plumbing-ri-putrov-paper``.

A thin driver over :mod:`rigorgym.agents.protocols.ri_putrov_paper` (issues 19 and 24): trains the
size-agnostic graph policy with ``vec_ppo`` on ``Kirby-Plumbing-Paper-v0`` (fresh pairs of the published
generator every episode, never the suite's), picks the checkpoint that does best on held-out fresh pairs,
and evaluates it by the published rule (both graphs move each step, one sampled episode, at most 500
steps, success when graphs of <= 10 vertices meet) on all 1,000 pairs, with the argmax policy, the
random walker, the previous shipped agent (where its board fits) and ``normal-form`` beside it; every
certificate re-verified. Writes ``ri-putrov-paper.{md,json,png}`` through ``_report.ResultsPage``;
``--ship`` copies the chosen checkpoint into ``agents/data/pretrained/plumbing-ppo-gnn``.

Usage::

    python benchmarks/ri_putrov_paper.py --ship --out-dir docs/results     # the page (about 20 min)
    python benchmarks/ri_putrov_paper.py --quick                           # a smoke run (under a minute)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, machine, rounded  # noqa: E402
from _report import ResultsPage  # noqa: E402
from rigorgym.agents.protocols import ri_putrov as rp  # noqa: E402
from rigorgym.agents.protocols import ri_putrov_paper as paper  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHIP = ROOT / "agents" / "data" / "pretrained" / "plumbing-ppo-gnn"
OLD = ROOT / "agents" / "data" / "pretrained" / "plumbing-a3c-gnn"
TARGET = 0.95  # issue 24: one sampled episode of <= 500 steps, the published agent 94.3%
emit = Recorder()


def run_row(name: str, run: paper.PaperEvaluation, note: str = "") -> dict[str, Any]:
    row = {"bench": "protocol", **run.summary(), "agent": name, "note": note}
    row.pop("by_rule")
    row.update({f"by_{k}": v for k, v in run.summary()["by_rule"].items()})
    emit(row)
    return row


def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    held_out = paper.validation_instances(args.validation)
    curve, best = paper.learning_curve(folder, held_out, args.max_steps)
    for row in curve:
        emit({"bench": "checkpoint", **row})
    steps = json.loads((best / "agent.json").read_text())["steps"]
    emit({"bench": "chosen", "checkpoint": best.name, "steps": steps, "validation_pairs": len(held_out)})
    pairs = paper.suite_instances(args.limit)
    scores, env_id, kwargs = paper.agent_scores(best)
    cap = {"max_steps": args.max_steps}
    rows = [run_row("vec PPO + GNN, sampled", paper.evaluate("sampled", scores, pairs, env_id=env_id, env_kwargs=kwargs, **cap)),
            run_row("vec PPO + GNN, greedy (argmax)",
                    paper.evaluate("greedy", scores, pairs, sampled=False, env_id=env_id, env_kwargs=kwargs, **cap))]  # fmt: skip
    walker = paper.uniform_scores(paper.make_board().layout.n_actions)
    rows.append(
        run_row("random walker (uniform legal)", paper.evaluate("uniform", walker, pairs[: args.walker], **cap))
    )
    old_scores, old_env, old_kwargs = paper.agent_scores(OLD)
    unfit = paper.misfits(pairs, old_env, old_kwargs)
    fits = [p for i, p in enumerate(pairs) if i not in unfit]
    note = f"{len(fits)} of {len(pairs)} pairs fit its 48-slot board"
    if fits:
        rows.append(run_row("plumbing-a3c-gnn (previous shipped), sampled",
                            paper.evaluate("a3c", old_scores, fits, env_id=old_env, env_kwargs=old_kwargs, **cap), note))  # fmt: skip
    else:
        emit({"bench": "protocol", "agent": "plumbing-a3c-gnn (previous shipped)", "pairs": 0, "note": note})
    start = time.perf_counter()
    nf = rp.evaluate_normal_form(pairs).summary()
    emit({"bench": "normal_form", "pairs": nf["pairs"], "solved": nf["solved"], "verified": nf["verified"],
          "median_moves": nf["median_moves"], "seconds": rounded(time.perf_counter() - start)})  # fmt: skip
    return {"best": best, "curve": curve}


def write_page(page: ResultsPage, out: Path, folder: Path, best: Path) -> None:
    import matplotlib.pyplot as plt

    card = json.loads((folder / "agent.json").read_text())
    chosen = next(r for r in emit.records if r.get("bench") == "chosen")
    rows = [r for r in emit.records if r.get("bench") == "protocol" and r.get("pairs")]
    main, greedy = rows[0], rows[1]
    nf = next(r for r in emit.records if r.get("bench") == "normal_form")
    a = paper.ANCHOR
    lo, hi = main["interval_95"]
    page.text(
        "**Protocol** (the published one, songjin91/LearningPlumbings `test.py`; `rigorgym evaluate Kirby-Plumbing-v0 "
        "--protocol ri-putrov`): pairs of `plumbing-ri-putrov-paper` (the published generator: a random tree on 10 "
        "vertices, each graph given its own 100 random move attempts; graphs of 35–101 vertices, mean 68), one "
        "episode per pair, **both graphs move at every step** (one action sampled from the policy for each), at most "
        f"{paper.MAX_STEPS} steps; success when a graph of at most {paper.SMALL} vertices reached from the first is "
        "weighted-isomorphic to one reached from the second (rigorgym's env also stops when the two current graphs "
        "are isomorphic: counted under its own rule). Every certificate re-verified by the kernel. The anchor: the "
        f"published trained A3C, {a['solved']}/{a['pairs']} = 94.3% [92.3, 95.8] with one sampled episode, median "
        f"{a['median_steps']} steps, ~{a['steps_per_s']} steps/s (measured on the shared machine; issue 24)."
    )
    page.text(
        f"**The agent**: `vec_ppo` with the size-agnostic graph policy (`gnn`, {card['policy_options']}), "
        f"{card['steps']:,} env steps on `Kirby-Plumbing-Paper-v0` (fresh pairs of the published generator every "
        f"episode, 1,000 moves per episode), seed {card['seed']}, {card['wall_s']:,.0f} s on one core; the checkpoint "
        f"`{best.name}` ({chosen['steps']:,} env steps; the earliest of the best) did best on {chosen['validation_pairs']} held-out fresh pairs and is the one evaluated. No imitation, "
        "no curriculum."
    )
    page.heading("Acceptance")
    page.acceptance([
        (f"one sampled episode, <= {paper.MAX_STEPS} steps: >= {TARGET:.0%} (#24)",
         f"{main['solved']}/{main['pairs']} = {main['success']:.1%} [{lo:.1%}, {hi:.1%}]", main["success"] >= TARGET),
        ("normal-form solves every pair (#24)", f"{nf['solved']}/{nf['pairs']} (verified {nf['verified']})",
         nf["solved"] == nf["pairs"]),
    ])  # fmt: skip
    page.heading("Results")
    page.table(
        ["agent", "pairs", "solved", "success", "95% interval", "median steps", "by small graphs", "by isomorphism",
         "steps/s", "note"],
        [[r["agent"], r["pairs"], r["solved"], round(r["success"], 4), f"{r['interval_95'][0]:.3f}–{r['interval_95'][1]:.3f}",
          r["median_steps"], r["by_small"], r["by_isomorphic"], r["steps_per_s"], r["note"]] for r in rows],
    )  # fmt: skip
    for r in emit.records:
        if r.get("bench") == "protocol" and not r.get("pairs"):
            page.text(f"{r['agent']}: not evaluated — {r['note']} (it says so in one line when asked to play them).")
    page.text(
        f"Greedy (argmax) beside sampling: {greedy['solved']}/{greedy['pairs']}. `normal-form` (the hand solver, a "
        f"search): {nf['solved']}/{nf['pairs']} in {nf['seconds']} s, median {nf['median_moves']} moves. Steps/s count "
        "time steps (both graphs moved) per second of the whole evaluation, 64 pairs scored per forward pass, one core."
    )
    curve = [r for r in emit.records if r.get("bench") == "checkpoint"]
    page.table(["env steps", "held-out success", "median steps"], [[r["steps"], r["success"], r["median_steps"]] for r in curve],
               "Every checkpoint on the held-out fresh pairs (one sampled episode each):")  # fmt: skip
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.plot([r["steps"] for r in curve], [r["success"] for r in curve], marker="o")
    left.axhline(TARGET, color="black", lw=0.8, ls="--")
    left.set_xlabel("env steps")
    left.set_ylabel("held-out success")
    names = [r["agent"].split(",")[0].replace(" (previous shipped)", "")[:18] for r in rows] + ["published A3C"]
    right.bar(range(len(names)), [r["success"] for r in rows] + [a["solved"] / a["pairs"]], color="tab:blue")
    right.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=7)
    right.set_ylim(0, 1)
    fig.tight_layout()
    page.figure(fig, "ri-putrov-paper.png", "Left: held-out success while training. Right: success on the suite.")
    page.write(out, {"records": emit.records, "card": card})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=600_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--validation", type=int, default=100, help="held-out fresh pairs per checkpoint")
    p.add_argument("--limit", type=int, default=None, help="the first K pairs of the suite (default: all 1,000)")
    p.add_argument("--walker", type=int, default=50, help="pairs for the random walker (the published: 50)")
    p.add_argument("--max-steps", type=int, default=paper.MAX_STEPS, help="time steps per episode (the published: 500)")
    p.add_argument("--agent-dir", type=Path, help="a finished run folder to evaluate instead of training one")
    p.add_argument("--keep", type=Path, help="train into this folder (kept)")
    p.add_argument("--ship", action="store_true", help=f"copy the chosen checkpoint into {SHIP.relative_to(ROOT)}")
    p.add_argument("--quick", action="store_true", help="a smoke run: 2,048 steps, 4 pairs, 30 steps each")
    p.add_argument("--out-dir", type=Path, help="write ri-putrov-paper.{md,json,png} here")
    args = p.parse_args(argv)
    if args.agent_dir is not None and not (args.agent_dir / "agent.json").is_file():
        p.exit(2, f"ri_putrov_paper.py: error: {args.agent_dir} is not a trained agent folder\n")
    if args.quick:
        args.steps, args.validation, args.limit, args.walker, args.max_steps = 2048, 2, 4, 2, 30
    page = ResultsPage("ri-putrov-paper", "Kirby-Plumbing: Ri–Putrov's published protocol", __file__,
                       sys.argv[1:] if argv is None else argv)  # fmt: skip
    emit({"bench": "machine", **machine()})
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.agent_dir
        if folder is None:
            folder = args.keep or Path(tmp) / "agent"
            spec = paper.TrainSpec(steps=args.steps, seed=args.seed, checkpoint_every=1 if args.quick else 40)
            start = time.perf_counter()
            paper.train_agent(folder, spec)
            emit({"bench": "train", "steps": args.steps, "wall_s": rounded(time.perf_counter() - start)})
        best = measure(args, folder)["best"]
        if args.ship:
            ship(best, page.command)
        if args.out_dir is not None:
            write_page(page, args.out_dir, folder, best)
    return 0


def ship(best: Path, command: str) -> None:
    from rigorgym.agents.algos.saved import AgentCard, ship_agent

    main = next(r for r in emit.records if r.get("bench") == "protocol")
    card = AgentCard.read(best)
    metrics = {"solved_rate": main["success"], "median_steps": main["median_steps"], "steps_per_s": main["steps_per_s"],
               "train_solved_rate": card.metrics.get("solved_rate", 0.0), "SPS": card.metrics.get("SPS", 0.0)}  # fmt: skip
    notes = (f"benchmarks/ri_putrov_paper.py: checkpoint at {card.steps} env steps (best on held-out fresh pairs); the "
             f"published Ri-Putrov protocol on all {main['pairs']} pairs of {paper.SUITE}: {main['solved']} solved "
             f"({100 * main['success']:.1f}%), every certificate verified by the kernel")  # fmt: skip
    text = (f"- env: `{card.env_id}` (fresh pairs of the published generator, 128 slots per graph); `vec_ppo`, "
            f"policy `gnn` {card.policy_options} (size-agnostic: per-node heads)\n- trained: {card.steps:,} env steps, "
            f"seed {card.seed}, {card.wall_s / 60:.0f} min wall on one core\n- evaluation: {notes}; median "
            f"{main['median_steps']} steps\n- made by `{command}` (see docs/results/ri-putrov-paper.md)\n")  # fmt: skip
    target = ship_agent(best, SHIP, text, best / card.model_file, metrics, notes)
    emit({"shipped": str(target.relative_to(ROOT)), "success": main["success"]})


if __name__ == "__main__":
    raise SystemExit(main())
