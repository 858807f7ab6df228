"""Certificates (docs/design.md §2.4): structure checks, replay through the kernel, verdicts.

:func:`verify` never raises on data: whatever it is given, it returns a
:class:`Verdict`. ``malformed`` marks input that is not a certificate at all
(wrong envelope, wrong types, an instance that breaks the rules), as opposed
to a well-formed certificate whose moves or claim fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from . import andrews_curtis, bands, braid, diagram, pd, plumbing, reidemeister
from .braid import describe

FORMAT = "rigorgym-certificate/1"
CLAIMS = ("unknot", "knotted", "ribbon", "not_slice", "homeomorphic", "distinct", "ac_trivial")
TOP_LEVEL = {"format", "env", "claim", "instance", "moves", "meta"}


@dataclass(frozen=True)
class Limits:
    """Resource limits that keep a hostile certificate from hanging the verifier."""

    max_moves: int = 1_000_000
    max_word_length: int = 10_000
    max_strands: int = 1_000
    #: total work: the sum over moves of the word length (each move copies the word),
    #: so that moves x length cannot add up to minutes of replay
    max_work: int = 200_000_000
    #: plumbing graphs: the most nodes either graph may have at any point of the replay
    max_nodes: int = 10_000
    #: knot diagrams: the most crossings at any point, and the most band/simplify moves
    #: (each replays spherogram code, milliseconds to a second)
    max_crossings: int = 400
    max_diagram_moves: int = 2_000
    #: knot diagrams: total work, the sum over moves of the crossings of the diagram each move acts on
    #: (spherogram's simplify is about linear in the crossings: 2,000 moves on 400 crossings took 250 s;
    #: this bound keeps a replay to a few seconds, while found certificates use a few hundred)
    max_diagram_work: int = 10_000
    #: Reidemeister moves on PD codes (UnKnot-Diagram-v0): total work, the sum over moves of the crossings
    #: of the diagram each acts on (each move is linear in the crossings: about 10 s of replay at most)
    max_reidemeister_work: int = 20_000_000
    #: Andrews–Curtis presentations: the most letters a relator may have, in the instance and after any move
    #: (the work limit above bounds the replay: the sum over moves of the two relators' lengths)
    max_relator_length: int = 10_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Verdict:
    """The kernel's answer: ``moves_checked`` counts the legal moves before the first illegal one."""

    valid: bool
    reason: str
    moves_checked: int
    malformed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "moves_checked": self.moves_checked,
            "malformed": self.malformed,
        }


class Malformed(ValueError):
    """Input that is not a certificate."""


def _check_envelope(cert: Any) -> None:
    if not isinstance(cert, dict):
        raise Malformed("a certificate is a JSON object")
    missing = {"format", "env", "claim", "instance", "moves"} - set(cert)
    if missing:
        raise Malformed(f"missing field(s): {', '.join(sorted(missing))}")
    extra = set(cert) - TOP_LEVEL
    if extra:
        raise Malformed(f"unknown field(s): {', '.join(sorted(map(describe, extra)))}")
    if cert["format"] != FORMAT:
        raise Malformed(f"format must be {FORMAT!r}, got {describe(cert['format'])}")
    if not isinstance(cert["env"], str):
        raise Malformed("env must be a string")
    if cert["claim"] not in CLAIMS:
        raise Malformed(f"claim must be one of {', '.join(CLAIMS)}, got {describe(cert['claim'])}")
    if not isinstance(cert["instance"], dict):
        raise Malformed("instance must be an object")
    if not isinstance(cert["moves"], list):
        raise Malformed("moves must be a list")
    if "meta" in cert and not isinstance(cert["meta"], dict):
        raise Malformed("meta must be an object")


def _verify_unknot(cert: dict[str, Any], limits: Limits) -> Verdict:
    if cert["claim"] != "unknot":
        raise Malformed(f"UnKnot-v0 certificates claim 'unknot', not {describe(cert['claim'])}")
    instance = cert["instance"]
    if set(instance) != {"braid"}:
        raise Malformed("an UnKnot-v0 instance is exactly {'braid': {...}}")
    try:
        state = braid.Braid.from_json(instance["braid"])
    except braid.InvalidBraid as exc:
        raise Malformed(f"instance: {exc}") from None
    moves = cert["moves"]
    if len(moves) > limits.max_moves:
        raise Malformed(f"{len(moves)} moves exceed the limit of {limits.max_moves}")
    if state.strands > limits.max_strands or len(state.word) > limits.max_word_length:
        raise Malformed("instance exceeds the size limits")
    work = 0
    for done, move in enumerate(moves):
        work += len(state.word) + 1
        if work > limits.max_work:
            return Verdict(False, f"move {done}: replay exceeds the work limit of {limits.max_work}", done)
        try:
            state = braid.apply_move(state, move)
        except braid.IllegalMove as exc:
            return Verdict(False, f"move {done}: {exc}", done)
        if state.strands > limits.max_strands or len(state.word) > limits.max_word_length:
            return Verdict(False, f"move {done}: the braid exceeds the size limits", done)
    if state.is_trivial_knot:
        return Verdict(True, "the moves reach the trivial braid on one strand: the closure is the unknot", len(moves))
    return Verdict(
        False,
        f"all {len(moves)} moves are legal but end on {state.strands} strands with a word of length {len(state.word)}",
        len(moves),
    )


def _plumbing_instance(instance: dict[str, Any], limits: Limits) -> list[plumbing.PlumbingGraph]:
    if set(instance) != {"graphs"}:
        raise Malformed("a Kirby-Plumbing-v0 instance is exactly {'graphs': [graph, graph]}")
    graphs = instance["graphs"]
    if not isinstance(graphs, list) or len(graphs) != 2:
        raise Malformed("instance 'graphs' must be a list of two graphs")
    try:
        built = [plumbing.PlumbingGraph.from_json(g) for g in graphs]
    except plumbing.InvalidGraph as exc:
        raise Malformed(f"instance: {exc}") from None
    if any(len(g) > limits.max_nodes for g in built):
        raise Malformed(f"instance has a graph of more than {limits.max_nodes} nodes")
    return built


def _verify_plumbing(cert: dict[str, Any], limits: Limits) -> Verdict:
    from . import plumbing_invariants as inv

    claim = cert["claim"]
    if claim not in ("homeomorphic", "distinct"):
        raise Malformed(f"Kirby-Plumbing-v0 certificates claim 'homeomorphic' or 'distinct', not {describe(claim)}")
    graphs = _plumbing_instance(cert["instance"], limits)
    moves = cert["moves"]
    if len(moves) > limits.max_moves:
        raise Malformed(f"{len(moves)} moves exceed the limit of {limits.max_moves}")
    for done, move in enumerate(moves):
        try:
            plumbing.check_move(move)
            index = move.get("graph")
            if not braid._is_int(index) or index not in (0, 1):
                raise plumbing.IllegalMove(f"field 'graph' must be 0 or 1, got {describe(index)}")
            plumbing.apply_move(graphs[index], move)
        except plumbing.IllegalMove as exc:
            return Verdict(False, f"move {done}: {exc}", done)
        if len(graphs[index]) > limits.max_nodes:
            return Verdict(False, f"move {done}: graph {index} exceeds {limits.max_nodes} nodes", done)
    done = len(moves)
    g, h = graphs
    if claim == "homeomorphic":
        if plumbing.isomorphic(g, h):
            return Verdict(
                True, f"after {done} moves the two graphs are isomorphic: the manifolds are homeomorphic", done
            )
        return Verdict(
            False, f"all {done} moves are legal but the graphs end non-isomorphic ({len(g)} and {len(h)} nodes)", done
        )
    try:
        h1 = [inv.first_homology(g), inv.first_homology(h)]
    except inv.InvariantTooCostly as exc:
        return Verdict(False, f"the kernel does not compute H_1 here: {exc}", done)
    if h1[0] == h1[1]:
        return Verdict(
            False, f"both manifolds have H_1 = {inv.describe_group(h1[0])}: no invariant tells them apart", done
        )
    names = []
    for graph, group in zip(graphs, h1, strict=True):
        cross = inv.seifert_cross_check(graph, group)
        if cross is False:
            return Verdict(
                False, "H_1 from the Smith form disagrees with regina's Seifert fibred space: rejected", done
            )
        names.append(f" = {cross}" if isinstance(cross, str) else "")
    return Verdict(
        True,
        f"H_1 differs ({inv.describe_group(h1[0])}{names[0]} and {inv.describe_group(h1[1])}{names[1]}): "
        "the manifolds are not homeomorphic",
        done,
    )


def _ribbon_instance(instance: dict[str, Any], limits: Limits) -> diagram.Diagram:
    extra = set(instance) - {"pd", "name"}
    if "pd" not in instance or extra:
        raise Malformed("a Ribbon-v0 instance is {'pd': [[a, b, c, d], ...]} with an optional 'name'")
    if "name" in instance and not isinstance(instance["name"], str):
        raise Malformed("instance 'name' must be a string")
    pd = instance["pd"]
    if isinstance(pd, list) and len(pd) > limits.max_crossings:
        raise Malformed(f"instance has more than {limits.max_crossings} crossings")
    try:
        knot = diagram.Diagram.from_pd(pd)
    except diagram.InvalidDiagram as exc:
        raise Malformed(f"instance: {exc}") from None
    if knot.components != 1:
        raise Malformed(f"instance is a diagram of {knot.components} components, not a knot")
    return knot


def _verify_ribbon(cert: dict[str, Any], limits: Limits) -> Verdict:
    from . import slice_obstructions

    claim = cert["claim"]
    if claim not in ("ribbon", "not_slice"):
        raise Malformed(f"Ribbon-v0 certificates claim 'ribbon' or 'not_slice', not {describe(claim)}")
    moves = cert["moves"]
    if claim == "ribbon" and moves and isinstance(moves[0], dict) and moves[0].get("op") in bands.OPS:
        return _verify_ribbon_on_pd(cert["instance"], moves, limits)  # the first op selects the kernel (docs)
    state = _ribbon_instance(cert["instance"], limits)
    if claim == "not_slice":
        if len(moves) != 1:
            raise Malformed("a not_slice certificate has exactly one move {'op': 'invariant', 'name': ...}")
        try:
            why = slice_obstructions.check_obstruction(state, moves[0])
        except slice_obstructions.Undecided as exc:
            return Verdict(False, f"undecided: {exc}", 0)
        except ValueError as exc:
            return Verdict(False, str(exc), 0)
        return Verdict(True, f"{why}: the knot is not slice", 1)
    if len(moves) > limits.max_diagram_moves:
        raise Malformed(f"{len(moves)} moves exceed the limit of {limits.max_diagram_moves}")
    banded = 0
    work = 0
    for done, move in enumerate(moves):
        work += state.crossings + 1
        if work > limits.max_diagram_work:
            return Verdict(
                False,
                f"move {done}: the replay exceeds the work limit of {limits.max_diagram_work} "
                "(the sum over moves of the crossings each acts on)",
                done,
            )
        try:
            state = diagram.apply_move(state, move)
        except diagram.IllegalMove as exc:
            return Verdict(False, f"move {done}: {exc}", done)
        banded += move["op"] == "band"
        if state.crossings > limits.max_crossings:
            return Verdict(False, f"move {done}: the diagram exceeds {limits.max_crossings} crossings", done)
    return _ribbon_end(state.crossings, state.components, banded, len(moves))


def _ribbon_end(crossings: int, components: int, banded: int, done: int) -> Verdict:
    """The verdict on where a ribbon replay (either kernel) ended."""
    if crossings == 0 and components == banded + 1:
        return Verdict(
            True,
            f"{banded} band move(s) and simplification give a crossingless diagram of {components} unknots: "
            "the knot bounds a ribbon disk",
            done,
        )
    return Verdict(
        False,
        f"all {done} moves are legal but end with {crossings} crossings and {components} components "
        f"after {banded} band(s) (a ribbon proof needs 0 crossings and {banded + 1} components)",
        done,
    )


def _verify_ribbon_on_pd(instance: dict[str, Any], moves: list[Any], limits: Limits) -> Verdict:
    """``fission`` bands and Reidemeister moves on the canonical PD code (:mod:`.bands`): no spherogram."""
    state = _pd_instance(instance, limits, env="Ribbon-v0")
    if len(moves) > limits.max_moves:
        raise Malformed(f"{len(moves)} moves exceed the limit of {limits.max_moves}")
    state, refusal = _replay_pd(state, moves, limits, bands.apply_move)
    if refusal is not None:
        return refusal
    banded = sum(move["op"] == "fission" for move in moves)  # every move applied, so each is a move object
    return _ribbon_end(state.size, state.components(), banded, len(moves))


def _replay_pd(
    state: pd.PD, moves: list[Any], limits: Limits, apply: Callable[[pd.PD, Any], pd.PD]
) -> tuple[pd.PD, Verdict | None]:
    """Play ``moves`` with ``apply`` under the work and crossing limits: (the state reached, a refusal or None)."""
    work = 0
    for done, move in enumerate(moves):
        work += state.size + 1
        if work > limits.max_reidemeister_work:
            return state, _over_work(done, limits)
        try:
            state = apply(state, move)
        except reidemeister.IllegalMove as exc:
            return state, Verdict(False, f"move {done}: {exc}", done)
        if state.size > limits.max_crossings:
            return state, _over_crossings(done, limits)
    return state, None


def _pd_instance(instance: dict[str, Any], limits: Limits, env: str = "UnKnot-Diagram-v0") -> pd.PD:
    extra = set(instance) - {"pd", "name"}
    if "pd" not in instance or extra:
        raise Malformed(f"{env} instances are {{'pd': [[a, b, c, d], ...]}} with an optional 'name'")
    if "name" in instance and not isinstance(instance["name"], str):
        raise Malformed("instance 'name' must be a string")
    try:
        knot = pd.PD.from_pd(instance["pd"], max_crossings=limits.max_crossings)
    except pd.InvalidPD as exc:
        raise Malformed(f"instance: {exc}") from None
    if knot.size == 0:
        raise Malformed("instance has no crossings")
    if knot.components() != 1:
        raise Malformed(f"instance is a diagram of {knot.components()} components, not a knot")
    return knot


def _replay_end(end: pd.PD, count: int) -> Verdict:
    """The verdict on the diagram every move of an ``unknot`` replay led to (both replays word it so)."""
    if end.is_unknot_diagram():
        return Verdict(True, "the Reidemeister moves reach a crossingless circle: the knot is the unknot", count)
    return Verdict(
        False, f"all {count} moves are legal but end with {end.size} crossings and {end.components()} components", count
    )


def _over_work(done: int, limits: Limits) -> Verdict:
    return Verdict(
        False,
        f"move {done}: the replay exceeds the work limit of {limits.max_reidemeister_work} "
        "(the sum over moves of the crossings each acts on)",
        done,
    )


def _over_crossings(done: int, limits: Limits) -> Verdict:
    return Verdict(False, f"move {done}: the diagram exceeds {limits.max_crossings} crossings", done)


def _fast_unknot_replay(state: pd.PD, moves: list[Any], limits: Limits) -> Verdict | None:
    """The verdict of the compiled replay (:mod:`.pd_fast`), or None to leave it to the plain replay.

    It accepts only when every move applies within the limits and the end is the crossingless circle. A
    rejection at an illegal move is confirmed, and worded, by the plain kernel on that one move from the
    state before it; if the plain kernel disagrees (a fast-path bug), the plain replay decides everything.
    """
    from . import pd_fast

    rows = pd_fast.encode(moves)
    if rows is None:
        return None
    buffers = pd_fast.Buffers(limits.max_crossings + 2)
    buffers.load(state.labels, state.out, state.loops)
    status, done = pd_fast.replay(rows, *buffers.args(), limits.max_reidemeister_work, limits.max_crossings)
    if status == pd_fast.OK:
        return _replay_end(pd_fast.to_pd(buffers), len(moves))
    if status == pd_fast.WORK:
        return _over_work(done, limits)
    if status == pd_fast.FULL:
        return _over_crossings(done, limits)
    if status == pd_fast.ILLEGAL:
        try:
            reidemeister.apply_move(pd_fast.to_pd(buffers), moves[done])
        except reidemeister.IllegalMove as exc:
            return Verdict(False, f"move {done}: {exc}", done)
    return None


def _verify_unknot_diagram(cert: dict[str, Any], limits: Limits) -> Verdict:
    claim = cert["claim"]
    if claim not in ("unknot", "knotted"):
        raise Malformed(f"UnKnot-Diagram-v0 certificates claim 'unknot' or 'knotted', not {describe(claim)}")
    state = _pd_instance(cert["instance"], limits)
    moves = cert["moves"]
    if claim == "knotted":
        from . import pd_alexander

        if moves != [{"op": "invariant", "name": "alexander"}]:
            raise Malformed("a knotted certificate has exactly one move {'op': 'invariant', 'name': 'alexander'}")
        poly = pd_alexander.alexander_polynomial(state.to_json())
        if poly == (1,):
            return Verdict(False, "the Alexander polynomial is 1: it does not tell this knot from the unknot", 0)
        return Verdict(True, f"the Alexander polynomial is {list(poly)}, not 1: the knot is not the unknot", 1)
    if len(moves) > limits.max_moves:
        raise Malformed(f"{len(moves)} moves exceed the limit of {limits.max_moves}")
    fast = _fast_unknot_replay(state, moves, limits)
    if fast is not None:
        return fast
    # What the compiled replay leaves undecided (a malformed move, a disagreement) the plain kernel decides.
    state, refusal = _replay_pd(state, moves, limits, reidemeister.apply_move)
    return refusal if refusal is not None else _replay_end(state, len(moves))


def _verify_andrews_curtis(cert: dict[str, Any], limits: Limits) -> Verdict:
    if cert["claim"] != "ac_trivial":
        raise Malformed(f"AndrewsCurtis-v0 certificates claim 'ac_trivial', not {describe(cert['claim'])}")
    instance = cert["instance"]
    if "relators" not in instance or not set(instance) <= {"relators", "name"}:
        raise Malformed("an AndrewsCurtis-v0 instance is {'relators': [[...], [...]]} (and an optional 'name')")
    if not isinstance(instance.get("name", ""), str):
        raise Malformed("instance name must be a string")
    try:
        state = andrews_curtis.Presentation.from_json(instance["relators"], limits.max_relator_length)
    except andrews_curtis.InvalidPresentation as exc:
        raise Malformed(f"instance: {exc}") from None
    moves = cert["moves"]
    if len(moves) > limits.max_moves:
        raise Malformed(f"{len(moves)} moves exceed the limit of {limits.max_moves}")
    relators, done, refusal = andrews_curtis.replay(
        state.relators, state.reduced_form, moves, limits.max_relator_length, limits.max_work
    )
    if refusal is not None:
        return Verdict(False, f"move {done}: {refusal}", done)
    if not moves and not state.reduced_form:
        relators = state.reduced().relators
    a, b = relators
    if len(a) == 1 and len(b) == 1 and a[0] != b[0] and a[0] != -b[0]:  # x^±1 and y^±1, in either order
        return Verdict(
            True, "the moves reach <x, y | x, y> (up to inverses and order): the presentation is AC-trivial", len(moves)
        )
    return Verdict(
        False, f"all {len(moves)} moves are legal but end on relators of lengths {len(a)} and {len(b)}", len(moves)
    )


VERIFIERS = {
    "UnKnot-v0": _verify_unknot,
    "Kirby-Plumbing-v0": _verify_plumbing,
    "Ribbon-v0": _verify_ribbon,
    "UnKnot-Diagram-v0": _verify_unknot_diagram,
    "AndrewsCurtis-v0": _verify_andrews_curtis,
}


def verify(cert: Any, limits: Limits = DEFAULT_LIMITS) -> Verdict:
    """Check a certificate exactly; never raises on bad data."""
    try:
        _check_envelope(cert)
        check = VERIFIERS.get(cert["env"])
        if check is None:
            raise Malformed(
                f"env {describe(cert['env'])} has no verifier in this kernel (known: {', '.join(VERIFIERS)})"
            )
        return check(cert, limits)
    except Malformed as exc:
        return Verdict(False, f"malformed certificate: {exc}", 0, malformed=True)
    except RecursionError:
        return Verdict(False, "malformed certificate: nested too deeply", 0, malformed=True)
    except Exception as exc:  # a kernel bug must never turn into acceptance or a crash
        return Verdict(False, f"verifier error ({type(exc).__name__}); certificate rejected", 0, malformed=True)


def schema() -> dict[str, Any]:
    """The JSON Schema of certificates (``certificate.schema.json``, shipped with the kernel)."""
    import json
    from importlib import resources

    return cast("dict[str, Any]", json.loads((resources.files(__package__) / "certificate.schema.json").read_text()))
