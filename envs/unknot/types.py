"""Value types of UnKnot-v0."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigorgym.verifiers.braid import Braid


@dataclass(frozen=True)
class BraidInstance:
    """One game: a braid whose closure should be the unknot, with an optional suite id."""

    strands: int
    word: tuple[int, ...]
    id: str | None = None

    def __post_init__(self) -> None:
        # Validate through the kernel's own rules, once, at construction.
        Braid.checked(self.strands, list(self.word))

    @classmethod
    def trusted(cls, strands: int, word: tuple[int, ...]) -> BraidInstance:
        """Skip validation, for braids built by kernel moves from a valid braid (generators' hot path)."""
        instance = object.__new__(cls)
        object.__setattr__(instance, "strands", strands)
        object.__setattr__(instance, "word", word)
        object.__setattr__(instance, "id", None)
        return instance

    @property
    def braid(self) -> Braid:
        return Braid(self.strands, tuple(self.word))

    def to_instance(self) -> dict[str, Any]:
        """The certificate's ``instance`` object (docs/design.md §2.4), without the id."""
        return {"braid": {"strands": self.strands, "word": list(self.word)}}

    @classmethod
    def from_instance(cls, data: Any) -> BraidInstance:
        """Read a §2.4 ``instance`` object (optionally with ``id``); raise ValueError if malformed."""
        if not isinstance(data, dict) or "braid" not in data:
            raise ValueError("an UnKnot-v0 instance is an object with a 'braid' key")
        extra = set(data) - {"braid", "id"}
        if extra:
            raise ValueError(f"unknown instance field(s): {sorted(extra)}")
        braid = Braid.from_json(data["braid"])
        ident = data.get("id")
        if ident is not None and not isinstance(ident, str):
            raise ValueError("instance 'id' must be a string")
        return cls(braid.strands, braid.word, ident)
