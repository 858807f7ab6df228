"""Checking a submission body before anything is stored.

A submission is the JSON object ``{"suite": NAME, "agent": TEXT,
"certificates": [...]}``, the certificates a list of objects or one string of
JSON lines. Every certificate must name an instance of the suite by
``meta.instance_id`` and repeat that instance verbatim (docs/design.md §2.4: the
suite's instance minus its ``id``), compared as canonical JSON so that ``1``
and ``true`` or ``1`` and ``1.0`` never match each other. Anything wrong
refuses the whole submission with a reason; nothing in a certificate is ever
executed, imported or used as a path: it is parsed JSON, compared, and handed
to the kernel as data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from rigorgym.envs.suites import Suite, UnknownSuite, load_suite

MAX_AGENT_CHARS = 200
#: at most this many offending certificates are named in an error message
MAX_LISTED = 5


class Rejected(ValueError):
    """A submission refused before storage; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class CheckedCertificate:
    """One certificate matched to its suite instance, kept as the canonical JSON text to verify."""

    instance_id: str
    body: str
    moves: int


@dataclass(frozen=True)
class Accepted:
    """A submission that passed every check: what the store writes in one transaction."""

    suite: str
    suite_hash: str
    agent: str
    digest: str
    certificates: list[CheckedCertificate]


def canonical(value: Any) -> str:
    """JSON with sorted keys and no spaces: the form in which instances are compared, digests taken and
    certificates stored (ASCII-only, so that lone surrogates and NULs that JSON allows reach no database)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def parse_json(raw: bytes) -> Any:
    """The body as JSON, or :class:`Rejected` 400 (not UTF-8, not JSON, nested too deep, huge numbers)."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Rejected(400, "the body is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise Rejected(400, f"the body is not valid JSON ({str(exc)[:200]})") from None


def _certificate_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):  # JSON lines, as written by `rigorgym solve --out`
        out = []
        for n, line in enumerate(value.splitlines(), start=1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except (ValueError, RecursionError):
                    raise Rejected(400, f"certificates line {n} is not valid JSON") from None
        return out
    raise Rejected(422, "'certificates' must be a list of certificate objects or a string of JSON lines")


def _suite(name: Any) -> Suite:
    if not isinstance(name, str) or not name:
        raise Rejected(422, "'suite' must be the name of a suite (GET /api/suites)")
    try:
        return load_suite(name)
    except UnknownSuite as exc:
        raise Rejected(422, str(exc)) from None


def _check_one(cert: Any, position: int, suite: Suite, by_id: dict[str, str]) -> CheckedCertificate | str:
    """The checked certificate, or why it does not belong to the suite."""
    where = f"certificate {position}"
    if not isinstance(cert, dict):
        return f"{where}: not a JSON object"
    meta = cert.get("meta")
    instance_id = meta.get("instance_id") if isinstance(meta, dict) else None
    if not isinstance(instance_id, str):
        return f"{where}: no meta.instance_id naming an instance of {suite.name}"
    shown = json.dumps(instance_id[:80])
    if instance_id not in by_id:
        return f"{where}: instance {shown} is not in suite {suite.name}"
    if cert.get("env") != suite.env:
        return f"{where}: env must be {suite.env!r} for suite {suite.name}"
    if not isinstance(cert.get("instance"), dict) or canonical(cert["instance"]) != by_id[instance_id]:
        return f"{where}: its instance differs from {shown} of {suite.name} (repeat it verbatim, without 'id')"
    moves = cert.get("moves")
    return CheckedCertificate(instance_id, canonical(cert), len(moves) if isinstance(moves, list) else 0)


def digest_of(suite: str, certificates: list[Any]) -> str:
    """What makes two submissions the same: the suite and, per instance, the claim and the moves (not ``meta``)."""
    proofs = sorted(
        (c["meta"]["instance_id"], canonical(c.get("claim")), canonical(c.get("moves"))) for c in certificates
    )
    return hashlib.sha256(canonical([suite, proofs]).encode()).hexdigest()


def _printable(text: str) -> bool:
    """Printable and valid UTF-8 (no control characters, no lone surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return text.isprintable()


def check_submission(body: Any, max_certificates: int) -> Accepted:
    """Accept a parsed body or raise :class:`Rejected` with the first reasons (at most :data:`MAX_LISTED`)."""
    if not isinstance(body, dict):
        raise Rejected(422, "the body must be a JSON object {suite, agent, certificates}")
    extra = set(body) - {"suite", "agent", "certificates"}
    if extra:
        raise Rejected(422, f"unknown field(s): {', '.join(sorted(repr(k)[:40] for k in extra))}")
    agent = body.get("agent")
    if not isinstance(agent, str) or not agent.strip() or len(agent) > MAX_AGENT_CHARS or not _printable(agent):
        raise Rejected(
            422, f"'agent' must be a non-empty, printable description of at most {MAX_AGENT_CHARS} characters"
        )
    suite = _suite(body.get("suite"))
    certificates = _certificate_list(body.get("certificates"))
    if not certificates:
        raise Rejected(422, "a submission needs at least one certificate")
    if len(certificates) > min(max_certificates, len(suite)):
        raise Rejected(422, f"{len(certificates)} certificates for a suite of {len(suite)} instances")
    by_id = {x["id"]: canonical({k: v for k, v in x.items() if k != "id"}) for x in suite.instances}
    checked: list[CheckedCertificate] = []
    problems: list[str] = []
    seen: set[str] = set()
    for position, cert in enumerate(certificates):
        result = _check_one(cert, position, suite, by_id)
        if isinstance(result, str):
            problems.append(result)
        elif result.instance_id in seen:
            problems.append(f"certificate {position}: a second certificate for {json.dumps(result.instance_id)}")
        else:
            seen.add(result.instance_id)
            checked.append(result)
    if problems:
        more = f" (and {len(problems) - MAX_LISTED} more)" if len(problems) > MAX_LISTED else ""
        raise Rejected(422, "; ".join(problems[:MAX_LISTED]) + more)
    return Accepted(suite.name, suite.hash, agent.strip(), digest_of(suite.name, certificates), checked)
