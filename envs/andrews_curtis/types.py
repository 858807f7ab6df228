"""The instance of AndrewsCurtis-v0: a balanced presentation <x, y | r0, r1> (validated by the kernel's reader)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigorgym.verifiers import DEFAULT_LIMITS
from rigorgym.verifiers.andrews_curtis import InvalidPresentation, Presentation, Word

__all__ = ["InvalidPresentation", "PresentationInstance"]


@dataclass(frozen=True)
class PresentationInstance:
    """Two relators (signed letters: x = 1, y = 2, inverse negative), a suite id and an optional name."""

    relators: tuple[Word, Word]
    id: str | None = None
    name: str | None = None

    @classmethod
    def from_instance(cls, data: Any) -> PresentationInstance:
        """A §2.4 instance ``{"relators": [[...], [...]], "id"?: str, "name"?: str}``; ValueError otherwise."""
        if not isinstance(data, dict) or "relators" not in data:
            raise InvalidPresentation('an AndrewsCurtis-v0 instance is {"relators": [[...], [...]]}')
        extra = set(data) - {"relators", "id", "name"}
        if extra:
            raise InvalidPresentation(f"unknown instance field(s): {', '.join(sorted(map(str, extra)))}")
        for key in ("id", "name"):
            if key in data and not isinstance(data[key], str):
                raise InvalidPresentation(f"instance {key} must be a string")
        p = Presentation.from_json(data["relators"], DEFAULT_LIMITS.max_relator_length)
        return cls(p.relators, data.get("id"), data.get("name"))

    def presentation(self) -> Presentation:
        return Presentation.from_json([list(r) for r in self.relators], DEFAULT_LIMITS.max_relator_length)

    def to_instance(self) -> dict[str, Any]:
        """The certificate's instance (the kernel's fields: relators and the name; the id goes to meta)."""
        out: dict[str, Any] = {"relators": [list(self.relators[0]), list(self.relators[1])]}
        if self.name is not None:
            out["name"] = self.name
        return out

    @property
    def length(self) -> int:
        return len(self.relators[0]) + len(self.relators[1])
