"""Self-play scrambler vs the shipped UnKnot solver: freeze its hardest braids as ``unknot-adversarial``, then measure.

1. Self-play: ``rigorgym.agents.rllib.selfplay.train_selfplay`` trains the
   scrambler by PPO (RLlib multi-agent, new API stack) on
   ``scramble_solve_v0`` (``UnKnot-v0``, ``--scramble-moves`` turns from the
   trivial braid) for ``--minutes``: by default against the frozen shipped
   solver playing inside the game (``--opponent pretrained``, rewarded at the
   end of each game by how hard it was for the solver); ``--opponent none``
   trains both players on the game's zero-sum rewards instead.
2. Games: the trained scrambler (sampling its policy) plays ``--games`` games
   against the shipped solver (``pretrained_for("UnKnot-v0")``, greedy, the
   game's 200 turns); so does the uniformly random scrambler (both with
   ``stop`` masked, so that every scramble is full length), with the same
   number of games and seeds (the control that separates what the scrambler
   learned from what selecting the hardest games does).
3. Export: each scrambler's ``--size`` hardest braids (lost games first, then
   the longest wins; ``export_suite``, every braid proved the unknot by the
   kernel); the learned scrambler's become the frozen suite
   ``unknot-adversarial`` in ``--suite-dir``.
4. Measure: the shipped solver as it plays in the games (one greedy episode
   per instance) and through ``run_agent`` (the runner of
   ``rigorgym solve``: one greedy episode, then sampled restarts, within
   ``--budget-s`` per instance (and again at each of ``--also-budget-s``),
   every certificate re-verified) on
   ``unknot-adversarial``, on the random-scrambler control, on
   ``unknot-random-L20`` and on the ``unknot-random`` suite whose length is
   nearest the adversarial braids' mean length.

Prints JSON lines; writes ``unknot-adversarial.{json,md}`` into ``--out-dir``.

Usage::

    python benchmarks/unknot_adversarial.py --out-dir docs/results --suite-dir envs/suites/data   # ~15 minutes
    python benchmarks/unknot_adversarial.py --quick                                               # a smoke run
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit, machine, public_command, rounded, write_report  # noqa: E402

ENV_ID = "UnKnot-v0"
SUITE = "unknot-adversarial"
RANDOM_SUITES = tuple(f"unknot-random-L{n}" for n in range(10, 101, 10))


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson interval of a solved fraction (honest at 0 and 1, unlike the normal one)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (rounded(max(0.0, centre - half)), rounded(min(1.0, centre + half)))


def shape(instances: list[dict[str, Any]]) -> dict[str, Any]:
    """Word lengths and strand counts of a list of braid instances."""
    lengths = [len(x["braid"]["word"]) for x in instances]
    strands = [int(x["braid"]["strands"]) for x in instances]
    return {
        "mean_length": rounded(statistics.fmean(lengths)),
        "max_length": max(lengths),
        "mean_strands": rounded(statistics.fmean(strands)),
        "max_strands": max(strands),
    }


def games_summary(games: list[Any]) -> dict[str, Any]:
    lost = sum(not g.solved for g in games)
    return {
        "games": len(games),
        "solver_lost": lost,
        "solver_win_rate": rounded(1 - lost / max(1, len(games))),
        "mean_scramble_length": rounded(statistics.fmean(g.scramble_length for g in games)),
    }


def play_games(scrambler: Any, solver: Any, games: int, scramble_moves: int, seed: int) -> list[Any]:
    from rigorgym.envs.multiagent import play, scramble_solve_v0

    env = scramble_solve_v0.env(game=ENV_ID, scramble_moves=scramble_moves)
    try:
        return play(env, scrambler, solver, episodes=games, seed=seed)
    finally:
        env.close()


def evaluate(agent: str, instances: list[dict[str, Any]], budget_s: float) -> dict[str, Any]:
    """The shipped solver on ``instances`` through ``run_agent``; certificates re-verified once more here."""
    from rigorgym.agents.runner import run_agent
    from rigorgym.envs.games import GAMES
    from rigorgym.verifiers import verify

    game = next(g for g in GAMES if g.env == ENV_ID)
    start = time.perf_counter()
    outcomes = list(run_agent(ENV_ID, [game.read_instance(x) for x in instances], agent, budget_s, seed=0))
    certificates = [o.certificate for o in outcomes if o.certificate is not None]
    moves = [len(c["moves"]) for c in certificates if verify(c).valid]
    return {
        **solved_summary(len(instances), moves),
        "seconds": rounded(time.perf_counter() - start),
        **shape(instances),
    }


def greedy_episodes(agent: str, instances: list[dict[str, Any]]) -> dict[str, Any]:
    """The solver as it plays in the games: one greedy episode of the game's 200 moves per instance, no restarts."""
    import gymnasium as gym
    import numpy as np
    from rigorgym.agents.learned import load_policy
    from rigorgym.envs.games import GAMES
    from rigorgym.verifiers import verify

    game = next(g for g in GAMES if g.env == ENV_ID)
    policy = load_policy(agent)
    env = gym.make(ENV_ID)
    rng = np.random.default_rng(0)
    moves: list[int] = []
    for x in instances:
        obs, info = env.reset(seed=0, options={"instance": game.read_instance(x)})
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(policy.act(obs, info["action_mask"], True, rng))
            done = terminated or truncated
        if "certificate" in info and verify(info["certificate"]).valid:
            moves.append(len(info["certificate"]["moves"]))
    env.close()
    return solved_summary(len(instances), moves)


def solved_summary(instances: int, moves: list[int]) -> dict[str, Any]:
    """Solved count and fraction with its 95% interval, from the move counts of the verified certificates."""
    return {
        "instances": instances,
        "solved": len(moves),
        "solved_fraction": rounded(len(moves) / max(1, instances)),
        "ci95": wilson(len(moves), instances),
        "median_moves": statistics.median(moves) if moves else None,
    }


def read_suite_file(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def nearest_random_suite(mean_length: float) -> str:
    return min(RANDOM_SUITES, key=lambda s: abs(int(s.rsplit("L", 1)[1]) - mean_length))


def markdown(report: dict[str, Any]) -> str:
    m, t, g = report["machine"], report["training"], report["games"]
    lines = [
        "# A self-play scrambler against the shipped UnKnot solver (`unknot-adversarial`)",
        "",
        f"Measured {report['date']} by `{report['command']}` on {m['cpu']} ({m['cpu_count']} cores, load average "
        f"at start {m['loadavg']}).",
        "",
        f"**Self-play.** `rigorgym.agents.rllib.selfplay.train_selfplay`: PPO on `scramble_solve_v0` (game "
        f"`{ENV_ID}`, {report['scramble_moves']} scrambler moves from the trivial braid, `stop` masked so that every "
        "scramble has all of them, 200 solver turns) through RLlib's multi-agent new API stack "
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
        f"{t['scramble_length']:.1f} moves on average.",
        "",
        f"**Games against the shipped solver** (`{report['solver']}`, greedy, 200 turns): {g['learned']['games']} "
        f"games per scrambler (both with `stop` masked: full-length scrambles), the same seeds.",
        "",
        "| scrambler | games | solver lost | solver win rate | mean scramble length |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in (("learned (self-play)", g["learned"]), ("uniform random", g["random"])):
        lines.append(
            f"| {name} | {row['games']} | {row['solver_lost']} | {row['solver_win_rate']:.3f} | "
            f"{row['mean_scramble_length']:.1f} |"
        )
    lines += [
        "",
        f"**Suites.** Each scrambler's {report['size']} hardest braids (`export_suite`: lost games first, then the "
        "wins that took the most moves; trivial and repeated braids left out; every braid proved the unknot by the "
        f"kernel): the learned scrambler's are the frozen suite `{SUITE}` (hash `{report['suite']['hash']}`), the "
        "random scrambler's the control (instances in the JSON file, not shipped).",
        "",
        f"**Solving.** The shipped solver through `run_agent` (as `rigorgym solve`: one greedy episode, then sampled "
        f"restarts), {report['budget_s']} s per instance, every certificate re-verified by the kernel.",
        "",
        "| suite | solved | solved fraction | 95% CI | median moves | mean length | mean strands | max strands |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for name, r in report["results"].items():
        lines.append(
            f"| {name} | {r['solved']}/{r['instances']} | {r['solved_fraction']:.2f} | "
            f"[{r['ci95'][0]:.2f}, {r['ci95'][1]:.2f}] | {r['median_moves'] if r['median_moves'] is not None else '–'} "
            f"| {r['mean_length']} | {r['mean_strands']} | {r['max_strands']} |"
        )
    budgets = list(report["results_by_budget"])
    lines += [
        "",
        "Solved fraction by budget per instance (same runner, same seeds):",
        "",
        "| suite | " + " | ".join(f"{b} s" for b in budgets) + " |",
        "|---|" + "---:|" * len(budgets),
    ]
    for name in report["results"]:
        cells = [report["results_by_budget"][b][name] for b in budgets]
        lines.append(f"| {name} | " + " | ".join(f"{c['solved']}/{c['instances']}" for c in cells) + " |")
    if report.get("greedy"):
        lines += [
            "",
            "As the solver plays in the games (one greedy episode of at most 200 moves per instance, no restarts; "
            "every certificate re-verified):",
            "",
            "| suite | solved | solved fraction | 95% CI | median moves |",
            "|---|---:|---:|---|---:|",
        ]
        for name, r in report["greedy"].items():
            lines.append(
                f"| {name} | {r['solved']}/{r['instances']} | {r['solved_fraction']:.2f} | "
                f"[{r['ci95'][0]:.2f}, {r['ci95'][1]:.2f}] | {r['median_moves'] if r['median_moves'] is not None else '–'} |"
            )
    lines += [
        "",
        "## Reading",
        "",
        *report["reading"],
        *(
            [
                "- Why a short self-play scrambler is weak here (a reading of the game's rules, not a measurement): "
                "the rewards are zero-sum over the solver's shaped reward, which pays the solver +0.1 per letter or "
                "strand it removes, so the scrambler is paid for *small* braids whenever the solver simplifies them; "
                "and a self-play solver that never wins in a few minutes gives the scrambler no win/loss signal "
                "(`--opponent pretrained`, the default, trains against the frozen shipped solver with end-of-game "
                "rewards instead)."
            ]
            if report.get("opponent", "none") == "none"
            else []
        ),
        "",
    ]
    return "\n".join(lines)


def reading(report: dict[str, Any]) -> list[str]:
    """What the table says, in words computed from the numbers (so a rerun cannot contradict its own page)."""
    r, g = report["results"], report["games"]
    adv, ctrl = r[SUITE], r["random-scrambler control"]
    learned_ci = wilson(g["learned"]["solver_lost"], g["learned"]["games"])
    random_ci = wilson(g["random"]["solver_lost"], g["random"]["games"])
    beat = learned_ci[0] > random_ci[1]
    games_line = (
        f"- Unselected, in the games themselves (greedy solver, one episode): the learned scrambler beat the solver "
        f"in {g['learned']['solver_lost']}/{g['learned']['games']} games (95% CI [{learned_ci[0]:.3f}, "
        f"{learned_ci[1]:.3f}]), the random scrambler in {g['random']['solver_lost']}/{g['random']['games']} "
        f"([{random_ci[0]:.3f}, {random_ci[1]:.3f}]): the learned scrambler "
        + ("is the stronger one." if beat else "is not measurably stronger than the random one.")
    )
    randoms = {k: v for k, v in r.items() if k.startswith("unknot-random-")}
    lower = all(adv["ci95"][1] < v["ci95"][0] for v in randoms.values())
    both_solved = adv["solved_fraction"] == ctrl["solved_fraction"] == 1.0
    greedy_lines = []
    if report.get("greedy"):
        gr = report["greedy"]
        g_randoms = {k: v for k, v in gr.items() if k.startswith("unknot-random-")}
        g_lower = all(gr[SUITE]["ci95"][1] < v["ci95"][0] for v in g_randoms.values())
        greedy_lines.append(
            f"- As the solver plays in the games (one greedy episode): {gr[SUITE]['solved_fraction']:.2f} on "
            f"`{SUITE}` against "
            + ", ".join(f"{v['solved_fraction']:.2f} on `{k}`" for k, v in g_randoms.items())
            + (" — measurably lower (95% intervals disjoint)" if g_lower else " — not measurably lower")
            + (
                "; and unselected, over all the games, the learned scrambler is the stronger one (first line), so "
                "this is not only the selection of the hardest games."
                if g_lower and beat
                else "."
            )
        )
    out = [
        games_line,
        *greedy_lines,
        f"- With sampled restarts at {report['budget_s']} s per instance (`rigorgym solve`): solved fraction on "
        f"`{SUITE}` {'measurably lower' if lower else '**not measurably lower**'} than on `unknot-random` suites of "
        f"similar length — {adv['solved_fraction']:.2f} against "
        + ", ".join(f"{v['solved_fraction']:.2f} on `{k}`" for k, v in randoms.items())
        + " (95% intervals "
        + ("disjoint" if lower else "overlapping")
        + ").",
        f"- Selection effect: the random scrambler's hardest {ctrl['instances']} braids, chosen the same way, are "
        f"solved at {ctrl['solved_fraction']:.2f} against {adv['solved_fraction']:.2f} for the learned "
        "scrambler's: "
        + (
            "the solver's sampled restarts solve every braid of both, so no hardness survives this budget."
            if both_solved
            else "the learned scrambler's braids are the harder ones, beyond what picking the hardest games does."
            if adv["ci95"][1] < ctrl["ci95"][0]
            else "the difference is within the noise, so most of the hardness comes from picking the hardest "
            "games, not from what the scrambler learned."
            if adv["ci95"][0] <= ctrl["ci95"][1]
            else "the random scrambler's selection is the harder one; the learned scrambler did not help here."
        ),
        *(
            f"- At {budget} s per instance: {rows[SUITE]['solved_fraction']:.2f} on `{SUITE}`, "
            f"{rows['random-scrambler control']['solved_fraction']:.2f} on the control, "
            + ", ".join(
                f"{v['solved_fraction']:.2f} on `{k}`" for k, v in rows.items() if k.startswith("unknot-random-")
            )
            + (
                " (measurably lower than every `unknot-random` suite)."
                if all(rows[SUITE]["ci95"][1] < v["ci95"][0] for k, v in rows.items() if k.startswith("unknot-random-"))
                else " (not measurably lower than every `unknot-random` suite)."
            )
            for budget, rows in list(report["results_by_budget"].items())[1:]
        ),
        f"- The braids differ in shape too (mean length {adv['mean_length']} vs {ctrl['mean_length']} letters, "
        f"mean strands {adv['mean_strands']} vs {ctrl['mean_strands']}); `unknot-random-L20` is 3-strand braids of "
        "length 20, the distribution the shipped solver was trained on.",
    ]
    return out


def main(argv: list[str] | None = None) -> int:
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
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.games, args.size, args.budget_s, args.also_budget_s = 20 / 60, 60, 8, 0.3, [0.05]

    import ray
    import torch
    from rigorgym.agents.learned import load_policy, pretrained_for
    from rigorgym.agents.rllib.selfplay import game_policy, load_player, train_selfplay, without_stop
    from rigorgym.envs.multiagent import export_suite, random_policy
    from rigorgym.envs.suites import load_suite

    torch.set_num_threads(1)
    info = machine()
    out_dir = Path(args.out_dir or tempfile.mkdtemp(prefix="unknot-adversarial-"))
    suite_dir = Path(args.suite_dir or tempfile.mkdtemp(prefix="unknot-adversarial-suite-"))
    work = Path(tempfile.mkdtemp(prefix="unknot-adversarial-run-"))
    emit({"benchmark": "unknot_adversarial", "minutes": args.minutes, "games": args.games, "size": args.size})

    folder = train_selfplay(
        ENV_ID, 10**9, args.seed, work / "selfplay", scramble_moves=args.scramble_moves,
        time_budget_s=60 * args.minutes, hidden=(128, 128), full_scramble=True, progress=False,
        opponent=None if args.opponent == "none" else args.opponent, outcome_reward=args.opponent != "none",
    )  # fmt: skip
    summary = json.loads((folder / "selfplay.json").read_text())
    training = {
        "steps": summary["steps"],
        "wall_s": rounded(summary["wall_s"]),
        "solved_rate": summary["metrics"].get("charts/solved_rate", 0.0),
        "scramble_length": summary["metrics"].get("charts/scramble_length", 0.0),
        "ray": ray.__version__,
    }
    emit({"trained": "selfplay", **training})

    solver_dir = pretrained_for(ENV_ID)
    solver = game_policy(load_policy(solver_dir), deterministic=True)
    scramblers = {
        "learned": without_stop(game_policy(load_player(folder / "scrambler"), deterministic=False, seed=args.seed)),
        "random": without_stop(random_policy(args.seed)),
    }
    games = {}
    for name, scrambler in scramblers.items():
        played, seconds = time.perf_counter(), 0.0
        games[name] = play_games(scrambler, solver, args.games, args.scramble_moves, seed=10_000 * args.seed)
        seconds = time.perf_counter() - played
        emit({"scrambler": name, **games_summary(games[name]), "seconds": rounded(seconds)})

    description = (
        f"{{n}} hardest braids of {args.games} scramble_solve_v0 games ({args.scramble_moves} scrambler turns from "
        "the trivial braid) of a PPO self-play scrambler (benchmarks/unknot_adversarial.py) against the shipped "
        "UnKnot solver, lost games first, then the longest wins; each closure proved the unknot by the kernel"
    )
    entry = export_suite(
        games["learned"], suite_dir, SUITE, size=args.size,
        description=description.replace("{n}", str(min(args.size, len(games["learned"])))),
        scramble_moves=args.scramble_moves, selfplay_steps=training["steps"], seed=args.seed,
    )  # fmt: skip
    emit({"exported": SUITE, "size": entry["size"], "hash": entry["hash"], "dir": str(suite_dir)})
    control = "random-scrambler-control"
    export_suite(games["random"], work / "control", control, size=args.size)
    suites = {
        SUITE: read_suite_file(suite_dir / f"{SUITE}.jsonl"),
        "random-scrambler control": read_suite_file(work / "control" / f"{control}.jsonl"),
    }
    matched = nearest_random_suite(shape(suites[SUITE])["mean_length"])
    for name in dict.fromkeys(["unknot-random-L20", matched]):
        suites[name] = load_suite(name).instances

    by_budget: dict[str, dict[str, Any]] = {}
    for budget in [args.budget_s, *args.also_budget_s]:
        rows = by_budget.setdefault(f"{budget:g}", {})
        for name, instances in suites.items():
            rows[name] = evaluate(str(solver_dir), instances, budget)
            emit({"suite": name, "budget_s": budget, **rows[name]})
    results = by_budget[f"{args.budget_s:g}"]
    greedy = {name: greedy_episodes(str(solver_dir), instances) for name, instances in suites.items()}
    for name, row in greedy.items():
        emit({"suite": name, "protocol": "one greedy episode", **row})

    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "command": public_command("unknot_adversarial.py", argv if argv is not None else sys.argv[1:]),
        "machine": info,
        "minutes": args.minutes,
        "scramble_moves": args.scramble_moves,
        "opponent": args.opponent,
        "size": args.size,
        "budget_s": args.budget_s,
        "solver": solver_dir.name,
        "training": training,
        "games": {name: games_summary(g) for name, g in games.items()},
        "suite": {"name": SUITE, **{k: v for k, v in entry.items() if k != "description"}},
        "results": results,
        "results_by_budget": by_budget,
        "greedy": greedy,
        "control_instances": suites["random-scrambler control"],
    }
    report["reading"] = reading(report)
    write_report(out_dir, "unknot-adversarial", report, markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
