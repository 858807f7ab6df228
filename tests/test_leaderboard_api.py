"""The HTTP API in-process (FastAPI TestClient): validation, tokens, limits, verification, ranking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rigorgym.envs.suites import load_suite
from rigorgym.leaderboard.app import create_app
from rigorgym.leaderboard.config import Settings
from rigorgym.leaderboard.store import Store
from rigorgym.verifiers import KERNEL_VERSION

from tests.leaderboard_support import (  # noqa: F401
    SUITE,
    broken,
    db_url,
    padded,
    postgres,
    solved_certificates,
    sqlite_url,
    wait_for,
)

LIMIT = 256 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    url = sqlite_url(tmp_path_factory.mktemp("api"))
    settings = Settings(db_url=url, workers=1, max_body_bytes=LIMIT, rate_limit=6, rate_window_s=60, poll_s=0.2)
    with TestClient(create_app(settings)) as client:
        yield client, client.app.state.store


def _token(store: Store, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {store.create_token(name)}"}


def _body(certs, suite=SUITE, agent="greedy") -> dict:
    return {"suite": suite, "agent": agent, "certificates": certs}


def _verified(client: TestClient, sid: str) -> dict:
    return wait_for(lambda: (e := client.get(f"/api/submissions/{sid}").json())["status"] == "verified" and e)


def test_read_endpoints_and_docs(server) -> None:
    client, _ = server
    suites = client.get("/api/suites").json()
    assert SUITE in {s["name"] for s in suites}
    assert {"name", "env", "size", "hash"} <= set(suites[0])
    assert client.get("/api/leaderboard/no-such-suite").status_code == 404
    assert client.get("/api/submissions/nope").status_code == 404
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/submissions", "/api/suites", "/api/leaderboard/{suite}", "/api/submissions/{sid}"} <= set(paths)


def test_rejections_store_nothing(server) -> None:
    client, store = server
    certs = solved_certificates(3)
    before = store.counts()

    names = iter(range(1000))

    def post(body=None, content=None, hdrs=None):
        hdrs = _token(store, f"eve-{next(names)}") if hdrs is None else hdrs  # a fresh token: no rate limit here
        if content is not None:
            return client.post(
                "/api/submissions", content=content, headers={**hdrs, "Content-Type": "application/json"}
            )
        return client.post("/api/submissions", json=body, headers=hdrs)

    assert post(_body(certs), hdrs={}).status_code == 401
    assert post(_body(certs), hdrs={"Authorization": "Bearer rglb_wrong"}).status_code == 401
    assert post(_body(certs), hdrs={"Authorization": "Basic abc"}).status_code == 401
    assert post(content=b"{not json").status_code == 400
    assert post(content=b"\xff\xfe").status_code == 400
    assert post(content=b"[" * 100_000 + b"]" * 100_000).status_code in (400, 413)
    big = json.dumps(_body(certs, agent="x" * (LIMIT + 10))).encode()
    assert post(content=big).status_code == 413
    # no Content-Length (chunked): the limit holds while reading
    chunks = (big[i : i + 4096] for i in range(0, len(big), 4096))
    assert post(content=chunks).status_code == 413
    answers = {
        "unknown suite": post(_body(certs, suite="no-such-suite")),
        "no instance id": post(_body([{**certs[0], "meta": {}}])),
        "outside the suite": post(_body([{**certs[0], "meta": {"instance_id": "../../etc/passwd"}}])),
        "changed instance": post(_body([{**certs[0], "instance": {"braid": {"strands": 3, "word": [1, -1]}}}])),
        "bool for int": post(
            _body([{**certs[0], "instance": json.loads(json.dumps(certs[0]["instance"]).replace("1", "true", 1))}])
        ),
        "wrong env": post(_body([{**certs[0], "env": "Ribbon-v0"}])),
    }
    answers |= {
        "twice the same instance": post(_body([certs[0], padded(certs[0], 1)])),
        "not objects": post(_body([1, 2])),
        "no certificates": post(_body([])),
        "no agent": post({"suite": SUITE, "certificates": certs}),
        "extra field": post({**_body(certs), "score": 100}),
        "body not an object": post([1]),
        "control characters in agent": post(_body(certs, agent="a\u0000b")),
        "lone surrogate in agent": post(
            content=b'{"suite": "%s", "agent": "\\ud800", "certificates": []}' % SUITE.encode()
        ),
    }
    for what, answer in answers.items():
        assert answer.status_code == 422, (what, answer.text)
        assert answer.json()["detail"], what
    assert "../../etc/passwd" in answers["outside the suite"].json()["detail"]
    assert store.counts() == before
    # what JSON allows but databases do not (NUL, lone surrogates) is stored escaped
    odd = {**padded(certs[0], 3), "meta": {"instance_id": certs[0]["meta"]["instance_id"], "note": "\u0000"}}
    raw = json.dumps(_body([odd])).replace("\\u0000", "\\ud800\\u0000").encode()
    assert post(content=raw).status_code == 202


def test_accept_verify_rank_and_duplicates(server) -> None:
    client, store = server
    headers = _token(store, "frank")
    certs = solved_certificates(4)
    good = client.post("/api/submissions", json=_body(certs, agent="greedy"), headers=headers)
    assert good.status_code == 202, good.text
    sid = good.json()["id"]
    assert client.post("/api/submissions", json=_body(certs, agent="again"), headers=headers).status_code == 409
    # JSON lines in a string are accepted too; one certificate is broken, one carries data that looks like code
    sneaky = {**padded(certs[2], 1), "moves": [{"op": "__import__('os').system('touch /tmp/pwned')"}]}
    lines = "\n".join(json.dumps(c) for c in [padded(certs[0], 2), broken(certs[1]), sneaky])
    worse = client.post("/api/submissions", json=_body(lines, agent="<script>alert(1)</script>"), headers=headers)
    assert worse.status_code == 202, worse.text
    entry = _verified(client, sid)
    assert entry["kernel_version"] == KERNEL_VERSION and entry["suite_hash"] == load_suite(SUITE).hash
    assert entry["solved"] == 4 and entry["total_moves"] == sum(len(c["moves"]) for c in certs)
    assert all(v["valid"] for v in entry["verdicts"])
    other = _verified(client, worse.json()["id"])
    assert [v["valid"] for v in other["verdicts"]] == [True, False, False]
    assert other["solved"] == 1 and not Path("/tmp/pwned").exists()
    board = client.get(f"/api/leaderboard/{SUITE}").json()
    mine = [e for e in board if e["id"] in (sid, other["id"])]
    assert [e["id"] for e in mine] == [sid, other["id"]]
    for key in ("submitter", "agent", "solved", "total_moves", "status", "submitted_at"):
        assert key in mine[0]
    assert mine[0]["submitter"] == "frank" and mine[0]["status"] == "verified"
    page = client.get("/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "<svg" in page and client.get("/").headers["content-security-policy"].startswith("default-src 'none'")
    sub_page = client.get(f"/submissions/{other['id']}").text
    assert sub_page.count('class="ok"') == 1 and sub_page.count('class="bad"') == 2


def test_rate_limit_per_token(server) -> None:
    client, store = server
    headers = _token(store, "grace")
    codes = [client.post("/api/submissions", json=_body([]), headers=headers).status_code for _ in range(7)]
    assert codes == [422] * 6 + [429]
    limited = client.post("/api/submissions", json=_body([]), headers=headers)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert client.post("/api/submissions", json=_body([]), headers=_token(store, "heidi")).status_code == 422


def test_end_to_end_on_each_back_end(db_url: str) -> None:  # noqa: F811
    settings = Settings(db_url=db_url, workers=1, poll_s=0.2)
    with TestClient(create_app(settings)) as client:
        headers = _token(client.app.state.store, "ivan")
        answer = client.post("/api/submissions", json=_body(solved_certificates(2)), headers=headers)
        assert answer.status_code == 202
        assert _verified(client, answer.json()["id"])["solved"] == 2
