"""Rerun the scripts behind every results page in docs/results, one after another (``make results``).

Each page names the command that produced it; this is the list of those
commands, so that one call re-measures the whole of docs/results. The order
puts the short, wall-clock-sensitive pages first and the hour-long training
runs last. Between two pages the runner waits while the file given by
``--hold`` exists: a way to keep the machine quiet for something else (a
timing of the test suite) without interrupting a page half-way, since every
page records the load average at its start and end.

Usage::

    python benchmarks/rerun_pages.py --list
    python benchmarks/rerun_pages.py                      # every page, ~8-9 h on 2 cores (the zoo: ~4.5 h)
    python benchmarks/rerun_pages.py --only fieldtheory,metricflow
    python benchmarks/rerun_pages.py --from unknot-zoo --hold /tmp/hold
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = "docs/results"

# page -> the commands that write it, in order ("> FILE": the script's stdout is kept there for the next command)
PAGES: dict[str, list[str]] = {
    "metricflow.throughput": ["benchmarks/metricflow_throughput.py"],
    "plumbing-throughput": ["benchmarks/plumbing_throughput.py"],
    "plumbing-normal-form": ["benchmarks/plumbing_normal_form.py"],
    "unknot-throughput": ["benchmarks/unknot_throughput.py --with-load --out-dir docs/results"],
    "training-throughput": ["benchmarks/training_throughput.py --with-load --out-dir docs/results"],
    "fieldtheory": [
        "benchmarks/fieldtheory_throughput.py > build/fieldtheory-throughput.jsonl",
        "benchmarks/fieldtheory_results.py --throughput build/fieldtheory-throughput.jsonl",
    ],
    "metricflow": ["benchmarks/metricflow_results.py"],
    "unknot-baselines": ["benchmarks/unknot_baselines.py --per-suite 20 --budget-s 2 --random-budget-s 2 --seed 0"],
    "unknot-guided": [
        "benchmarks/unknot_guided.py --suites unknot-words-n3-L20,unknot-words-n3-L40,unknot-words-n3-L60,"
        "unknot-words-n5-L20,unknot-words-n5-L40,unknot-words-n7-L40,unknot-words-L96,unknot-hard --per-suite 100 "
        "--hard-sample 50 --budget-s 2 --agents guided,guided-hand,greedy --seed 0 --no-hard-units"
    ],
    "rllib-scaling": ["benchmarks/rllib_scaling.py --out docs/results"],
    "ray-solve": ["benchmarks/ray_solve.py --out-dir docs/results"],
    "leaderboard-load": ["benchmarks/leaderboard_load.py --n 200 --out-dir docs/results"],
    "plumbing-classifier": [
        "benchmarks/plumbing_classifier.py --train-pairs 12000 --val-pairs 1500 --test-pairs 4000 --train-seconds 300 "
        "--epochs 60 --conv gin --depth 5 --width 64 --augment-moves 6 --search-pairs 50 --search-moves 40 "
        "--search-seconds 2.5 --seed 0"
    ],
    "ribbon-solvers": [
        "benchmarks/slice_obstructions.py > build/obstructions.jsonl",
        "benchmarks/ribbon_solvers.py --suite ribbon-knotinfo-13 --agents best-first,bo-walker --budget-s 60 --jobs 2 "
        "--out-dir docs/results --obstructions build/obstructions.jsonl",
    ],
    # KnotInfo's non-slice knots up to 13 crossings and its slice knots, 2 workers (about 7 min on 2 cores)
    "slice": [
        "benchmarks/slice_obstructions.py --suites notslice-knotinfo-12,notslice-knotinfo-13,ribbon-knotinfo-13 "
        "--workers 2 --out-dir docs/results"
    ],
    "ribbon": [
        "benchmarks/ribbon_results.py --agent best-first --budget-s 60 --workers 2 "
        "--suites ribbon-knotinfo-12,ribbon-knotinfo-13,ribbon-doubles-30,notslice-knotinfo-12 --out-dir docs/results"
    ],
    # ribbon-pd on the KnotInfo and generated ribbon suites, then the replay rate (about 15 min on 2 cores)
    "ribbon-pd": [
        "benchmarks/ribbon_pd.py --workers 2 --suites ribbon-knotinfo-12,ribbon-knotinfo-13,ribbon-gen-20,"
        "ribbon-gen-30,ribbon-gen-50,ribbon-gen-70 --out-dir docs/results"
    ],
    # Ribbon-PD vs the spherogram-based env on the same knots, and band-move verification (about 2 min)
    "ribbon-throughput": ["benchmarks/ribbon_throughput.py --seconds 10 --out-dir docs/results"],
    "ribbon-rl": ["benchmarks/ribbon_rl_vs_bo.py --train-steps 20000 --sample 100 --budget-s 5 --out-dir docs/results"],
    "rllib-unknot": ["benchmarks/rllib_unknot.py --out-dir docs/results"],
    "unknot-adversarial": ["benchmarks/unknot_adversarial.py --out-dir docs/results --suite-dir envs/suites/data"],
    "unknot-zoo": [  # 93 min on 2 cores (2026-12-07); the trained agents stay in runs/unknot-zoo (--skip-training)
        "benchmarks/unknot_zoo.py --steps ppo=10000000,a2c=10000000,trpo=1000000,dqn=200000,maskable_ppo=100000 "
        "--policy mlp --per-suite 100 --max-moves 400 --seed 1 --agents-dir runs/unknot-zoo --out-dir docs/results"
    ],
    "ri-putrov": ["benchmarks/ri_putrov.py --dqn-steps 10000 --ppo-steps 10000"],
    "ri-putrov-paper": ["benchmarks/ri_putrov.py --protocol paper --ship --out-dir docs/results"],
    # about 25 min on 2 cores; writes agents/data/pretrained/unknot-value-expert (rerun unknot-learned-search after)
    "unknot-expert-iteration": ["benchmarks/unknot_expert_iteration.py --out-dir docs/results"],
    # about 20 min on 2 cores; trains and writes the three macro-policy folders in agents/data/pretrained/
    "unknot-macro-policy": ["benchmarks/unknot_macro_policy.py --train all --out-dir docs/results"],
    "unknot-learned-search": [
        "benchmarks/unknot_learned_search.py --agent agents/data/pretrained/unknot-ppo-mlp "
        "--value agents/data/pretrained/unknot-value-expert --macro agents/data/pretrained/unknot-value-expert "
        "--out-dir docs/results"
    ],
    "unknot-imitation": ["benchmarks/unknot_imitation.py --steps 240000 --rounds 6 --out-dir docs/results"],
    "unknot-imitation-words": [
        "benchmarks/unknot_imitation.py --generator words --teacher plan-table-derotated --threads 1 --steps 80000 "
        "--rounds 1 --width 64 --depth 8 --kernel 5 --per-suite 100 --out-dir docs/results"
    ],
    "unknot-diagram": ["benchmarks/unknot_diagram.py --workers 2 --out-dir docs/results"],
    "unknot-diagram-throughput": ["benchmarks/unknot_diagram_throughput.py --seconds 10 --out-dir docs/results"],
    # creates ~/.cache/rigorgym/ac_solver-venv (pip install ac_solver==0.1.0) on first use
    "andrews-curtis-throughput": ["benchmarks/andrews_curtis_throughput.py --seconds 10 --out-dir docs/results"],
    # about 20 min on 2 cores
    "andrews-curtis": [
        "benchmarks/andrews_curtis.py --workers 2 --max-steps 200000 --budget-s 60 --agents ac-greedy,ac-bfs,ac-search "
        "--out-dir docs/results"
    ],
    # about 45 min on 2 cores; ships unknot-diagram-ppo-mlp when it beats the walker; the JSON has no spaces (the
    # commands are split on spaces)
    "unknot-diagram-zoo": [
        "benchmarks/unknot_diagram_zoo.py --steps ppo=6000000,a2c=3000000 --num-envs 64 --episode-steps 100 "
        '--options {"ppo":{"ent_coef":0.001},"a2c":{"hidden":[64,64],"ent_coef":0.001}} --per-suite 200 '
        "--search-s 20 --seed 1 --threads 1 --agents-dir runs/diagram-zoo --ship --out-dir docs/results"
    ],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the pages and their commands, run nothing")
    parser.add_argument("--only", help="comma-separated pages to rerun, in this order (default: all)")
    parser.add_argument("--from", dest="start", help="start at this page (in the order of --list)")
    parser.add_argument("--hold", type=Path, help="between pages, wait while this file exists")
    parser.add_argument("--log", type=Path, default=ROOT / "build" / "rerun-pages.log", help="each command's output")
    args = parser.parse_args(argv)
    names = list(PAGES)
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in PAGES]
        if unknown:
            parser.error(f"unknown page(s) {', '.join(unknown)}; --list shows them")
        names = list(dict.fromkeys(wanted))  # in the order given
    if args.start:
        if args.start not in PAGES:
            parser.error(f"unknown page {args.start!r}; --list shows them")
        names = names[names.index(args.start) :]
    if args.list:
        for name in names:
            for command in PAGES[name]:
                print(f"{name}: python {command}")
        return 0
    args.log.parent.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in names:
        while args.hold is not None and args.hold.exists():
            time.sleep(5)
        start = time.perf_counter()
        code = 0
        for command in PAGES[name]:
            with args.log.open("a") as log:
                log.write(f"\n### {name}: python {command}\n")
                log.flush()
                words, _, target = command.partition(" > ")  # a script that prints its JSON lines: keep them
                with (ROOT / target).open("w") if target else log as stdout:
                    code = subprocess.call([sys.executable, *words.split()], cwd=ROOT, stdout=stdout, stderr=log)
            if code:
                break
        failed += code != 0
        print(json.dumps({"page": name, "exit": code, "seconds": round(time.perf_counter() - start, 1)}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
