"""The HTTP API and the web pages (FastAPI; OpenAPI docs at ``/docs``).

``POST /api/submissions`` checks, in order and before reading more than it
must: the bearer token (401), the token's rate limit (429), the declared and
the actual body size (413), JSON (400), the submission itself (422: unknown
suite, certificates outside the suite, ...), duplicates (409). Only then is
anything stored, in one transaction, and the answer is 202 with the id: the
score comes later, from the server's own verification.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from rigorgym.envs.suites import list_suites, suite_info
from rigorgym.verifiers import KERNEL_VERSION
from starlette.concurrency import run_in_threadpool

from . import web
from .config import Settings
from .intake import Rejected, check_submission, parse_json
from .ratelimit import RateLimiter
from .store import Duplicate, Store, Submitter
from .verifier import Verifier

log = logging.getLogger("rigorgym.leaderboard")

SUBMISSION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["suite", "agent", "certificates"],
    "additionalProperties": False,
    "properties": {
        "suite": {"type": "string", "description": "a suite name from GET /api/suites", "example": "unknot-random-L10"},
        "agent": {"type": "string", "maxLength": 200, "description": "a description of the agent"},
        "certificates": {
            "description": "certificates (docs/design.md §2.4), each with meta.instance_id: a list of objects or a string of JSON lines",
            "oneOf": [{"type": "array", "items": {"type": "object"}}, {"type": "string"}],
        },
    },
}


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": reason}, status_code=status, headers=headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The server for ``settings`` (the database is migrated and the verifier started on startup)."""
    settings = settings or Settings()
    store = Store(settings.db_url)
    limiter = RateLimiter(settings.rate_limit, settings.rate_window_s)
    verifier = Verifier(store, settings) if settings.verify else None
    intake = asyncio.Semaphore(max(1, settings.max_concurrent_intake))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(store.migrate)
        if verifier is not None:
            await run_in_threadpool(verifier.start)
        try:
            yield
        finally:
            if verifier is not None:
                await run_in_threadpool(verifier.stop)
            store.close()

    app = FastAPI(
        title="rigorgym leaderboard",
        version=KERNEL_VERSION,
        description="Certificates for frozen suites, re-verified by the server with the pinned kernel.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.settings = settings
    app.state.verifier = verifier

    async def _submitter(request: Request) -> Submitter | JSONResponse:
        scheme, _, secret = request.headers.get("authorization", "").partition(" ")
        challenge = {"WWW-Authenticate": "Bearer"}
        if scheme.lower() != "bearer" or not secret.strip():
            return _error(401, "missing bearer token (Authorization: Bearer <token>)", challenge)
        who = await run_in_threadpool(store.submitter, secret.strip())
        if who is None:
            return _error(401, "unknown or revoked token", challenge)
        return who

    async def _read_body(request: Request) -> bytes | JSONResponse:
        limit = settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                return _error(400, "bad Content-Length")
            if int(declared) > limit:
                return _error(413, f"the body of {declared} bytes exceeds the limit of {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return _error(413, f"the body exceeds the limit of {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _accept(raw: bytes, who: Submitter) -> dict[str, Any]:
        try:
            accepted = check_submission(parse_json(raw), settings.max_certificates)
        except RecursionError:
            raise Rejected(400, "the body nests too deeply") from None
        sid = store.add_submission(accepted, who, KERNEL_VERSION)
        return {
            "id": sid,
            "status": "pending",
            "suite": accepted.suite,
            "certificates": len(accepted.certificates),
            "url": f"/api/submissions/{sid}",
            "page": f"/submissions/{sid}",
        }

    @app.post(
        "/api/submissions",
        status_code=202,
        summary="submit certificates for a suite (bearer token)",
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": SUBMISSION_SCHEMA}}}
        },
        responses={
            400: {"description": "not JSON"},
            401: {"description": "missing, unknown or revoked token"},
            409: {"description": "the same proofs were already submitted for this suite"},
            413: {"description": "body over the size limit"},
            422: {"description": "unknown suite, certificates outside the suite, bad fields"},
            429: {"description": "rate limit of the token"},
        },
    )
    async def submit(request: Request) -> Any:
        who = await _submitter(request)
        if isinstance(who, JSONResponse):
            return who
        wait_s = limiter.allow(str(who.token_id))
        if wait_s:
            return _error(
                429,
                f"rate limit: {settings.rate_limit} submissions per {settings.rate_window_s:g} s",
                {"Retry-After": str(int(wait_s) + 1)},
            )
        async with intake:  # a burst of 20 MB bodies is read and parsed a few at a time
            raw = await _read_body(request)
            if isinstance(raw, JSONResponse):
                return raw
            try:
                answer = await run_in_threadpool(_accept, raw, who)
            except Rejected as exc:
                return _error(exc.status, exc.reason)
            except Duplicate:
                return _error(409, "duplicate: these proofs were already submitted for this suite")
        if verifier is not None:
            verifier.wake()
        return JSONResponse(answer, status_code=202)

    @app.get("/api/suites", summary="the suites one can submit to")
    def suites() -> list[dict[str, Any]]:
        counts = store.suites_with_submissions()
        out = []
        for name in list_suites():
            info = suite_info(name)
            out.append(
                {
                    "name": name,
                    "env": info["env"],
                    "size": info["size"],
                    "hash": info["hash"],
                    "description": info["description"],
                    "submissions": counts.get(name, 0),
                }
            )
        return out

    @app.get("/api/leaderboard/{suite}", summary="ranked submissions of a suite")
    def leaderboard(suite: str, limit: int = 10_000) -> list[dict[str, Any]]:
        if suite not in list_suites():
            raise HTTPException(404, f"unknown suite {suite!r}")
        return store.leaderboard(suite)[: max(0, limit)]

    @app.get("/api/submissions/{sid}", summary="status, score and per-instance verdicts of a submission")
    def submission(sid: str) -> dict[str, Any]:
        entry = store.submission(sid) if len(sid) <= 64 else None
        if entry is None:
            raise HTTPException(404, "no such submission")
        return entry

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, Any]:
        return {"ok": True, "kernel_version": KERNEL_VERSION, **store.counts()}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return web.page(web.index_body(store))

    @app.get("/submissions/{sid}", response_class=HTMLResponse, include_in_schema=False)
    def submission_page(sid: str) -> HTMLResponse:
        entry = store.submission(sid) if len(sid) <= 64 else None
        if entry is None:
            return web.page(web.not_found("no such submission"), status=404)
        return web.page(web.submission_body(entry))

    return app
