"""Draw the two Ribbon-v0 figures: a band move on 6_1, and a ribbon disk for 8_20 found by ``best-first``.

Every diagram is computed by the trusted kernel (``rigorgym.verifiers.diagram``):
``apply_band`` and ``simplify`` for the band move, ``apply_move`` for the replay
of the certificate, so the pictures show exactly what a certificate means.
Diagrams are drawn with the env's ``rgb_array`` renderer
(``rigorgym.envs.ribbon.render.diagram_image``): the crossing graph in
networkx's planar layout, a node per crossing (red right-handed, blue
left-handed), an arrow per arc, a green circle per crossingless unknot.

Run from the repository root (writes docs/figures/ribbon-band.png and
docs/figures/ribbon-disk.png):

    python docs/figures/ribbon_figures.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from rigorgym.agents.registry import make_agent  # noqa: E402
from rigorgym.envs.ribbon import KnotInstance, candidate_bands  # noqa: E402
from rigorgym.envs.ribbon.render import diagram_image  # noqa: E402
from rigorgym.verifiers import verify  # noqa: E402
from rigorgym.verifiers.diagram import Diagram, IllegalMove, apply_band, apply_move, simplify  # noqa: E402

HERE = Path(__file__).resolve().parent
PANEL = 360  # pixels per panel


def counts(d: Diagram) -> str:
    return f"{d.crossings} crossings, {d.components} component{'s' if d.components != 1 else ''}"


def panels(states: list[tuple[Diagram, str]], suptitle: str, out: Path) -> None:
    fig, axes = plt.subplots(1, len(states), figsize=(3.4 * len(states), 3.9), dpi=100)
    for ax, (d, label) in zip(axes, states, strict=True):
        ax.imshow(diagram_image(d, counts(d), PANEL))
        ax.set_xlabel(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():
            side.set_visible(False)
    fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


def band_figure() -> None:
    """6_1 -> 6_1 with a band -> the 2-component unlink after ``simplify(., 0)``."""
    knot = KnotInstance.from_name("6_1").diagram()
    for band in candidate_bands(knot):
        try:
            banded = apply_band(knot, band.spec)
        except IllegalMove:
            continue
        unlink = simplify(banded, 0)
        if unlink.crossings == 0:
            break
    else:
        raise SystemExit("no single band unties 6_1")
    panels(
        [
            (knot, "the knot 6_1"),
            (banded, f'band "{band.spec}" (twists {band.twists})'),
            (unlink, "simplify, seed 0: the unlink"),
        ],
        "A band move: 6_1 bounds a ribbon disk made of two discs and one band",
        HERE / "ribbon-band.png",
    )


def disk_figure(name: str = "8_20") -> None:
    """Each state of the replay of ``best-first``'s certificate for ``name``."""
    result = make_agent("best-first").solve(None, KnotInstance.from_name(name), 20, 0)
    cert = result.certificate
    if cert is None or not verify(cert).valid:
        raise SystemExit(f"best-first found no valid certificate for {name}")
    d = Diagram.from_pd(cert["instance"]["pd"])
    states = [(d, f"the knot {name}")]
    for move in cert["moves"]:
        d = apply_move(d, move)
        label = f'band "{move["band"]}"' if move["op"] == "band" else f"simplify, seed {move['seed']}"
        states.append((d, label))
    bands = sum(m["op"] == "band" for m in cert["moves"])
    panels(
        states,
        f"A ribbon disk for {name} found by best-first: {bands} band(s), {bands + 1} discs (certificate replay)",
        HERE / "ribbon-disk.png",
    )


if __name__ == "__main__":
    band_figure()
    disk_figure()
