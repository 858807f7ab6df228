"""Writing a suite file and its index entry (shared by the build scripts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rigorgym.envs.suites import content_hash

OUT = Path(__file__).parent / "data"


def write_suite(name: str, env: str, description: str, instances: list[dict[str, Any]], **extra: Any) -> None:
    """Write ``data/<name>.jsonl`` and its entry of ``data/index.json`` (size and content hash included)."""
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in instances))
    index_path = OUT / "index.json"
    index = json.loads(index_path.read_text()) if index_path.is_file() else {}
    index[name] = {
        "env": env,
        "description": description,
        "size": len(instances),
        **extra,
        "hash": content_hash(instances),
    }
    index_path.write_text(json.dumps(dict(sorted(index.items())), indent=1) + "\n")
