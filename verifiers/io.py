"""Reading certificate files safely: a size limit, one JSON object or JSON lines."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class UnreadableInput(ValueError):
    """A file that cannot be read as certificates (missing, too large, not JSON)."""


@dataclass(frozen=True)
class Entry:
    """One certificate read from a file, with where it came from."""

    where: str
    certificate: Any


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; so are huge ints
        raise UnreadableInput(f"{where}: not valid JSON ({exc})") from None


def read_certificates(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Entry]:
    """Read one certificate (a JSON object) or many (one per line, JSONL) from ``path`` (``-``: stdin).

    An empty file (nothing but whitespace) holds no certificates: ``rigorgym
    solve`` writes one when it solves nothing, an honest result.
    """
    try:
        if path == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
            path = "<stdin>"
        else:
            size = os.stat(path).st_size
            if size > max_bytes:
                raise UnreadableInput(f"{path}: {size} bytes exceed the limit of {max_bytes}")
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise UnreadableInput(f"{path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise UnreadableInput(f"{path}: more than {max_bytes} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableInput(f"{path}: not UTF-8 text") from None
    stripped = text.strip()
    if not stripped:
        return []
    try:
        return [Entry(path, json.loads(stripped))]
    except (ValueError, RecursionError):
        pass  # not a single JSON document: read it as JSON lines
    return [
        Entry(f"{path}:{n}", _loads(line, f"{path}:{n}"))
        for n, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
