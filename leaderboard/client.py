"""A small HTTP client for the API (used by ``rigorgym leaderboard submit``, the demo and the load benchmark)."""

from __future__ import annotations

import time
from typing import Any

import httpx


class SubmitError(Exception):
    """The server refused a request (``status`` is the HTTP status, 0 if it could not be reached)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}" if status else detail)
        self.status = status
        self.detail = detail


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail or response.text[:500] or response.reason_phrase)


def submit(
    server: str, token: str, suite: str, agent: str, certificates: list[Any], timeout_s: float = 120.0
) -> dict[str, Any]:
    """POST the certificates; the server's answer (``id``, ``status`` pending) or :class:`SubmitError`."""
    body = {"suite": suite, "agent": agent, "certificates": certificates}
    try:
        response = httpx.post(
            server.rstrip("/") + "/api/submissions",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        raise SubmitError(0, f"cannot reach {server}: {exc}") from None
    if response.status_code != 202:
        raise SubmitError(response.status_code, _detail(response))
    return response.json()


def get_submission(server: str, sid: str, timeout_s: float = 30.0) -> dict[str, Any]:
    try:
        response = httpx.get(f"{server.rstrip('/')}/api/submissions/{sid}", timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise SubmitError(0, f"cannot reach {server}: {exc}") from None
    if response.status_code != 200:
        raise SubmitError(response.status_code, _detail(response))
    return response.json()


def wait_verified(server: str, sid: str, timeout_s: float = 600.0, poll_s: float = 0.25) -> dict[str, Any]:
    """Poll until the submission is verified; the submission, or :class:`SubmitError` on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        entry = get_submission(server, sid)
        if entry["status"] == "verified":
            return entry
        if time.monotonic() > deadline:
            raise SubmitError(0, f"submission {sid} not verified after {timeout_s:g} s (still {entry['status']})")
        time.sleep(poll_s)


def leaderboard(server: str, suite: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.rstrip('/')}/api/leaderboard/{suite}", timeout=30.0)
    if response.status_code != 200:
        raise SubmitError(response.status_code, _detail(response))
    return response.json()
