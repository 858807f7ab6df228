"""Shared fixtures: where the contract cases live, and hypothesis profiles."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = Path(os.environ.get("RIGORGYM_CONTRACT", ROOT.parent / "shared" / "contract"))

settings.register_profile("ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def contract_cases(name: str) -> list[dict]:
    """The fixed kernel cases of shared/contract/<name>.jsonl."""
    path = CONTRACT / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
