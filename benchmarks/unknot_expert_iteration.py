"""Issue 19, learned search: expert iteration for the value of ``guided`` on large random unknot braids.

The loop (``rigorgym.agents.protocols.unknot_expert``): a seeded pool of braids of random unknot diagrams
(60–140 map vertices, never a suite's), solved each round by the guided search ranked by the current value
under a fixed expansion budget (round 0: the hand value); every solved path labels which child of each state
the search should have expanded; a fresh value net is fitted on all labels so far. A held-out fifth of the
pool is searched after each round by the learned and by the hand value under the same expansion budget.

Writes the value folder (default ``agents/data/pretrained/unknot-value-expert``) and the page
``unknot-expert-iteration.{md,json,png}``. The equal-wall-time comparison on the suites is
``benchmarks/unknot_learned_search.py``, which reads this folder.

Usage::

    python benchmarks/unknot_expert_iteration.py --out-dir docs/results     # about 30 minutes on 2 cores
    python benchmarks/unknot_expert_iteration.py --quick --value-out /tmp/v --out-dir /tmp/page
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder  # noqa: E402
from _report import ResultsPage  # noqa: E402

DEFAULT_VALUE_OUT = Path(__file__).resolve().parents[1] / "agents" / "data" / "pretrained" / "unknot-value-expert"


def plot(rounds: list[dict]) -> object:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6))
    x = [r["round"] for r in rounds]
    ax.plot(x, [r["heldout_solved_learned"] / r["heldout_instances"] for r in rounds], "o-", label="learned value")
    ax.plot(x, [r["heldout_solved_hand"] / r["heldout_instances"] for r in rounds], "s--", label="hand value")
    ax.set_xlabel("round (value fitted on the paths of rounds 0..r)")
    ax.set_ylabel("held-out braids solved")
    ax.set_xticks(x)
    ax.legend()
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    from rigorgym.agents.protocols.unknot_expert import ExpertArgs, expert_iteration

    defaults = ExpertArgs()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for f in dataclasses.fields(ExpertArgs):
        parser.add_argument("--" + f.name.replace("_", "-"), type=type(getattr(defaults, f.name)), default=None)
    parser.add_argument("--value-out", type=Path, default=DEFAULT_VALUE_OUT, help="folder for value.pt and card.json")
    parser.add_argument("--out-dir", type=Path, default=Path("docs/results"))
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (about a minute)")
    ns = parser.parse_args(argv)
    page = ResultsPage("unknot-expert-iteration", "UnKnot-v0: expert iteration for the guided search's value",
                       __file__, sys.argv[1:] if argv is None else argv)  # fmt: skip
    given = {f.name: getattr(ns, f.name) for f in dataclasses.fields(ExpertArgs) if getattr(ns, f.name) is not None}
    if ns.quick:
        given = {"pool": 3, "rounds": 1, "expansions": 100, "first_expansions": 200, "epochs": 2, **given}
    args = ExpertArgs(**given)
    emit = Recorder()
    card = expert_iteration(ns.value_out, args, page.command, emit)
    rounds = card["rounds"]
    last = rounds[-1]
    page.text(
        f"Expert iteration (`rigorgym.agents.protocols.unknot_expert`): a pool of {args.pool} braids of random unknot "
        f"diagrams (SnapPy's `random_link` on {', '.join(map(str, card['training_set']['map_sizes']))} map vertices, "
        f"each unknotted by `simplify('global')`; seed {card['training_set']['seed']}; no suite's instance), "
        f"{card['training_set']['instances']} trained on and {card['training_set']['heldout']} held out. Round 0 "
        f"solves the training braids with the hand value ({args.first_expansions:,} expansions each); every later "
        f"round with the value fitted on all solved paths so far ({args.expansions:,} expansions each). After each "
        f"round the held-out braids are searched by the new value and by the hand value under the same "
        f"{args.expansions:,} expansions (a deterministic budget: the counts do not depend on the machine's load). "
        f"Value folder written: `{ns.value_out.name}` ({card['parameters']:,} weights, "
        f"{card['train_seconds']:,.0f} s)."
    )
    page.table(
        ["round", "value", "train solved", "labelled states", "held-out learned", "held-out hand",
         "held-out top-1 learned", "held-out top-1 hand", "s held-out learned", "s held-out hand"],
        [[r["round"], r["value"], f"{r['train_solved']}/{r['train_instances']}", r["labelled_states"],
          f"{r['heldout_solved_learned']}/{r['heldout_instances']}",
          f"{r['heldout_solved_hand']}/{r['heldout_instances']}", r["heldout_top1"], r["heldout_top1_hand"],
          r["heldout_seconds_learned"], r["heldout_seconds_hand"]] for r in rounds],
        caption="Per round (train solved: with the value of the round before; held-out: with the value fitted "
        "after it). Top-1: on the tenth of the labelled path steps kept out of the fit, how often the value ranks "
        "first the child the solved path took.",
    )  # fmt: skip
    gain = last["heldout_solved_learned"] - last["heldout_solved_hand"]
    page.text(
        f"After the last round the learned value solves {last['heldout_solved_learned']} of "
        f"{last['heldout_instances']} held-out braids against the hand value's {last['heldout_solved_hand']} at "
        f"equal expansions ({gain:+d}). Equal *wall time* on the suites (the learned value costs more per "
        "expansion): [unknot-learned-search.md](unknot-learned-search.md)."
    )
    page.figure(
        plot(rounds), "unknot-expert-iteration.png", "Held-out braids solved after each round, equal expansions."
    )
    page.write(ns.out_dir, {"args": dataclasses.asdict(args), "card": card, "records": emit.records})
    return 0


if __name__ == "__main__":
    sys.exit(main())
