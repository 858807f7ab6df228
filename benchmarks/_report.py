"""The one writer of results pages: every benchmark that writes a page under ``docs/results/`` goes through it.

A page is built from the run's own records, never typed by hand: a title, a
line saying exactly how it was produced (command, date, wall time, machine and
load at start and end), then paragraphs, tables, acceptance rows and figures
in the order the script adds them. ``write`` puts ``STEM.md``, ``STEM.json``
(the report the page was built from) and the figures into one folder.

Usage::

    page = ResultsPage("plumbing-normal-form", "Kirby-Plumbing-v0: the normal-form solver", __file__, argv)
    page.text("What was measured, and why.")
    page.table(["suite", "pairs", "solved"], [[name, n, solved] for ...])
    page.acceptance([("≥ 100 pairs/s", f"{rate:,.0f} pairs/s", rate >= 100)])
    page.figure(fig, "plumbing-normal-form.png", "Certificate lengths per suite.")
    page.write(out_dir, report)
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import emit, machine, public_command


def cell(value: Any) -> str:
    """One table cell: four significant digits for floats, thousands separators for ints, '–' for nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _numeric(values: Sequence[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table; columns whose values are all numbers are right-aligned."""
    align = ["---:" if _numeric([row[i] for row in rows]) else "---" for i in range(len(columns))]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


class ResultsPage:
    """A results page, added to piece by piece while the benchmark runs, written once at its end."""

    def __init__(self, stem: str, title: str, script: str, argv: Sequence[str]) -> None:
        self.stem = stem
        self.title = title
        self.command = public_command(Path(script).name, list(argv))
        self.started = time.perf_counter()
        self.start_machine = machine()
        self.date = datetime.now(UTC).strftime("%Y-%m-%d")
        self.blocks: list[str] = []
        self.figures: list[tuple[Any, str]] = []
        self.rerendered: dict[str, Any] | None = None

    def from_report(self, report: dict[str, Any]) -> dict[str, Any]:
        """Re-render (``--from-json``) from a committed raw report: its provenance, and a line saying so.

        The page keeps the command, date, wall time and machine of the run that
        measured it; it adds the command that re-rendered it, and that nothing
        was re-measured. Returns the report (with that note) for ``write``.
        """
        self.rerendered = {"command": self.command, "date": self.date}
        self.command, self.date, self.start_machine = report["command"], report["date"], report["machine"]
        return {**report, "wall_s": report.get("wall_s"), "loadavg_end": report.get("loadavg_end"),
                "rerendered": self.rerendered}  # fmt: skip

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append("#" * level + " " + text)

    def text(self, paragraph: str) -> None:
        self.blocks.append(paragraph.strip())

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], caption: str | None = None) -> None:
        if caption:
            self.blocks.append(caption.strip())
        self.blocks.append(markdown_table(columns, rows))

    def acceptance(self, rows: Sequence[tuple[str, str, bool]]) -> None:
        """Targets with what was measured and whether each holds (the first table a reader looks for)."""
        self.table(["target", "measured", "holds"], [[t, m, "yes" if ok else "**no**"] for t, m, ok in rows])

    def figure(self, fig: Any, name: str, caption: str) -> None:
        """A matplotlib figure, saved beside the page as ``name`` when the page is written."""
        self.figures.append((fig, name))
        self.blocks.append(f"![{caption}]({name})\n\n{caption}")

    def reproduce(self, *commands: str) -> None:
        """Extra commands a reader runs to reproduce the page (the producing command is always shown)."""
        self.blocks.append("To reproduce:\n\n```bash\n" + "\n".join(commands) + "\n```")

    def _provenance(self, wall_s: float | None, end_load: Any) -> str:
        m0 = self.start_machine
        again = (
            f" Re-rendered on {self.rerendered['date']} from that run's raw report by "
            f"`{self.rerendered['command']}`: **the numbers were not re-measured**."
            if self.rerendered
            else ""
        )
        return (
            f"Produced by `{self.command}` on {self.date}{'' if wall_s is None else f' in {wall_s:,.0f} s'}. "
            f"Machine: {m0['cpu']} "
            f"({m0['cpu_count']} cores), {m0['platform']}, Python {m0['python']}, rigorgym {m0['rigorgym']}; "
            f"load average {m0.get('loadavg') or 'not recorded'} at the start, {end_load or 'not recorded'} at the end. "
            f"Raw numbers: [{self.stem}.json]({self.stem}.json).{again}"
        )

    def render(self, wall_s: float | None, end_load: Any = None) -> str:
        if end_load is None and self.rerendered is None:
            end_load = machine()["loadavg"]
        return "\n\n".join([f"# {self.title}", self._provenance(wall_s, end_load), *self.blocks]) + "\n"

    def write(self, out_dir: Path, report: dict[str, Any]) -> list[Path]:
        """Write the page, its report and its figures into ``out_dir``; emit and return the paths."""
        import matplotlib.pyplot as plt

        wall_s = time.perf_counter() - self.started
        out_dir.mkdir(parents=True, exist_ok=True)
        report = {"command": self.command, "date": self.date, "wall_s": round(wall_s, 1), **report}
        report.setdefault("machine", self.start_machine)
        report.setdefault("loadavg_end", machine()["loadavg"])
        paths = [out_dir / f"{self.stem}.md", out_dir / f"{self.stem}.json"]
        paths[0].write_text(self.render(report["wall_s"], report["loadavg_end"]), encoding="utf-8")
        paths[1].write_text(json.dumps(report, indent=1, default=str) + "\n", encoding="utf-8")
        for fig, name in self.figures:
            fig.savefig(out_dir / name, dpi=110, bbox_inches="tight")
            plt.close(fig)
            paths.append(out_dir / name)
        emit({"wrote": [str(p) for p in paths]})
        return paths
