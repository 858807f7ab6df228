"""Train the value net of the ``guided`` UnKnot agent (``agents/unknot_value.py``), bootstrapped from its own search.

Why bootstrapped: there are no labelled distances to the unknot, but every
path the search finds says, for each braid on it, which of its children was
the right one to expand. Round 0 solves a training set with the hand value;
each later round retrains on every path found so far and solves the set again
with the net. The loss is a ranking loss (the child on the path should score
below its siblings, which is what best-first search needs); the net learns a
correction to the hand value. The training set is disjoint from the benchmark
suites by construction (other seeds): braids of random unknot *diagrams*
(SnapPy's ``random_link``, the recipe of ``unknot-hard`` on random diagrams)
and uniform random words that SnapPy unknots (the recipe of ``unknot-words-*``).
Everything is seeded; one thread.

The driver is ``rigorgym.agents.protocols.unknot_training.train_value_net``. Writes
``agents/data/pretrained/unknot-value/value.pt`` and ``card.json`` (no results
page: the card is what ``docs/results/unknot-guided.md`` quotes); JSON lines of
progress go to stdout. Usage::

    python benchmarks/train_unknot_value.py            # about 15 minutes on one core
    python benchmarks/train_unknot_value.py --quick --out /tmp/value   # a smoke run (a minute)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    from rigorgym.agents.protocols.unknot_training import train_value_net
    from rigorgym.agents.unknot_value import PRETRAINED

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--diagrams", type=int, default=160, help="random unknot diagrams (default 160)")
    parser.add_argument("--per-size", type=int, default=4, help="random words per size (default 4)")
    parser.add_argument("--rounds", type=int, default=1, help="bootstrap rounds after the hand-value round")
    parser.add_argument("--budget-s", type=float, default=2.0, help="search budget per training instance")
    parser.add_argument("--max-expansions", type=int, default=3000, help="search cap per training instance")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(PRETRAINED), help="folder for value.pt and card.json")
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.diagrams, args.per_size, args.rounds, args.budget_s, args.epochs = 12, 1, 1, 1.0, 3
    train_value_net(
        Path(args.out),
        args.diagrams,
        args.per_size,
        args.rounds,
        args.budget_s,
        args.max_expansions,
        args.epochs,
        args.seed,
        command="python benchmarks/train_unknot_value.py" + (" --quick" if args.quick else ""),
        on_record=emit,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
