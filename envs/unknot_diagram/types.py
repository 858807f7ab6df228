"""Value types of UnKnot-Diagram-v0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigorgym.verifiers.pd import PD, InvalidPD

#: Annotations a suite may carry beside ``pd`` (what its build script checked); read, never trusted nor used.
ANNOTATIONS = frozenset(
    {
        "answer",
        "crossings",
        "alexander",
        "alexander_trivial",
        "hfk_total_rank",
        "pi1",
        "simplify_global_best",
        "certified_by",
        "source",
        "row",
        "seed",
        "unknotting_simplify_seed",
        "inflate_seed",
        "attempts",
        "original",
    }
)


@dataclass(frozen=True)
class DiagramInstance:
    """One game: a knot diagram as a PD code (KnotTheory's convention), to be untangled or proved knotted.

    ``pd`` is kept exactly as given, so that a certificate repeats the
    instance verbatim; :meth:`diagram` is the kernel's canonical form.
    Validated once, at construction, by the kernel's own rules.
    """

    pd: tuple[tuple[int, ...], ...]
    name: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        diagram = self.diagram()
        if diagram.size == 0:
            raise ValueError("an UnKnot-Diagram-v0 instance has at least one crossing")
        if diagram.components() != 1:
            raise ValueError(
                f"an UnKnot-Diagram-v0 instance is a knot, this diagram has {diagram.components()} components"
            )

    @classmethod
    def of_kernel_diagram(cls, crossings: tuple[tuple[int, ...], ...]) -> DiagramInstance:
        """An instance from a diagram the kernel's own moves made (already canonical, a knot): no re-validation.

        The compiled scramble generator of the vector env makes thousands of these per second.
        """
        instance = cls.__new__(cls)
        object.__setattr__(instance, "pd", crossings)
        object.__setattr__(instance, "name", None)
        object.__setattr__(instance, "id", None)
        return instance

    def diagram(self) -> PD:
        try:
            return PD.from_pd([list(x) for x in self.pd])
        except InvalidPD as exc:
            raise ValueError(f"invalid PD code: {exc}") from None

    def to_instance(self) -> dict[str, Any]:
        """The certificate's ``instance`` object, without the id."""
        out: dict[str, Any] = {"pd": [list(x) for x in self.pd]}
        if self.name is not None:
            out["name"] = self.name
        return out

    @classmethod
    def from_instance(cls, data: Any) -> DiagramInstance:
        """Read an ``instance`` object (``pd``, optional ``name`` and ``id``); ValueError if malformed."""
        if not isinstance(data, dict) or "pd" not in data:
            raise ValueError("an UnKnot-Diagram-v0 instance is an object with a 'pd' key")
        extra = set(data) - {"pd", "name", "id"} - ANNOTATIONS
        if extra:
            raise ValueError(f"unknown instance field(s): {sorted(extra)}")
        pd = data["pd"]
        if not isinstance(pd, list) or not all(isinstance(x, list) for x in pd):
            raise ValueError("'pd' must be a list of [a, b, c, d] crossings")
        for key in ("name", "id"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ValueError(f"instance {key!r} must be a string")
        return cls(tuple(tuple(x) for x in pd), data.get("name"), data.get("id"))

    @property
    def crossings(self) -> int:
        return len(self.pd)
