"""Registration of every rigorgym environment with Gymnasium.

Difficulty tiers are extra ids over the same env class with other kwargs;
each is commented with its instance distribution.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

UNKNOT_ENTRY = "rigorgym.envs.unknot.env:UnKnotEnv"
UNKNOT_VECTOR_ENTRY = "rigorgym.envs.unknot.vector:UnKnotVectorEnv"
PLUMBING_ENTRY = "rigorgym.envs.kirby_plumbing.env:KirbyPlumbingEnv"
PLUMBING_VECTOR_ENTRY = "rigorgym.envs.kirby_plumbing.vector:KirbyPlumbingVectorEnv"
RIBBON_ENTRY = "rigorgym.envs.ribbon.env:RibbonEnv"
RIBBON_PD_ENTRY = "rigorgym.envs.ribbon.pd_env:RibbonPDEnv"
DIAGRAM_ENTRY = "rigorgym.envs.unknot_diagram.env:UnKnotDiagramEnv"
DIAGRAM_VECTOR_ENTRY = "rigorgym.envs.unknot_diagram.vector:UnKnotDiagramVectorEnv"
AC_ENTRY = "rigorgym.envs.andrews_curtis.env:AndrewsCurtisEnv"
AC_VECTOR_ENTRY = "rigorgym.envs.andrews_curtis.vector:AndrewsCurtisVectorEnv"
# The two simulators stand alone (docs/design.md §5): their envs live in their own packages.
FIELDTHEORY_ENTRY = "rigorgym.fieldtheory.env:NNFieldTheoryEnv"
METRICFLOW_ENTRY = "rigorgym.metricflow.env:MetricFlowEnv"


def _suite_size(suite: str) -> dict[str, int]:
    """``max_length``/``max_strands`` that fit every instance of a suite with room to grow."""
    from rigorgym.envs.suites import list_suites, suite_info

    if suite not in list_suites():
        return {}
    info = suite_info(suite)
    # headroom for insertions and stabilizations, rounded up to a multiple of 64
    length = max(128, -(-(info["max_length"] + 32) // 64) * 64)
    return {"max_length": length, "max_strands": max(8, info["max_strands"] + 2)}


def _unknot_tiers() -> dict[str, tuple[dict[str, Any], int]]:
    from rigorgym.envs.unknot.generator import ScrambleGenerator, SuiteGenerator

    return {
        # ScrambleGenerator(strands=3, length=20): the default curriculum step.
        "UnKnot-v0": ({"generator": ScrambleGenerator(3, 20)}, 200),
        # Short scrambles: ScrambleGenerator(strands=3, length=10).
        "UnKnot-Easy-v0": ({"generator": ScrambleGenerator(3, 10)}, 100),
        # ScrambleGenerator(strands=5, length=40).
        "UnKnot-Medium-v0": ({"generator": ScrambleGenerator(5, 40)}, 400),
        # ScrambleGenerator(strands=7, length=100).
        "UnKnot-Hard-v0": ({"generator": ScrambleGenerator(7, 100)}, 1000),
        # Uniform random words on 5 strands of length 40 that SnapPy unknots (suite unknot-words-n5-L40).
        "UnKnot-Words-v0": ({"generator": SuiteGenerator("unknot-words-n5-L40")}, 500),
        # The 50 very hard unknot diagrams of Applebaum et al. as braids (suite unknot-hard), sized to fit them.
        "UnKnot-HardUnknots-v0": ({"generator": SuiteGenerator("unknot-hard"), **_suite_size("unknot-hard")}, 2000),
    }


def _plumbing_suite_size(suite: str) -> dict[str, int]:
    """``max_nodes`` that fits every graph of a suite with room for the normal-form reduction to grow."""
    from rigorgym.envs.suites import list_suites, suite_info

    if suite not in list_suites():
        return {}
    return {"max_nodes": -(-(suite_info(suite)["max_nodes"] + 16) // 16) * 16}


#: The board of the published Ri-Putrov protocol's graphs (up to ~100 vertices): 128 slots, no extrusion twists.
PAPER_BOARD: dict[str, Any] = {"max_nodes": 128, "extrude_d": 0, "extrude_neighbours": 0}


def _plumbing_tiers() -> dict[str, tuple[dict[str, Any], int]]:
    from rigorgym.envs.kirby_plumbing.generator import RiPutrovGenerator, RiPutrovPaperGenerator, SuiteGenerator

    def suite(name: str) -> dict[str, Any]:
        return {"generator": SuiteGenerator(name), **_plumbing_suite_size(name)}

    return {
        # RiPutrovGenerator(nodes=6, scramble_moves=10): random 6-node trees, each copy scrambled by 10 moves.
        "Kirby-Plumbing-v0": ({"generator": RiPutrovGenerator(6, 10, max_nodes=32), "max_nodes": 32}, 200),
        # RiPutrovGenerator(nodes=4, scramble_moves=4) on 16 slots per graph.
        "Kirby-Plumbing-Easy-v0": ({"generator": RiPutrovGenerator(4, 4, max_nodes=16), "max_nodes": 16}, 100),
        # RiPutrovGenerator(nodes=10, scramble_moves=30) on 48 slots per graph.
        "Kirby-Plumbing-Medium-v0": ({"generator": RiPutrovGenerator(10, 30, max_nodes=48), "max_nodes": 48}, 400),
        # Suite plumbing-small-6: n=6, k=20.
        "Kirby-Plumbing-Small-v0": (suite("plumbing-small-6"), 400),
        # Suite plumbing-ri-putrov-10: the paper's test protocol, n=10, k=100.
        "Kirby-Plumbing-RiPutrov-v0": (suite("plumbing-ri-putrov-10"), 1000),
        # Suite plumbing-large-25: n=25, k=200.
        "Kirby-Plumbing-Large-v0": (suite("plumbing-large-25"), 2000),
        # RiPutrovPaperGenerator(): fresh pairs of the published protocol (n=10, 100 move attempts per graph, no
        # cap; a pair with a graph over 112 vertices would be redrawn: none in 20,000 draws) on 128 slots per graph, moves
        # without extrusion twists; 1,000 moves (the protocol's 500 steps of both graphs).
        "Kirby-Plumbing-Paper-v0": (
            {"generator": RiPutrovPaperGenerator(max_nodes=112), **PAPER_BOARD},
            1000,
        ),
        # Suite plumbing-ri-putrov-paper: 1,000 frozen pairs of the published protocol, on the same board.
        "Kirby-Plumbing-RiPutrovPaper-v0": (
            {"generator": SuiteGenerator("plumbing-ri-putrov-paper"), **PAPER_BOARD},
            1000,
        ),
    }


def _ribbon_suite_size(suite: str) -> dict[str, int]:
    """``max_crossings`` that fits every knot of a suite with room for bands to add crossings."""
    from rigorgym.envs.suites import list_suites, load_suite, suite_info

    if suite not in list_suites():
        return {}
    largest = suite_info(suite).get("max_crossings")
    if largest is None:
        largest = max((len(x["pd"]) for x in load_suite(suite).instances), default=0)
    # headroom for bands, rounded up to a multiple of 16
    return {"max_crossings": max(64, -(-(int(largest) + 32) // 16) * 16)}


def _ribbon_tiers() -> dict[str, tuple[dict[str, Any], int]]:
    from rigorgym.envs.ribbon.generator import RandomRibbonGenerator, SuiteGenerator

    def suite(name: str) -> dict[str, Any]:
        return {"generator": SuiteGenerator(name), **_ribbon_suite_size(name)}

    return {
        # RandomRibbonGenerator(max_crossings=8, scramble_steps=2): K # -K for the 35 prime knots K of
        # 3..8 crossings (Rolfsen), scrambled by 2 backtrack steps; at most 3 bands.
        "Ribbon-v0": ({"generator": RandomRibbonGenerator(8, 2)}, 20),
        # RandomRibbonGenerator(max_crossings=6, scramble_steps=0): K # -K for the 7 prime knots of
        # 3..6 crossings, spherogram's connected-sum diagram; each has a one-band solution among the actions.
        "Ribbon-Easy-v0": ({"generator": RandomRibbonGenerator(6, 0)}, 20),
        # Suite ribbon-knotinfo-12: the 158 slice knots (smooth 4-genus 0) of KnotInfo with <= 12 crossings.
        "Ribbon-KnotInfo12-v0": (suite("ribbon-knotinfo-12"), 20),
        # Suite ribbon-knotinfo-13: the 511 slice knots (smooth 4-genus 0) of KnotInfo with <= 13 crossings.
        "Ribbon-KnotInfo13-v0": (suite("ribbon-knotinfo-13"), 20),
        # Suite ribbon-doubles-30: 100 ribbon knots K # -K, K prime of 10-14 crossings, scrambled to 22-30 crossings.
        "Ribbon-Doubles-v0": (suite("ribbon-doubles-30"), 20),
    }


def _ribbon_pd_tiers() -> dict[str, tuple[dict[str, Any], int]]:
    """The Ribbon game on the project's own PD kernel (``RibbonPDEnv``): the same instances, a longer horizon
    (a step is one Reidemeister move or one band, not a whole simplification)."""
    from rigorgym.envs.ribbon.generator import RandomRibbonGenerator, SuiteGenerator

    def suite(name: str) -> dict[str, Any]:
        return {"generator": SuiteGenerator(name), **_ribbon_suite_size(name)}

    return {
        # RandomRibbonGenerator(max_crossings=8, scramble_steps=2): K # -K for the prime knots of 3..8 crossings,
        # scrambled by 2 backtrack steps; at most 3 bands.
        "Ribbon-PD-v0": ({"generator": RandomRibbonGenerator(8, 2)}, 200),
        # Suites ribbon-knotinfo-12/-13: KnotInfo's slice knots up to 12 and 13 crossings.
        "Ribbon-PD-KnotInfo12-v0": (suite("ribbon-knotinfo-12"), 200),
        "Ribbon-PD-KnotInfo13-v0": (suite("ribbon-knotinfo-13"), 200),
        # Suite ribbon-doubles-30: 100 ribbon knots K # -K, K prime of 10-14 crossings, scrambled to 22-30 crossings.
        "Ribbon-PD-Doubles-v0": (suite("ribbon-doubles-30"), 400),
        # Suites ribbon-gen-20/-30/-50/-70: 200 ribbon knots each, built by fusion and grown to ~20..70 crossings.
        "Ribbon-PD-Gen20-v0": (suite("ribbon-gen-20"), 400),
        "Ribbon-PD-Gen30-v0": (suite("ribbon-gen-30"), 400),
        "Ribbon-PD-Gen50-v0": (suite("ribbon-gen-50"), 800),
        "Ribbon-PD-Gen70-v0": (suite("ribbon-gen-70"), 800),
    }


def _diagram_suite_size(suite: str) -> dict[str, int]:
    """``max_crossings`` that fits every diagram of a suite with room to grow (hard unknots must grow first)."""
    from rigorgym.envs.suites import list_suites, load_suite

    if suite not in list_suites():
        return {}
    largest = max((len(x["pd"]) for x in load_suite(suite).instances), default=0)
    return {"max_crossings": max(64, -(-(largest + 32) // 16) * 16)}


def _diagram_tiers() -> dict[str, tuple[dict[str, Any], int]]:
    from rigorgym.envs.unknot_diagram.generator import ScrambledUnknotGenerator, SuiteGenerator

    def suite(name: str) -> dict[str, Any]:
        return {"generator": SuiteGenerator(name), **_diagram_suite_size(name)}

    return {
        # ScrambledUnknotGenerator(crossings=10, shuffles=20): a kink grown by random R2 additions to 10
        # crossings, shuffled by 20 random R3 moves; 64 crossings of room.
        "UnKnot-Diagram-v0": ({"generator": ScrambledUnknotGenerator(10, 20)}, 200),
        # ScrambledUnknotGenerator(crossings=20, shuffles=60).
        "UnKnot-Diagram-Medium-v0": ({"generator": ScrambledUnknotGenerator(20, 60)}, 500),
        # Suite unknot-diagram-hard: the 50 very hard unknot diagrams (18-43 crossings) of Applebaum et al.
        "UnKnot-Diagram-Hard-v0": (suite("unknot-diagram-hard"), 2000),
    }


def _ac_suite_size(suite: str) -> dict[str, int]:
    """``max_relator_length`` that fits every presentation of a suite: the source's 36, or 2x the longest relator."""
    from rigorgym.envs.suites import list_suites, load_suite

    if suite not in list_suites():
        return {}
    longest = max((len(r) for x in load_suite(suite).instances for r in x["relators"]), default=0)
    return {"max_relator_length": max(36, 2 * longest)}


def _ac_tiers() -> dict[str, tuple[dict[str, Any], int]]:
    from rigorgym.envs.andrews_curtis.generator import ScrambledTrivialGenerator, SuiteGenerator

    def suite(name: str, steps: int) -> tuple[dict[str, Any], int]:
        return {"generator": SuiteGenerator(name), "horizon": steps, **_ac_suite_size(name)}, steps

    return {
        # ScrambledTrivialGenerator(moves=30, max_relator_length=36): <x, y | x, y> scrambled by 30 uniform legal
        # AC' moves (the source's twelve); relators of at most 36 letters (the source's board).
        "AndrewsCurtis-v0": (
            {"generator": ScrambledTrivialGenerator(30, 36), "max_relator_length": 36, "horizon": 400},
            400,
        ),
        # Suite ac-miller-schupp: the Miller-Schupp presentations of the source paper (n <= 7, |w| <= 7), on
        # relators of at most 36 letters (more if the suite needs it); the source's episodes are longer still.
        "AndrewsCurtis-MillerSchupp-v0": suite("ac-miller-schupp", 1000),
        # Suite ac-ms-greedy-unsolved: the Miller-Schupp presentations the source's greedy search left unsolved.
        "AndrewsCurtis-MillerSchuppHard-v0": suite("ac-ms-greedy-unsolved", 1000),
        # Suite ac-akbulut-kirby: the Akbulut-Kirby presentations AK(n) = <x, y | x^n = y^(n+1), xyx = yxy>.
        "AndrewsCurtis-AkbulutKirby-v0": suite("ac-akbulut-kirby", 1000),
        # Suites ac-scramble-10/-30/-100: a curriculum, 200 frozen scrambles of <x, y | x, y> by 10, 30, 100 moves.
        "AndrewsCurtis-Scramble10-v0": suite("ac-scramble-10", 200),
        "AndrewsCurtis-Scramble30-v0": suite("ac-scramble-30", 400),
        "AndrewsCurtis-Scramble100-v0": suite("ac-scramble-100", 1000),
    }


def _shipped(kwargs: dict[str, Any]) -> bool:
    from rigorgym.envs.suites import list_suites

    suite = getattr(kwargs.get("generator"), "suite", None)
    return suite is None or suite in list_suites()


def register_all() -> None:
    """Register every env id; safe to call twice. Suite tiers need their suite shipped."""
    games = (  # (tiers, entry point, vector entry point or None)
        (_unknot_tiers, UNKNOT_ENTRY, UNKNOT_VECTOR_ENTRY),
        (_plumbing_tiers, PLUMBING_ENTRY, PLUMBING_VECTOR_ENTRY),
        (_ribbon_tiers, RIBBON_ENTRY, None),
        (_ribbon_pd_tiers, RIBBON_PD_ENTRY, None),
        (_diagram_tiers, DIAGRAM_ENTRY, DIAGRAM_VECTOR_ENTRY),
        (_ac_tiers, AC_ENTRY, AC_VECTOR_ENTRY),
    )
    for tiers, entry, vector_entry in games:
        for env_id, (kwargs, steps) in tiers().items():
            if env_id in gym.registry or not _shipped(kwargs):
                continue
            extra = {} if vector_entry is None else {"vector_entry_point": vector_entry}
            gym.register(id=env_id, entry_point=entry, max_episode_steps=steps, kwargs=kwargs, **extra)
    if "NNFieldTheory-v0" not in gym.registry:
        # The inverse problem on the default target: a cos-net free scalar of mass 1 in d = 1.
        gym.register(id="NNFieldTheory-v0", entry_point=FIELDTHEORY_ENTRY, max_episode_steps=100)
    if "MetricFlow-v0" not in gym.registry:
        # Flowing a perturbed flat metric on T^2 towards Ricci-flatness with a network metric.
        gym.register(id="MetricFlow-v0", entry_point=METRICFLOW_ENTRY, max_episode_steps=200)
