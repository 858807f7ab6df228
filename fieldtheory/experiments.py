"""The NN-FT acceptance experiments, as functions: what ``benchmarks/fieldtheory_results.py`` runs and pages.

(1) :func:`g2_checks`: Monte-Carlo G₂ against the exact NNGP kernels (Erf/ReLU/Gauss-nets, width 100) and against
the cutoff propagator (cos-net, widths 4 and 100, d = 1, 2, 3); (2) :func:`g4_scan`: G₄ᶜ(x,x,x,x) of the cos-net
against the exact finite-width formula for N = 2 … 1000 and the weighted log-log slope of the MC values (the 1/N
law); (3) :func:`phi4_scan`: the φ⁴ shift of G₂ by HMC and by reweighting against first-order perturbation theory;
(4) :func:`optuna_scan`: optuna on NNFieldTheory-v0 recovering target masses; (5) :func:`symmetry_checks`.
Each takes ``scale`` (a factor on every sample count) and returns JSON-ready records; ``emit``, when given, sees
each record as it is made. :func:`run_all` runs the five, :func:`acceptance` states the acceptance lines and
:func:`results_figure` draws the six-panel figure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .correlators import accumulate, loglog_slope, pooled_coincident_cumulant
from .ensembles import CosNet, ErfNet, GaussNet, ReLUNet
from .env import NNFieldTheoryEnv
from .interactions import Phi4
from .inverse import recover
from .symmetry import invariance_zscores, parity, rotation, translation

Record = dict[str, Any]
Emit = Callable[[Record], None] | None

WIDTHS_4PT = (2, 5, 10, 20, 50, 100, 200, 500, 1000)
COUPLINGS_RW = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
COUPLINGS_HMC = (0.25, 0.5, 2.0, 8.0)
SMALL_COUPLING = 0.5  # λ up to here counts as small: second order is below the HMC error
OPTUNA_KNOBS = ((("sigma", "mass"), 300), (("sigma", "cutoff", "mass"), 400))


def _emit(emit: Emit, record: Record) -> None:
    if emit is not None:
        emit(record)


def g2_checks(scale: float = 1.0, emit: Emit = None, nets: Sequence[tuple[Any, int]] | None = None) -> list[Record]:
    """G₂ from 400,000·``scale`` networks of each ensemble at 5 points against the exact kernel (max |z| < 3.5).

    ``nets`` are (ensemble, d) pairs; the default is Erf/ReLU/Gauss-nets of width 100 and cos-nets of width 4 and
    100, each in d = 1, 2, 3.
    """
    rows = []
    if nets is None:
        nets = [(cls(d, 100, 1.0, 0.5), d) for cls in (ErfNet, ReLUNet, GaussNet) for d in (1, 2, 3)]
        nets += [(CosNet(d, n, 1.0, 5.0), d) for n in (4, 100) for d in (1, 2, 3)]
    for net, d in nets:
        x = np.random.default_rng(d).uniform(-1, 1, (5, d))
        m = int(400_000 * scale)
        est = accumulate(net.batches(x, m, seed=d), 5).two_point()
        z = est.zscore(net.kernel(x, x))
        iu = np.triu_indices(5)
        row = {
            "bench": "g2",
            "net": repr(net),
            "d": d,
            "width": net.width,
            "networks": m,
            "max_abs_z": float(np.abs(z[iu]).max()),
            "pass": bool(np.abs(z[iu]).max() < 3.5),
            "r": np.linalg.norm(x[0] - x, axis=1).tolist(),
            "mc": est.value[0].tolist(),
            "err": est.stderr[0].tolist(),
            "exact": net.kernel(x[:1], x)[0].tolist(),
        }
        _emit(emit, row)
        rows.append(row)
    return rows


def g4_scan(scale: float = 1.0, emit: Emit = None, widths: Sequence[int] = WIDTHS_4PT) -> Record:
    """G₄ᶜ(x,x,x,x) of the cos-net (d = 1, m = 0.5, Λ = 20) pooled over 4 far points, 10⁶·``scale`` networks per width.

    Against the exact finite-width formula, and the weighted log-log slope of the MC values in N (-1: the 1/N law).
    """
    far = np.array([0.0, 10.0, 20.0, 30.0])
    values, errors, exact = [], [], []
    for n in widths:
        net = CosNet(1, n, 0.5, 20.0)
        m = int(1_000_000 * scale)
        est = pooled_coincident_cumulant(net.batches(far, m, seed=n))
        ex = float(net.exact_connected_4pt([0.0], [0.0], [0.0], [0.0])[0])
        values.append(float(est.value))
        errors.append(float(est.stderr))
        exact.append(ex)
        _emit(
            emit,
            {
                "bench": "g4",
                "width": n,
                "networks": m,
                "mc": values[-1],
                "err": errors[-1],
                "exact": ex,
                "z": (values[-1] - ex) / errors[-1],
            },
        )
    slope, slope_err = loglog_slope(list(widths), values, errors)
    out = {
        "bench": "g4_slope",
        "net": "CosNet(d=1, mass=0.5, cutoff=20)",
        "widths": list(widths),
        "networks": int(1_000_000 * scale),
        "mc": values,
        "err": errors,
        "exact": exact,
        "slope": slope,
        "slope_err": slope_err,
        "max_abs_z": float(np.max(np.abs((np.array(values) - exact) / np.array(errors)))),
    }
    _emit(emit, {k: out[k] for k in ("bench", "slope", "slope_err", "max_abs_z")})
    return out


def phi4_scan(
    scale: float = 1.0,
    emit: Emit = None,
    couplings_rw: Sequence[float] = COUPLINGS_RW,
    couplings_hmc: Sequence[float] = COUPLINGS_HMC,
    hmc_chains: int = 1000,
) -> Record:
    """The φ⁴ shift of G₂(0, y), y ∈ {0, 0.5}, of the cos-net (width 100) against first-order perturbation theory.

    By reweighting (200,000·``scale`` networks) at ``couplings_rw`` and by HMC (``hmc_chains`` chains) at
    ``couplings_hmc``.
    """
    net = CosNet(1, 100, 1.0, 5.0)
    x = np.array([0.0, 0.5])
    rows = []
    for lam in sorted(set(couplings_rw) | set(couplings_hmc)):
        phi4 = Phi4(net, lam)
        first = phi4.first_order_shift(x, x)[0]
        first_n = phi4.first_order_shift(x, x, finite_width=True)[0]
        row = {
            "bench": "phi4",
            "coupling": lam,
            "first_order": first.tolist(),
            "first_order_finite_n": first_n.tolist(),
        }
        if lam in couplings_rw:
            rw = phi4.reweight(x, int(200_000 * scale), seed=1)
            row.update(rw_shift=rw.shift.value[0].tolist(), rw_err=rw.shift.stderr[0].tolist(), rw_ess=rw.ess)
        if lam in couplings_hmc:
            hmc = phi4.hmc(x, n_chains=hmc_chains, n_samples=max(5, int(100 * scale)), seed=2, n_warmup=15)
            row.update(
                hmc_shift=hmc.shift.value[0].tolist(),
                hmc_err=hmc.shift.stderr[0].tolist(),
                hmc_acceptance=hmc.acceptance,
                hmc_z_first_order=((hmc.shift.value[0] - first) / hmc.shift.stderr[0]).tolist(),
                hmc_z_first_order_finite_n=((hmc.shift.value[0] - first_n) / hmc.shift.stderr[0]).tolist(),
            )
        _emit(emit, row)
        rows.append(row)
    return {"net": repr(net), "box": 2.0, "points": x.tolist(), "rows": rows}


def optuna_scan(
    scale: float = 1.0, emit: Emit = None, knobs_trials: Sequence[tuple[tuple[str, ...], int]] = OPTUNA_KNOBS
) -> Record:
    """optuna (TPE) on NNFieldTheory-v0 recovering the target mass, max(2, 10·``scale``) targets per knob set."""
    out = {}
    for knobs, trials in knobs_trials:
        errors = []
        for seed in range(max(2, int(10 * scale))):
            rec = recover(NNFieldTheoryEnv(knobs=knobs), n_trials=trials, seed=seed)
            errors.append(
                {
                    "seed": seed,
                    "target_mass": rec.target["mass"],
                    "found_mass": rec.knobs["mass"],
                    "rel_error": rec.relative_error("mass"),
                    "distance": rec.distance,
                }
            )
        row = {
            "bench": "optuna",
            "knobs": list(knobs),
            "trials": trials,
            "runs": errors,
            "max_rel_error": max(e["rel_error"] for e in errors),
            "median_rel_error": float(np.median([e["rel_error"] for e in errors])),
        }
        _emit(emit, {k: row[k] for k in ("bench", "knobs", "max_rel_error", "median_rel_error")})
        out["+".join(knobs)] = row
    return out


def symmetry_checks(scale: float = 1.0, emit: Emit = None) -> list[Record]:
    """Invariance z-scores of G₂ and G₄ (200,000·``scale`` networks): translation and parity of a cos-net, SO(3) of a
    Gauss-net (invariant) and translation of the Gauss-net (G₂ invariant, G₄ not)."""
    m = int(200_000 * scale)
    cos, gauss = CosNet(2, 8, 1.0, 4.0), GaussNet(3, 10, 1.0, 0.3)
    xc, xg = np.random.default_rng(5).uniform(-1, 1, (4, 2)), np.random.default_rng(6).uniform(-0.5, 0.5, (4, 3))
    cases = [
        ("cos-net translation", cos, xc, translation([0.7, -0.3]), True),
        ("cos-net parity", cos, xc, parity(), True),
        ("Gauss-net SO(3)", gauss, xg, rotation(3, 1), True),
        ("Gauss-net translation", gauss, xg, translation([0.5, 0, 0]), None),
    ]
    rows = []
    for name, net, x, g, invariant in cases:
        for order in (2, 4):
            z = float(np.abs(invariance_zscores(net, x, g, m, seed=0, order=order)).max())
            expect = invariant if invariant is not None else order == 2
            row = {
                "bench": "symmetry",
                "check": name,
                "order": order,
                "max_abs_z": z,
                "invariant_expected": expect,
                "pass": (z < 3.5) == expect,
            }
            _emit(emit, row)
            rows.append(row)
    return rows


def run_all(scale: float = 1.0, emit: Emit = None, progress: Callable[[str], None] | None = None) -> Record:
    """The five experiments at ``scale``: ``{"g2": …, "g4": …, "phi4": …, "optuna": …, "symmetry": …}``."""
    steps = (
        ("g2", g2_checks),
        ("g4", g4_scan),
        ("phi4", phi4_scan),
        ("optuna", optuna_scan),
        ("symmetry", symmetry_checks),
    )
    res: Record = {}
    for i, (key, fn) in enumerate(steps):
        if progress is not None:
            progress(f"[{i + 1}/{len(steps)}] {key} …")
        res[key] = fn(scale, emit)
    return res


def acceptance(res: Record) -> list[tuple[str, str, bool]]:
    """The acceptance lines (target, measured, holds) of a :func:`run_all` result."""
    g2, g4, phi4, opt, sy = res["g2"], res["g4"], res["phi4"]["rows"], res["optuna"], res["symmetry"]
    small = [r for r in phi4 if "hmc_shift" in r and r["coupling"] <= SMALL_COUPLING]
    small_z = max(abs(z) for r in small for z in r["hmc_z_first_order"])
    arch = [r for r in g2 if not r["net"].startswith("CosNet")]
    cos = [r for r in g2 if r["net"].startswith("CosNet")]
    mass = opt["sigma+mass"]
    return [
        (
            "G₂ of Erf/ReLU/Gauss-nets (width 100, d = 1, 2, 3) vs exact NNGP within 3σ (pass: max |z| over the 15 "
            "point pairs of each ensemble < 3.5, the 3σ line with a look-elsewhere allowance)",
            f"max |z| = {max(r['max_abs_z'] for r in arch):.2f} over {len(arch)} ensembles × 15 pairs",
            all(r["pass"] for r in arch),
        ),
        (
            "G₂ of the cos-net vs cutoff propagator at N = 4 and 100, d = 1, 2, 3 (same criterion)",
            f"max |z| = {max(r['max_abs_z'] for r in cos):.2f}",
            all(r["pass"] for r in cos),
        ),
        (
            "G₄ᶜ vs exact finite-width formula within 3σ (N = 2 … 1000)",
            f"max |z| = {g4['max_abs_z']:.2f}",
            g4["max_abs_z"] < 3,
        ),
        (
            "log-log slope of MC G₄ᶜ in N is -1 ± 0.05",
            f"{g4['slope']:.4f} ± {g4['slope_err']:.4f}",
            abs(g4["slope"] + 1) < 0.05,
        ),
        (
            f"φ⁴: HMC shift of G₂(0, y), y ∈ {{0, 0.5}}, at λ ≤ {SMALL_COUPLING} vs first order (N = ∞) within 3σ",
            f"max |z| = {small_z:.2f}",
            small_z < 3,
        ),
        (
            f"optuna recovers the target mass within 5% (knobs σ, m; {len(mass['runs'])} targets)",
            f"max error {100 * mass['max_rel_error']:.2f}%",
            mass["max_rel_error"] < 0.05,
        ),
        (
            "symmetry checks (translation, parity of cos-net; SO(3) of Gauss-net)",
            f"{sum(r['pass'] for r in sy)}/{len(sy)} as expected",
            all(r["pass"] for r in sy),
        ),
    ]


def results_figure(res: Record) -> Any:
    """The six panels of the results page (a matplotlib figure): G₂, its z-scores, G₄ᶜ in N, φ⁴, optuna, symmetry."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(14, 8))
    ax = axes[0, 0]
    for row in res["g2"]:
        if row["d"] == 1 or row["net"].startswith("CosNet"):
            order = np.argsort(row["r"])
            r, mc, err, ex = (np.array(row[k])[order] for k in ("r", "mc", "err", "exact"))
            line = ax.plot(r, ex, "-", lw=1)[0]
            ax.errorbar(
                r,
                mc,
                err,
                fmt="o",
                ms=3,
                color=line.get_color(),
                label=row["net"].split("(")[0] + f" d={row['d']} N={row['width']}",
            )
    ax.set(xlabel="|x - x₀|", ylabel="G₂(x₀, x)", title="G₂: MC (dots) vs exact (lines)")
    ax.legend(fontsize=6, loc="upper right")
    ax = axes[0, 1]
    zs = [r["max_abs_z"] for r in res["g2"]]
    ax.bar(range(len(zs)), zs)
    ax.axhline(3, color="r", ls=":", label="3σ")
    ax.axhline(3.5, color="r", ls="--", label="pass threshold (max of 15)")
    ax.legend(fontsize=7)
    ax.set_xticks(
        range(len(zs)),
        [r["net"].split("(")[0][:5] + f"{r['d']}/{r['width']}" for r in res["g2"]],
        rotation=90,
        fontsize=6,
    )
    ax.set(ylabel="max |z| over 15 pairs", title="G₂ agreement")
    ax = axes[0, 2]
    g4 = res["g4"]
    ax.errorbar(g4["widths"], g4["mc"], g4["err"], fmt="o", label="MC")
    ax.plot(g4["widths"], g4["exact"], "--", label="exact finite-N formula")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="N",
        ylabel="G₄ᶜ(x,x,x,x)",
        title=f"slope {g4['slope']:.3f} ± {g4['slope_err']:.3f}",
    )
    ax.legend()
    ax = axes[1, 0]
    rows = res["phi4"]["rows"]
    lam = np.array([r["coupling"] for r in rows])
    ax.plot(lam, [-r["first_order"][0] for r in rows], "k-", label="first order (N=∞)")
    ax.plot(lam, [-r["first_order_finite_n"][0] for r in rows], "k:", label="first order (N=100)")
    rw = [r for r in rows if "rw_shift" in r]
    ax.errorbar(
        [r["coupling"] for r in rw],
        [-r["rw_shift"][0] for r in rw],
        [r["rw_err"][0] for r in rw],
        fmt="s",
        label="reweighting",
    )
    hm = [r for r in rows if "hmc_shift" in r]
    ax.errorbar(
        [r["coupling"] for r in hm],
        [-r["hmc_shift"][0] for r in hm],
        [r["hmc_err"][0] for r in hm],
        fmt="o",
        label="HMC",
    )
    ax.set(xscale="log", yscale="log", xlabel="λ", ylabel="-δG₂(0, 0)", title="φ⁴ shift of G₂(0,0)")
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    for key, row in res["optuna"].items():
        ax.scatter([e["target_mass"] for e in row["runs"]], [e["found_mass"] for e in row["runs"]], label=key, s=15)
    ax.plot([0.5, 2], [0.5, 2], "k--", lw=1)
    ax.set(xlabel="target mass", ylabel="recovered mass", title="optuna on NNFieldTheory-v0")
    ax.legend(fontsize=7)
    ax = axes[1, 2]
    sy = res["symmetry"]
    ax.bar(range(len(sy)), [r["max_abs_z"] for r in sy], color=["C0" if r["invariant_expected"] else "C3" for r in sy])
    ax.axhline(3.5, color="k", ls="--")
    ax.set_xticks(range(len(sy)), [f"{r['check']} G{r['order']}" for r in sy], rotation=90, fontsize=6)
    ax.set(yscale="log", ylabel="max |z|", title="symmetries (red: broken, expected)")
    fig.tight_layout()
    return fig
