"""Shared fixtures: the fixed kernel cases (tests/data/contract/), and hypothesis profiles."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = Path(__file__).resolve().parent / "data" / "contract"

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def contract_cases(name: str) -> list[dict]:
    """The fixed kernel cases of tests/data/contract/<name> (README.md there says where they come from)."""
    path = CONTRACT / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
