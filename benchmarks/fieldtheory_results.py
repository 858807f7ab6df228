"""Every NN-FT acceptance figure at full statistics: writes docs/results/fieldtheory.{json,png,md}.

The experiments are :mod:`rigorgym.fieldtheory.experiments`: (1) Monte-Carlo G₂ against the exact NNGP kernels
(Erf/ReLU/Gauss-nets, width 100) and against the cutoff propagator (cos-net, widths 4 and 100, d = 1, 2, 3);
(2) G₄ᶜ(x,x,x,x) of the cos-net against the exact finite-width formula for N = 2 … 1000 and the weighted log-log
slope of the MC values; (3) the φ⁴ shift of G₂ by HMC and by reweighting against first-order perturbation theory;
(4) optuna on NNFieldTheory-v0 recovering target masses; (5) symmetry checks. Prints one JSON line per measurement.

Usage::

    python benchmarks/fieldtheory_results.py              # several minutes on 2 cores
    python benchmarks/fieldtheory_results.py --scale 0.1  # a smoke run (do not commit its output)
    python benchmarks/fieldtheory_throughput.py > tp.jsonl
    python benchmarks/fieldtheory_results.py --from-json docs/results/fieldtheory.json --throughput tp.jsonl
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from _common import emit, machine, public_command
from _report import ResultsPage
from rich.console import Console
from rigorgym.fieldtheory import experiments as ex

console = Console(stderr=True)
TITLE = "NN-FT results (fieldtheory)"


def throughput_section(page: ResultsPage, records: list[dict[str, Any]]) -> None:
    """The throughput benchmark's JSON lines, as a short section of the page."""
    page.heading("Sampler throughput")
    page.text(
        "From `python benchmarks/fieldtheory_throughput.py` (raw lines in `throughput` in "
        "[fieldtheory.json](fieldtheory.json)); Erf-net, width 100, 6 points."
    )
    if not records:
        page.text("Not measured yet.")
        return
    rows, run, meta = [], 0, {}
    for rec in records:
        if rec["bench"] == "machine":
            run, meta = run + 1, rec
        elif rec["bench"] == "erfnet_sampler":
            meta["sampler"] = rec
        elif rec["bench"] == "erfnet_stream" and "sampler" in meta:
            smp = meta["sampler"]
            one, ratio_one = smp.get("batched_one_worker_net_points_per_s"), smp.get("ratio_one_worker")
            rows.append(
                [
                    run,
                    f"{meta['workers']} × 1",
                    str(meta["loadavg"]),
                    f"{smp['batched_net_points_per_s']:,.0f}" + (f" ({one:,.0f})" if one else ""),
                    round(smp["loop_net_points_per_s"]),
                    f"{smp['ratio']:.1f}x" + (f" ({ratio_one:.1f}x)" if ratio_one else ""),
                    "yes" if smp["meets_target"] else "no",
                    f"{rec['networks']:,} networks at {rec['net_points_per_s']:,.0f}/s: "
                    f"{rec['peak_rss_mb_before']:.0f} → {rec['peak_rss_mb_after']:.0f} MB",
                ]
            )
    columns = ["run", "workers × torch threads", "load average", "batched networks·points/s (one worker)",
               "per-network loop", "ratio (one worker)", "≥ 5,000,000", "10⁷-network stream: peak RSS before → after"]  # fmt: skip
    page.table(columns, rows)
    page.text(
        "Chunks are independent (each drawn from its own generator seeded from (seed, chunk index)), so "
        "`batches(..., workers=2)` draws two at a time in threads, one torch thread each, with the same values as one "
        "worker. Per network the sampler draws 301 normals and evaluates 600 erf; those two kernels are about 80% of "
        "the time. The 10⁷-network stream shows that memory stays bounded: the sampler works in chunks of about 10⁶ "
        "elements with at most 2 per worker in flight."
    )


def throughput_row(records: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """The acceptance row of the latest throughput run (none before one is measured)."""
    samplers = [r for r in records if r["bench"] == "erfnet_sampler"]
    if not samplers:
        return []
    last = samplers[-1]
    return [
        (
            f"batched Erf-net sampler (width 100, 6 points) ≥ {last['target']:,} networks·points/s, memory bounded "
            "at 10⁷ networks",
            f"{last['batched_net_points_per_s']:,.0f} ({last['ratio']:.1f}x the per-network loop)",
            bool(last["meets_target"]),
        )
    ]


def build_page(page: ResultsPage, res: dict[str, Any], rerendered: bool) -> ResultsPage:
    m = res["measured"]
    if rerendered:
        page.text(
            f"Re-rendered from [fieldtheory.json](fieldtheory.json) by the command above: nothing was re-measured. "
            f"Measured by `{m['command']}` on {m['date']} in {m['wall_s']:.0f} s, load average at start "
            f"{m['machine']['loadavg']}."
        )
    threads = res.get("threads", 1)
    page.text(
        f"torch {res['torch']}, {threads} torch thread{'s' if threads > 1 else ''}. Figure: [fieldtheory.png](fieldtheory.png)."
    )
    page.acceptance(ex.acceptance(res) + throughput_row(res.get("throughput", [])))
    throughput_section(page, res.get("throughput", []))
    g4, phi4 = res["g4"], res["phi4"]
    networks = g4.get("networks", "")
    page.heading("Connected four-point function against width")
    page.text(
        "Cos-net d = 1, m = 0.5, Λ = 20; G₄ᶜ(x,x,x,x) pooled over x = 0, 10, 20, 30 (translation invariance), "
        f"{f'{networks:,} ' if isinstance(networks, int) else networks}networks per width; the exact formula is "
        "exactly ∝ 1/N."
    )
    rows = [[n, f"{v:.5g} ± {e:.2g}", f"{x:.5g}", f"{(v - x) / e:+.2f}"]
            for n, v, e, x in zip(g4["widths"], g4["mc"], g4["err"], g4["exact"], strict=True)]  # fmt: skip
    page.table(["N", "MC", "exact", "z"], rows)
    page.heading("φ⁴ deformation")
    page.text(
        f"{phi4['net']}, box [-1, 1], δG₂(0, 0) (shift from λ = 0). First order: -(λ/2) G₀(0) ∫ G₀G₀ (N = ∞) and "
        "with the exact O(1/N) term from G₄ᶜ (N = 100). Reweighting uses the same networks for both means, so its "
        "error is small enough to show the second-order deviation; HMC runs 1000 chains with trajectories of length "
        "π/2, recording one draw per trajectory."
    )
    rows = []
    for r in phi4["rows"]:
        rw, hm = "rw_shift" in r, "hmc_shift" in r
        rows.append(
            [
                r["coupling"],
                f"{r['first_order'][0]:.5f}",
                f"{r['first_order_finite_n'][0]:.5f}",
                f"{r['rw_shift'][0]:.5f} ± {r['rw_err'][0]:.5f}" if rw else None,
                f"{r['hmc_shift'][0]:.4f} ± {r['hmc_err'][0]:.4f}" if hm else None,
                f"{r['hmc_z_first_order'][0]:+.2f}" if hm else None,
                f"{(r['hmc_shift'][0] - r['rw_shift'][0]) / np.hypot(r['hmc_err'][0], r['rw_err'][0]):+.2f}"
                if hm and rw
                else None,
                f"{100 * (r['rw_shift'][0] / r['first_order'][0] - 1):+.1f}%" if rw else None,
                f"{100 * (r['rw_shift'][0] / r['first_order_finite_n'][0] - 1):+.1f}%" if rw else None,
            ]
        )
    columns = ["λ", "first order (N=∞)", "first order (N=100)", "reweighting", "HMC", "HMC z vs first order (N=∞)",
               "HMC - reweighting (σ)", "reweighting vs first order (N=∞)", "reweighting vs first order (N=100)"]  # fmt: skip
    page.table(columns, rows)
    page.text(
        "At λ ≤ 0.25 the reweighted shift lies between the two first-order values (the O(1/N) term is about 11% at "
        "N = 100); the rest of the gap is what the first-order formulas leave out: O(λ²) and the O(1/N²) connected "
        "six-point term. The deviation from first order grows with λ (last two columns), while HMC and reweighting "
        "keep agreeing: the two samplers of the deformed density are consistent beyond perturbation theory."
    )
    page.heading("Optuna on NNFieldTheory-v0")
    page.text(
        "\n".join(
            f"- knobs {key} ({row['trials']} trials each): median mass error {100 * row['median_rel_error']:.2f}%, "
            f"max {100 * row['max_rel_error']:.2f}%."
            for key, row in res["optuna"].items()
        )
    )
    page.text(
        "With Λ free as well the σ-Λ-m valley is shallow and TPE's answer is less precise; with λ free too, mass and "
        "coupling are nearly degenerate on G₂ alone (not an acceptance line)."
    )
    page.figure(ex.results_figure(res), "fieldtheory.png", "G₂, G₄ᶜ against N, the φ⁴ shift, optuna and symmetries.")
    page.reproduce(
        "python benchmarks/fieldtheory_throughput.py > tp.jsonl",
        "python benchmarks/fieldtheory_results.py --throughput tp.jsonl",
    )
    return page


def load_throughput(lines: Path | None, out_dir: Path) -> list[dict[str, Any]]:
    """JSON lines saved from fieldtheory_throughput.py, else the ones a previous run kept in fieldtheory.json."""
    if lines is not None:
        return [json.loads(line) for line in lines.read_text().splitlines() if line.strip().startswith("{")]
    previous = out_dir / "fieldtheory.json"
    return list(json.loads(previous.read_text()).get("throughput", [])) if previous.exists() else []


def measured(res: dict[str, Any]) -> dict[str, Any]:
    """How the numbers of a saved report were measured (older reports kept these at the top level)."""
    if "measured" in res:
        return dict(res["measured"])
    scale = res.get("scale", 1.0)
    command = public_command("fieldtheory_results.py", [] if scale == 1.0 else ["--scale", str(scale)])
    return {"command": command, "date": res["date"], "wall_s": res["seconds"], "machine": res["machine"]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every sample count")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "results")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--from-json", type=Path, help="only redraw the figure and page from a previous run's JSON")
    parser.add_argument("--throughput", type=Path, help="JSON lines printed by fieldtheory_throughput.py to include")
    args = parser.parse_args(argv)
    page = ResultsPage("fieldtheory", TITLE, __file__, argv)
    if args.from_json:
        res = json.loads(args.from_json.read_text())
        res["measured"] = measured(res)
    else:
        torch.set_num_threads(args.threads)
        start, m0 = time.perf_counter(), machine()
        res = {
            "torch": torch.__version__,
            "scale": args.scale,
            "threads": args.threads,
            **ex.run_all(args.scale, emit, console.log),
        }
        res["measured"] = {
            "command": public_command(Path(__file__).name, argv),
            "date": datetime.date.today().isoformat(),
            "wall_s": round(time.perf_counter() - start, 1),
            "machine": m0,
        }
    res["throughput"] = load_throughput(args.throughput, args.out_dir)
    for key in ("command", "date", "wall_s", "seconds", "machine"):
        res.pop(key, None)  # the page's writer puts this command's own
    build_page(page, res, args.from_json is not None).write(args.out_dir, res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
