"""Self-play scrambler vs the shipped UnKnot solver: freeze its hardest braids as ``unknot-adversarial``, then measure.

The protocol is ``rigorgym.agents.protocols.unknot.adversarial_protocol``:

1. Self-play: PPO (RLlib multi-agent, new API stack) trains the scrambler on
   ``scramble_solve_v0`` (``UnKnot-v0``, ``--scramble-moves`` turns from the
   trivial braid) for ``--minutes``: by default against the frozen shipped
   solver (``--opponent pretrained``, end-of-game rewards: how hard the game
   was for it); ``--opponent none`` trains both players, zero-sum.
2. Games: the trained scrambler and the uniformly random one (the control)
   each play ``--games`` games against the shipped solver (greedy, 200 turns),
   same seeds, ``stop`` masked so that every scramble is full length.
3. Export: each scrambler's ``--size`` hardest braids (lost games first, then
   the longest wins), every braid proved the unknot by the kernel; the learned
   scrambler's become the frozen suite ``unknot-adversarial`` in ``--suite-dir``.
4. Measure: the shipped solver in one greedy episode per instance (as in the
   games) and through the runner of ``rigorgym solve`` within ``--budget-s``
   (and each of ``--also-budget-s``) per instance, every certificate
   re-verified, on the suite, the control, ``unknot-random-L20`` and the
   ``unknot-random`` suite nearest the adversarial braids' mean length.

Prints JSON lines; writes ``unknot-adversarial.{md,json}`` into ``--out-dir``
through ``benchmarks/_report.py``. Usage::

    python benchmarks/unknot_adversarial.py --out-dir docs/results --suite-dir envs/suites/data   # ~15 minutes
    python benchmarks/unknot_adversarial.py --quick                                               # a smoke run
    python benchmarks/unknot_adversarial.py --from-json docs/results/unknot-adversarial.json --out-dir docs/results
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder  # noqa: E402
from _report import ResultsPage  # noqa: E402

STEM = "unknot-adversarial"
SUITE = "unknot-adversarial"
CONTROL = "random-scrambler control"


def _ci(r: dict[str, Any]) -> str:
    return f"[{r['ci95'][0]:.2f}, {r['ci95'][1]:.2f}]"


def _fracs(rows: dict[str, Any]) -> str:
    return ", ".join(f"{v['solved_fraction']:.2f} on `{k}`" for k, v in rows.items() if k.startswith("unknot-random-"))


def _lower(rows: dict[str, Any]) -> bool:
    """Whether the adversarial suite's 95% interval lies below every ``unknot-random`` suite's."""
    return all(rows[SUITE]["ci95"][1] < v["ci95"][0] for k, v in rows.items() if k.startswith("unknot-random-"))


def reading(report: dict[str, Any]) -> list[str]:
    """What the tables say, in words computed from the numbers (so a rerun cannot contradict its own page)."""
    from rigorgym.agents.protocols.unknot import wilson

    r, g, gr = report["results"], report["games"], report["greedy"]
    adv, ctrl = r[SUITE], r[CONTROL]
    learned_ci = wilson(g["learned"]["solver_lost"], g["learned"]["games"])
    random_ci = wilson(g["random"]["solver_lost"], g["random"]["games"])
    beat = learned_ci[0] > random_ci[1]
    out = [
        f"- Unselected, in the games themselves (greedy solver, one episode): the learned scrambler beat the solver "
        f"in {g['learned']['solver_lost']}/{g['learned']['games']} games (95% CI [{learned_ci[0]:.3f}, "
        f"{learned_ci[1]:.3f}]), the random scrambler in {g['random']['solver_lost']}/{g['random']['games']} "
        f"([{random_ci[0]:.3f}, {random_ci[1]:.3f}]): the learned scrambler "
        + ("is the stronger one." if beat else "is not measurably stronger than the random one."),
        f"- As the solver plays in the games (one greedy episode): {gr[SUITE]['solved_fraction']:.2f} on `{SUITE}` "
        f"against {_fracs(gr)}"
        + (" — measurably lower (95% intervals disjoint)" if _lower(gr) else " — not measurably lower")
        + (
            "; and unselected, over all the games, the learned scrambler is the stronger one (first line), so this is "
            "not only the selection of the hardest games."
            if _lower(gr) and beat
            else "."
        ),
        f"- With sampled restarts at {report['budget_s']} s per instance (`rigorgym solve`): solved fraction on "
        f"`{SUITE}` {'measurably lower' if _lower(r) else '**not measurably lower**'} than on `unknot-random` suites "
        f"of similar length — {adv['solved_fraction']:.2f} against {_fracs(r)} (95% intervals "
        + ("disjoint" if _lower(r) else "overlapping")
        + ").",
        f"- Selection effect: the random scrambler's hardest {ctrl['instances']} braids, chosen the same way, are "
        f"solved at {ctrl['solved_fraction']:.2f} against {adv['solved_fraction']:.2f} for the learned scrambler's: "
        + (
            "the solver's sampled restarts solve every braid of both, so no hardness survives this budget."
            if adv["solved_fraction"] == ctrl["solved_fraction"] == 1.0
            else "the learned scrambler's braids are the harder ones, beyond what picking the hardest games does."
            if adv["ci95"][1] < ctrl["ci95"][0]
            else "the difference is within the noise, so most of the hardness comes from picking the hardest "
            "games, not from what the scrambler learned."
            if adv["ci95"][0] <= ctrl["ci95"][1]
            else "the random scrambler's selection is the harder one; the learned scrambler did not help here."
        ),
    ]
    for budget, rows in list(report["results_by_budget"].items())[1:]:
        out.append(
            f"- At {budget} s per instance: {rows[SUITE]['solved_fraction']:.2f} on `{SUITE}`, "
            f"{rows[CONTROL]['solved_fraction']:.2f} on the control, {_fracs(rows)} ("
            + ("measurably lower" if _lower(rows) else "not measurably lower")
            + " than every `unknot-random` suite)."
        )
    out.append(
        f"- The braids differ in shape too (mean length {adv['mean_length']} vs {ctrl['mean_length']} letters, "
        f"mean strands {adv['mean_strands']} vs {ctrl['mean_strands']}); `unknot-random-L20` is 3-strand braids of "
        "length 20, the distribution the shipped solver was trained on."
    )
    if report.get("opponent", "none") == "none":
        out.append(
            "- Why a short self-play scrambler is weak here (a reading of the game's rules, not a measurement): the "
            "rewards are zero-sum over the solver's shaped reward, which pays the solver +0.1 per letter or strand it "
            "removes, so the scrambler is paid for *small* braids whenever the solver simplifies them; and a "
            "self-play solver that never wins in a few minutes gives the scrambler no win/loss signal "
            "(`--opponent pretrained`, the default, trains against the frozen shipped solver with end-of-game "
            "rewards instead)."
        )
    return out


def render(page: ResultsPage, report: dict[str, Any]) -> None:
    t, g = report["training"], report["games"]
    page.text(
        f"**Self-play.** `rigorgym.agents.rllib.selfplay.train_selfplay`: PPO on `scramble_solve_v0` (game "
        f"`UnKnot-v0`, {report['scramble_moves']} scrambler moves from the trivial braid, `stop` masked so that "
        "every scramble has all of them, 200 solver turns) through RLlib's multi-agent new API stack "
        f"(Ray {t['ray']}); "
        + (
            "two masked MLP policies (`scrambler`, `solver`), both learning, the game's zero-sum rewards; "
            if report.get("opponent", "none") == "none"
            else f"the masked MLP `scrambler` learns against the frozen shipped solver (`opponent="
            f"{report['opponent']}`: it plays the solver's turns greedily inside the game), rewarded at the end of "
            "each game by how hard the game was for the solver (1 for a loss, else the fraction of its 200 turns "
            "the win took); "
        )
        + f"{t['steps']:,} env steps in {t['wall_s']:.0f} s (limit {report['minutes']} min). At the end of "
        f"training the solver won {t['solved_rate']:.2f} of the last games, after scrambles of "
        f"{t['scramble_length']:.1f} moves on average."
    )
    page.table(
        ["scrambler", "games", "solver lost", "solver win rate", "mean scramble length"],
        [
            [
                name,
                row["games"],
                row["solver_lost"],
                f"{row['solver_win_rate']:.3f}",
                f"{row['mean_scramble_length']:.1f}",
            ]
            for name, row in (("learned (self-play)", g["learned"]), ("uniform random", g["random"]))
        ],
        caption=f"**Games against the shipped solver** (`{report['solver']}`, greedy, 200 turns): "
        f"{g['learned']['games']} games per scrambler (both with `stop` masked: full-length scrambles), the same seeds.",
    )
    page.text(
        f"**Suites.** Each scrambler's {report['size']} hardest braids (`export_suite`: lost games first, then the "
        "wins that took the most moves; trivial and repeated braids left out; every braid proved the unknot by the "
        f"kernel): the learned scrambler's are the frozen suite `{SUITE}` (hash `{report['suite']['hash']}`), the "
        "random scrambler's the control (instances in the JSON file, not shipped)."
    )
    page.table(
        ["suite", "solved", "solved fraction", "95% CI", "median moves", "mean length", "mean strands", "max strands"],
        [
            [
                name,
                f"{r['solved']}/{r['instances']}",
                f"{r['solved_fraction']:.2f}",
                _ci(r),
                r["median_moves"],
                r["mean_length"],
                r["mean_strands"],
                r["max_strands"],
            ]
            for name, r in report["results"].items()
        ],
        caption=f"**Solving.** The shipped solver through `run_agent` (as `rigorgym solve`: one greedy episode, then "
        f"sampled restarts), {report['budget_s']} s per instance, every certificate re-verified by the kernel.",
    )
    budgets = list(report["results_by_budget"])
    page.table(
        ["suite", *(f"{b} s" for b in budgets)],
        [
            [
                name,
                *(
                    f"{report['results_by_budget'][b][name]['solved']}/{report['results_by_budget'][b][name]['instances']}"
                    for b in budgets
                ),
            ]
            for name in report["results"]
        ],
        caption="Solved fraction by budget per instance (same runner, same seeds):",
    )
    page.table(
        ["suite", "solved", "solved fraction", "95% CI", "median moves"],
        [
            [name, f"{r['solved']}/{r['instances']}", f"{r['solved_fraction']:.2f}", _ci(r), r["median_moves"]]
            for name, r in report["greedy"].items()
        ],
        caption="As the solver plays in the games (one greedy episode of at most 200 moves per instance, no "
        "restarts; every certificate re-verified):",
    )
    page.heading("Reading")
    page.text("\n".join(reading(report)))


def upgrade(old: dict[str, Any]) -> dict[str, Any]:
    """A report of the script before the reporter (machine without the end load, a ``reading`` list) in today's form."""
    return {k: v for k, v in old.items() if k != "reading"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 s of self-play, 60 games, 8 instances, 0.3 s each")
    parser.add_argument("--minutes", type=float, default=4.0, help="self-play wall-clock limit (default 4)")
    parser.add_argument("--scramble-moves", type=int, default=20, help="scrambler turns per game (default 20)")
    parser.add_argument("--games", type=int, default=2000, help="games per scrambler vs the shipped solver")
    parser.add_argument("--size", type=int, default=60, help="braids per suite (default 60)")
    parser.add_argument("--budget-s", type=float, default=1.0, help="seconds per instance (default 1)")
    parser.add_argument(
        "--also-budget-s", type=float, nargs="*", default=[0.1], help="further budgets to measure (default 0.1)"
    )
    parser.add_argument(
        "--opponent",
        default="pretrained",
        help="the solver the scrambler trains against: 'pretrained' (the shipped solver, frozen, playing inside the "
        "game, with end-of-game rewards: how hard the game was for it) or 'none' (both players learn, the game's "
        "zero-sum rewards)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out-dir", help="where unknot-adversarial.{json,md} go (default: a temporary folder)")
    parser.add_argument("--suite-dir", help="where the suite and its index entry go (default: a temporary folder)")
    parser.add_argument("--from-json", type=Path, help="re-render the page from this raw report; measure nothing")
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.games, args.size, args.budget_s, args.also_budget_s = 20 / 60, 60, 8, 0.3, [0.05]
    out_dir = Path(args.out_dir or tempfile.mkdtemp(prefix="unknot-adversarial-"))
    page = ResultsPage(
        STEM, "A self-play scrambler against the shipped UnKnot solver (`unknot-adversarial`)", __file__, argv
    )
    if args.from_json:
        report = page.from_report(upgrade(json.loads(args.from_json.read_text())))
    else:
        import torch
        from rigorgym.agents.protocols.unknot import adversarial_protocol

        torch.set_num_threads(1)
        emit = Recorder()
        emit({"benchmark": "unknot_adversarial", "minutes": args.minutes, "games": args.games, "size": args.size})
        suite_dir = Path(args.suite_dir or tempfile.mkdtemp(prefix="unknot-adversarial-suite-"))
        work = Path(tempfile.mkdtemp(prefix="unknot-adversarial-run-"))
        report = adversarial_protocol(
            args.minutes,
            args.scramble_moves,
            args.games,
            args.size,
            [args.budget_s, *args.also_budget_s],
            args.opponent,
            args.seed,
            suite_dir,
            work,
            emit,
        )
    render(page, report)
    page.write(out_dir, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
