"""Value types of Ribbon-v0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigorgym.verifiers.diagram import Diagram, InvalidDiagram


@dataclass(frozen=True)
class KnotInstance:
    """One game: a knot diagram (PD code, spherogram conventions) to be proved ribbon or not slice.

    ``pd`` is kept exactly as given, so that a certificate repeats the
    instance verbatim; ``diagram`` is the kernel's validated, relabelled form.
    """

    pd: tuple[tuple[int, ...], ...]
    name: str | None = None
    id: str | None = None

    def __post_init__(self) -> None:
        # Validate through the kernel's own rules, once, at construction.
        diagram = self.diagram()
        if diagram.components != 1:
            raise ValueError(f"a Ribbon-v0 instance is a knot, this diagram has {diagram.components} components")

    def diagram(self) -> Diagram:
        try:
            return Diagram.from_pd([list(x) for x in self.pd])
        except InvalidDiagram as exc:
            raise ValueError(f"invalid PD code: {exc}") from None

    def to_instance(self) -> dict[str, Any]:
        """The certificate's ``instance`` object (docs/design.md §2.4), without the id."""
        out: dict[str, Any] = {"pd": [list(x) for x in self.pd]}
        if self.name is not None:
            out["name"] = self.name
        return out

    @classmethod
    def from_instance(cls, data: Any) -> KnotInstance:
        """Read a §2.4 ``instance`` object (``pd``, optional ``name`` and ``id``); raise ValueError if malformed."""
        if not isinstance(data, dict) or "pd" not in data:
            raise ValueError("a Ribbon-v0 instance is an object with a 'pd' key")
        extra = set(data) - {"pd", "name", "id"}
        if extra:
            raise ValueError(f"unknown instance field(s): {sorted(extra)}")
        pd = data["pd"]
        if not isinstance(pd, list) or not all(isinstance(x, list) for x in pd):
            raise ValueError("'pd' must be a list of [a, b, c, d] crossings")
        for key in ("name", "id"):
            if data.get(key) is not None and not isinstance(data[key], str):
                raise ValueError(f"instance {key!r} must be a string")
        return cls(tuple(tuple(x) for x in pd), data.get("name"), data.get("id"))

    @classmethod
    def from_name(cls, name: str) -> KnotInstance:
        """A knot by name from SnapPy's tables (``8_20``, ``K12n553``...); ValueError if unknown."""
        import spherogram

        try:
            link = spherogram.Link(name)
        except Exception:
            raise ValueError(
                f"unknown knot {name!r} (try a Rolfsen name like 8_20 or a SnapPy one like K12n553)"
            ) from None
        if len(link.link_components) != 1:
            raise ValueError(f"{name!r} is a link of {len(link.link_components)} components, not a knot")
        return cls(tuple(tuple(int(v) for v in x) for x in link.PD_code()), name)

    @property
    def crossings(self) -> int:
        return len(self.pd)
