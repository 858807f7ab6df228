"""The unlink screen of ``ribbon-pd``: cheap necessary conditions for a diagram to be an unlink (or a slice link).

Sound only as filters: a diagram that fails them cannot be an unlink (or, for :func:`slice_penalty`, is a
less likely step towards one); the kernel's replay of the final certificate is what proves anything.
"""

from __future__ import annotations

import numpy as np
from rigorgym.verifiers.bands import component_of
from rigorgym.verifiers.pd import PD
from rigorgym.verifiers.pd_alexander import is_alexander_trivial


def component_codes(d: PD) -> dict[int, list[tuple[int, int, int, int]]]:
    """Each component's own PD code: its self-crossings, the crossings with other components dropped."""
    comp = component_of(d)
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    kept: dict[int, list[int]] = {}
    for i, c in enumerate(d.crossings):
        under, over = comp[4 * i], comp[4 * i + 1]
        if under == over:
            kept.setdefault(under, []).append(i)
            continue
        # the component passing here keeps going: its two edges become one
        for a, b in ((c[0], c[2]), (c[1], c[3])):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb
    codes: dict[int, list[tuple[int, int, int, int]]] = {k: [] for k in set(comp)}
    for k, crossings in kept.items():
        codes[k] = [tuple(find(x) for x in d.crossings[i]) for i in crossings]  # type: ignore[misc]
    return codes


def linking_numbers_vanish(d: PD) -> bool:
    """Every pairwise linking number is 0 (half the signed count of the crossings between two components)."""
    comp = component_of(d)
    total: dict[tuple[int, int], int] = {}
    for i in range(d.size):
        a, b = comp[4 * i], comp[4 * i + 1]
        if a != b:
            key = (min(a, b), max(a, b))
            total[key] = total.get(key, 0) + (1 if d.out[4 * i + 1] else -1)  # over strand leaves by b: positive
    return not any(total.values())


def determinant_vanishes(d: PD) -> bool:
    """The link's determinant is 0, as it is for every split link (the unlink of 2 or more components).

    The determinant is |det| of the coloring matrix with one row and one column deleted (crossing i: 2 at
    its over arc, -1 at each under arc). Computed in floating point: it only filters candidates (a wrong
    "no" loses one, never admits one), and the true value is an integer, so |det| < 1/2 means 0."""
    n = d.size
    if n < 2:
        return True
    parent = list(range(2 * n + 1))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    labels = d.labels
    for i in range(n):  # the over strand is one arc through the crossing
        a, b = find(labels[4 * i + 1]), find(labels[4 * i + 3])
        if a != b:
            parent[a] = b
    arcs = {r: k for k, r in enumerate(sorted({find(e) for e in range(1, 2 * n + 1)}))}
    if len(arcs) != n:  # a component that never passes under: leave it to the other screens
        return True
    matrix = np.zeros((n, n))
    for i in range(n):
        matrix[i, arcs[find(labels[4 * i + 1])]] += 2
        matrix[i, arcs[find(labels[4 * i])]] -= 1
        matrix[i, arcs[find(labels[4 * i + 2])]] -= 1
    return bool(abs(np.linalg.det(matrix[1:, 1:])) < 0.5)


def may_be_unlink(d: PD) -> bool:
    """The screen: linking numbers 0, determinant 0, every component Alexander-trivial (all necessary for an
    unlink of two or more components)."""
    if not linking_numbers_vanish(d) or not determinant_vanishes(d):
        return False
    return all(not code or is_alexander_trivial([list(c) for c in code]) for code in component_codes(d).values())


def slice_penalty(d: PD) -> int:
    """0-3, lower for a link that looks like a ribbon disk cut at one band: a strongly slice link of two or
    more components has determinant 0 (Kawauchi: its one-variable Alexander polynomial vanishes), and cutting
    a ribbon disk at a band next to one of its minima leaves that minimum's boundary, an unknot. For ranking
    the band tree's children only."""
    penalty = 0 if determinant_vanishes(d) else 2
    codes = component_codes(d).values()
    if not any(not code or is_alexander_trivial([list(c) for c in code]) for code in codes):
        penalty += 1
    return penalty
