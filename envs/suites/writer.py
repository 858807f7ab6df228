"""Writing a suite file and its index entry (shared by the build scripts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rigorgym.envs.suites import content_hash

OUT = Path(__file__).parent / "data"


def write_suite(
    name: str,
    env: str,
    description: str,
    instances: list[dict[str, Any]],
    out: Path = OUT,
    update_index: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Write ``out/<name>.jsonl`` and its entry of ``out/index.json`` (size and content hash included).

    ``out`` defaults to the package's ``data`` folder; returns the index entry
    (written into ``out/index.json`` unless ``update_index`` is False).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in instances))
    entry = {"env": env, "description": description, "size": len(instances), **extra, "hash": content_hash(instances)}
    if update_index:
        index_path = out / "index.json"
        index = json.loads(index_path.read_text()) if index_path.is_file() else {}
        index[name] = entry
        index_path.write_text(json.dumps(dict(sorted(index.items())), indent=1) + "\n")
    return entry
