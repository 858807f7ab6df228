"""The web pages: server-rendered HTML with inline SVG plots, no scripts and nothing fetched from elsewhere.

Every value that came from a submitter (agent, submitter name, verdict
reasons) is escaped; the pages are also served with a Content-Security-Policy
that forbids scripts, so a hostile agent name cannot run code in a browser.
"""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import Any

from fastapi.responses import HTMLResponse
from rigorgym.envs.suites import list_suites, load_suite, suite_info

from .store import Store

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'"
STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left}
th{background:#f4f4f4}.num{text-align:right}.ok{color:#176a1f}.bad{color:#a01818}.muted{color:#777}
svg{background:#fcfcfc;border:1px solid #eee}code{font-size:.9em}
"""
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
#: submissions drawn per plot
PLOTTED = 5


def page(body: str, status: int = 200, title: str = "rigorgym leaderboard") -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": CSP})


def not_found(message: str) -> str:
    return f'<h1>Not found</h1><p>{escape(message)}</p><p><a href="/">leaderboard</a></p>'


def instance_size(instance: dict[str, Any]) -> int:
    """The size the plots use: braid word length, crossings of a PD code, nodes of both plumbing graphs, or the
    total relator length of a presentation."""
    if "braid" in instance:
        return len(instance["braid"].get("word", []))
    if "pd" in instance:
        return len(instance["pd"])
    if "graphs" in instance:
        return sum(len(g.get("nodes", [])) for g in instance["graphs"])
    if "relators" in instance:
        return sum(len(r) for r in instance["relators"])
    return 0


def _size_label(env: str) -> str:
    labels = {"UnKnot-v0": "word length", "Ribbon-v0": "crossings", "UnKnot-Diagram-v0": "crossings",
              "AndrewsCurtis-v0": "total relator length"}  # fmt: skip
    return {**labels, "Kirby-Plumbing-v0": "nodes (both graphs)"}.get(env, "size")


def plot(env: str, sizes: dict[str, int], series: list[tuple[str, set[str]]]) -> str:
    """SVG: per submission, the fraction of the suite's instances of each size that it solved."""
    by_size: dict[int, list[str]] = defaultdict(list)
    for iid, size in sizes.items():
        by_size[size].append(iid)
    xs = sorted(by_size)
    if not xs or not series:
        return ""
    width, height, left, bottom, top, right = 560, 240, 50, 40, 15, 170
    lo, hi = xs[0], xs[-1]

    def px(x: float) -> float:
        return left + (width - left - right) * ((x - lo) / (hi - lo) if hi > lo else 0.5)

    def py(y: float) -> float:
        return top + (height - top - bottom) * (1 - y)

    parts = [
        f'<svg class="plot" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>solved against {escape(_size_label(env))}</title>',
        f'<line x1="{left}" y1="{py(0)}" x2="{width - right}" y2="{py(0)}" stroke="#999"/>',
        f'<line x1="{left}" y1="{py(0)}" x2="{left}" y2="{py(1)}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{py(1) + 4}" text-anchor="end" font-size="11">100%</text>',
        f'<text x="{left - 6}" y="{py(0) + 4}" text-anchor="end" font-size="11">0%</text>',
        f'<text x="{px(lo)}" y="{height - 22}" text-anchor="middle" font-size="11">{lo}</text>',
        f'<text x="{(left + width - right) / 2}" y="{height - 6}" text-anchor="middle" font-size="11">'
        f"{escape(_size_label(env))}</text>",
    ]
    if hi > lo:
        parts.append(f'<text x="{px(hi)}" y="{height - 22}" text-anchor="middle" font-size="11">{hi}</text>')
    slot = (width - left - right) / (len(series) + 1)
    for k, (label, solved) in enumerate(series):
        color = COLORS[k % len(COLORS)]
        points = [(px(x), py(sum(i in solved for i in by_size[x]) / len(by_size[x]))) for x in xs]
        if len(points) == 1:  # one size only (e.g. all braid words of length 10): a bar per submission
            x0, y0 = left + slot * (k + 0.6), points[0][1]
            parts.append(
                f'<rect class="bar" x="{x0:.1f}" y="{y0:.1f}" width="{slot * 0.8:.1f}" '
                f'height="{py(0) - y0:.1f}" fill="{color}"/>'
            )
        else:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>' for x, y in points)
        ly = top + 14 * k + 8
        parts.append(f'<rect x="{width - right + 10}" y="{ly - 8}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{width - right + 24}" y="{ly + 1}" font-size="11">{escape(label[:26])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _suite_section(store: Store, name: str) -> str:
    suite = load_suite(name)
    entries = store.leaderboard(name)
    solved = store.solved_instances(name)
    sizes = {x["id"]: instance_size(x) for x in suite.instances}
    series = [
        (f"{e['submitter']}: {e['agent']}", solved.get(e["id"], set())) for e in entries if e["status"] == "verified"
    ][:PLOTTED]
    rows = []
    for e in entries:
        status = "verified" if e["status"] == "verified" else "verifying…"
        score = f"{e['solved']}/{len(suite)}" if e["solved"] is not None else "–"
        moves = e["total_moves"] if e["total_moves"] is not None else "–"
        rows.append(
            f"<tr><td class=num>{e['rank'] or ''}</td><td>{escape(e['submitter'])}</td>"
            f'<td><a href="/submissions/{escape(e["id"])}">{escape(e["agent"])}</a></td>'
            f"<td class=num>{score}</td><td class=num>{moves}</td><td>{status}</td>"
            f"<td class=muted>{escape(e['submitted_at'][:19].replace('T', ' '))}</td></tr>"
        )
    return (
        f'<section class="suite" id="suite-{escape(name)}"><h2>{escape(name)}</h2>'
        f"<p class=muted>{escape(suite.env)}, {len(suite)} instances, <code>{escape(suite.hash[:23])}…</code></p>"
        f"{plot(suite.env, sizes, series)}"
        '<table class="ranking"><thead><tr><th>#</th><th>submitter</th><th>agent</th><th>solved</th>'
        "<th>total moves</th><th>status</th><th>submitted (UTC)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def index_body(store: Store) -> str:
    """One table and one plot per suite that has submissions; the other suites listed below."""
    active = store.suites_with_submissions()
    names = [n for n in list_suites() if n in active]
    others = [n for n in list_suites() if n not in active]
    sections = "".join(_suite_section(store, n) for n in names) or "<p>No submissions yet.</p>"
    idle = ", ".join(f"{escape(n)} <span class=muted>({suite_info(n)['size']})</span>" for n in others)
    return (
        "<h1>rigorgym leaderboard</h1><p>Every certificate is re-verified by the server with the pinned kernel; "
        "ranked by instances solved, then fewest total moves, then earliest submission. "
        '<a href="/docs">API</a></p>'
        f"{sections}<h3>Suites without submissions</h3><p>{idle or '–'}</p>"
    )


def submission_body(entry: dict[str, Any]) -> str:
    """A submission's summary and its per-instance verdicts."""
    rows = []
    for v in entry["verdicts"]:
        if v["valid"] is None:
            mark = '<td class="pending muted">pending</td>'
        elif v["valid"]:
            mark = '<td class="ok">valid</td>'
        else:
            mark = '<td class="bad">invalid</td>'
        rows.append(
            f"<tr><td>{escape(v['instance_id'])}</td>{mark}<td class=num>{v['moves']}</td>"
            f"<td>{escape(v['reason'] or '')}</td></tr>"
        )
    score = (
        f"{entry['solved']} of {entry['certificates']} certificates valid, {entry['total_moves']} moves in all"
        if entry["status"] == "verified"
        else "verification in progress"
    )
    return (
        f'<p><a href="/">leaderboard</a></p><h1>Submission <code>{escape(entry["id"])}</code></h1>'
        f"<dl><dt>suite</dt><dd>{escape(entry['suite'])} <code>{escape(entry['suite_hash'][:23])}…</code></dd>"
        f"<dt>submitter</dt><dd class=submitter>{escape(entry['submitter'])}</dd>"
        f"<dt>agent</dt><dd class=agent>{escape(entry['agent'])}</dd>"
        f"<dt>status</dt><dd class=status>{escape(entry['status'])}: {score}</dd>"
        f"<dt>kernel</dt><dd><code>{escape(entry['kernel_version'])}</code></dd>"
        f"<dt>submitted</dt><dd>{escape(entry['submitted_at'])}</dd></dl>"
        '<table class="verdicts"><thead><tr><th>instance</th><th>verdict</th><th>moves</th><th>reason</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
