"""An mkdocs hook: lay out the package's sources for the API reference.

The installed package ``rigorgym`` maps its subpackages onto folders at the
repository root (``verifiers/`` is ``rigorgym.verifiers``, and so on; see
``[tool.setuptools] package-dir`` in pyproject.toml). mkdocstrings reads
source statically (griffe), without importing it, and looks for
``rigorgym/verifiers/``; this hook copies the Python files into
``build/api-src/rigorgym/...`` in that shape before each build. Nothing is
imported and nothing is downloaded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "build" / "api-src" / "rigorgym"
SUBPACKAGES = {
    "verifiers": "verifiers",
    "envs": "envs",
    "agents": "agents",
    "leaderboard": "leaderboard",
    "fieldtheory": "fieldtheory",
    "metricflow": "metricflow",
}


def _python_only(folder: str, names: list[str]) -> set[str]:
    base = Path(folder)
    return {n for n in names if not (base / n).is_dir() and not n.endswith(".py") or n == "__pycache__"}


@event_priority(100)  # before mkdocstrings sets up its handler
def on_config(config: MkDocsConfig, **kwargs: object) -> MkDocsConfig:
    """Copy the sources into ``build/api-src`` before mkdocstrings looks for them."""
    if TARGET.exists():
        shutil.rmtree(TARGET)
    shutil.copytree(ROOT / "rigorgym", TARGET, ignore=_python_only)
    for name, folder in SUBPACKAGES.items():
        shutil.copytree(ROOT / folder, TARGET / name, ignore=_python_only)
    return config
