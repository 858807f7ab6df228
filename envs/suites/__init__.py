"""Frozen, versioned benchmark suites: lists of instances with ids and a content hash.

Each suite ships as ``data/<name>.jsonl`` (one §2.4 ``instance`` object per
line, with its ``id``) and an entry of ``data/index.json`` (env, description,
hash). The leaderboard and the benchmarks read the same files through
:func:`load_suite`. The files are written once by the committed build scripts
(``python -m rigorgym.envs.suites.build_unknot``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

DATA = resources.files(__package__) / "data"


class UnknownSuite(KeyError):
    """A suite name that is not shipped."""

    def __str__(self) -> str:
        return f"unknown suite {self.args[0]!r}; known: {', '.join(list_suites())}"


def content_hash(instances: list[dict[str, Any]]) -> str:
    """SHA-256 of the canonical JSON of the instance list (ids included)."""
    canonical = json.dumps(instances, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Suite:
    """A frozen list of instances for one env (each :func:`load_suite` call returns fresh copies)."""

    name: str
    env: str
    description: str
    instances: list[dict[str, Any]]
    hash: str

    def __len__(self) -> int:
        return len(self.instances)

    def by_id(self) -> dict[str, dict[str, Any]]:
        return {x["id"]: x for x in self.instances}


@lru_cache(maxsize=1)
def _index() -> dict[str, dict[str, Any]]:
    path = DATA / "index.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def list_suites(env: str | None = None) -> list[str]:
    """Names of the shipped suites, optionally for one env id."""
    return sorted(name for name, entry in _index().items() if env is None or entry["env"] == env)


def suite_info(name: str) -> dict[str, Any]:
    """The index entry of a suite (env, description, size, hash)."""
    try:
        return dict(_index()[name])
    except KeyError:
        raise UnknownSuite(name) from None


@lru_cache(maxsize=64)
def _checked_lines(name: str) -> tuple[str, ...]:
    """The suite's lines, read once and checked against the index hash."""
    entry = suite_info(name)
    lines = tuple(line for line in (DATA / f"{name}.jsonl").read_text().splitlines() if line.strip())
    digest = content_hash([json.loads(line) for line in lines])
    if digest != entry["hash"]:
        raise RuntimeError(f"suite {name} is corrupted: hash {digest} != {entry['hash']}")
    return lines


def load_suite(name: str) -> Suite:
    """Load a shipped suite (its content hash checked against the index); the instances are fresh dicts."""
    entry = suite_info(name)
    instances = [json.loads(line) for line in _checked_lines(name)]
    return Suite(name, entry["env"], entry["description"], instances, entry["hash"])
