"""The verifier pool: verdicts, the per-certificate time and memory limits, and worker replacement."""

from __future__ import annotations

import json

from rigorgym.leaderboard.pool import VerifierPool

from tests.leaderboard_support import broken, solved_certificates


def test_verdicts_and_memory_limit() -> None:
    certs = solved_certificates(3)
    bodies = [json.dumps(c) for c in certs] + [json.dumps(broken(certs[0]))]
    # 64 MB of JSON string: parsing it in the worker needs more than the 16 MB allowance
    huge = json.dumps({**certs[0], "meta": {"blob": "x" * (64 * 1024 * 1024)}})
    with VerifierPool(workers=1, time_limit_s=30, memory_limit_mb=16) as pool:
        out = dict(pool.verify([*bodies, huge, bodies[0]]))
    assert [out[i]["valid"] for i in range(4)] == [True, True, True, False]
    assert out[3]["reason"].startswith("move 0:")
    assert not out[4]["valid"] and "memory" in out[4]["reason"]
    assert out[5]["valid"]  # the worker survived, or was replaced


def test_time_limit_kills_and_replaces_the_worker() -> None:
    certs = [json.dumps(c) for c in solved_certificates(2)]
    with VerifierPool(workers=1, time_limit_s=0.3, delay_s=5.0) as pool:
        first = pool._slots[0].process
        out = dict(pool.verify(certs[:1]))
        assert "time limit" in out[0]["reason"] and not out[0]["valid"]
        assert not first.is_alive() and pool._slots[0].process is not first
