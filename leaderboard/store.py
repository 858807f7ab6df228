"""All database access: one class, so that SQLite and PostgreSQL behave the same to the rest of the server.

Crash safety comes from transactions: a submission and all its certificates
are inserted in one transaction (a kill -9 leaves all or nothing), each batch
of verdicts is written in one transaction together with the submission's
final score when it is the last, and a verdict is only written over a row
that has none (so a verifier that resumes after a crash, or a second one,
cannot write twice). On SQLite, write transactions take the write lock at
``BEGIN IMMEDIATE`` so that concurrent writers queue on the busy timeout
instead of failing on a lock upgrade.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .intake import Accepted
from .models import Certificate, Submission, Token

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
TOKEN_PREFIX = "rglb_"


class Duplicate(Exception):
    """The same proofs were already submitted for this suite."""


class NameTaken(Exception):
    """A token name that is already in use."""


@dataclass(frozen=True)
class Submitter:
    """Who a valid token belongs to."""

    token_id: int
    name: str


@dataclass(frozen=True)
class Work:
    """A certificate that still needs a verdict."""

    row_id: int
    submission_id: str
    body: str


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (the driver installed with the leaderboard extra)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def now() -> datetime:
    """Naive UTC (both back ends store it the same way)."""
    return datetime.now(UTC).replace(tzinfo=None)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout, foreign keys and explicit transactions."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, emits BEGIN (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable across a process crash (kill -9), not power loss
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("rigorgym_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with alembic (idempotent; the server does it on start)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if revision == "base":
            command.downgrade(config, "base")
        else:
            command.upgrade(config, revision)


class Store:
    """The leaderboard's database."""

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url)
        self._writer = self.engine.execution_options(rigorgym_write=True)

    def migrate(self) -> None:
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with Session(self._writer) as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            yield session

    # -- tokens ---------------------------------------------------------------------

    def create_token(self, name: str) -> str:
        """A new secret for ``name``; only its hash is stored, so it is shown once."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        try:
            with self._write() as session:
                session.add(Token(name=name, token_hash=hash_token(secret), created_at=now(), revoked=False))
        except IntegrityError:
            raise NameTaken(name) from None
        return secret

    def revoke_token(self, name: str) -> bool:
        with self._write() as session:
            done = session.execute(update(Token).where(Token.name == name).values(revoked=True))
            return bool(done.rowcount)

    def tokens(self) -> list[dict[str, Any]]:
        with self._read() as session:
            rows = session.execute(select(Token.name, Token.created_at, Token.revoked).order_by(Token.id)).all()
        return [{"name": r.name, "created_at": r.created_at.isoformat(), "revoked": r.revoked} for r in rows]

    def submitter(self, secret: str) -> Submitter | None:
        """The owner of a bearer token, or None (unknown or revoked)."""
        with self._read() as session:
            row = session.execute(
                select(Token.id, Token.name).where(Token.token_hash == hash_token(secret), Token.revoked.is_(False))
            ).first()
        return Submitter(row.id, row.name) if row else None

    # -- submissions ----------------------------------------------------------------

    def add_submission(self, accepted: Accepted, who: Submitter, kernel_version: str) -> str:
        """Store a submission and all its certificates in one transaction; its id."""
        sid = uuid.uuid4().hex
        try:
            with self._write() as session:
                session.add(
                    Submission(
                        id=sid,
                        suite=accepted.suite,
                        suite_hash=accepted.suite_hash,
                        kernel_version=kernel_version,
                        token_id=who.token_id,
                        submitter=who.name,
                        agent=accepted.agent,
                        status="pending",
                        submitted_at=now(),
                        n_certificates=len(accepted.certificates),
                        digest=accepted.digest,
                    )
                )
                session.flush()  # the parent row first: the certificates reference it
                session.add_all(
                    Certificate(submission_id=sid, position=i, instance_id=c.instance_id, body=c.body, moves=c.moves)
                    for i, c in enumerate(accepted.certificates)
                )
        except IntegrityError as exc:
            if "digest" in str(exc.orig).lower():
                raise Duplicate(accepted.suite) from None
            raise
        return sid

    def pending_work(self, limit: int) -> list[Work]:
        """Certificates without a verdict, oldest submission first."""
        with self._read() as session:
            rows = session.execute(
                select(Certificate.id, Certificate.submission_id, Certificate.body)
                .join(Submission, Submission.id == Certificate.submission_id)
                .where(Submission.status == "pending", Certificate.valid.is_(None))
                .order_by(Submission.submitted_at, Submission.id, Certificate.position)
                .limit(limit)
            ).all()
        return [Work(r.id, r.submission_id, r.body) for r in rows]

    def record_verdicts(self, verdicts: list[tuple[Work, dict[str, Any]]], kernel_version: str) -> list[str]:
        """Write verdicts (only over rows that have none) and finish the submissions they complete; those ids."""
        finished: list[str] = []
        stamp = now()
        with self._write() as session:
            for work, verdict in verdicts:
                session.execute(
                    update(Certificate)
                    .where(Certificate.id == work.row_id, Certificate.valid.is_(None))
                    .values(
                        valid=bool(verdict["valid"]),
                        malformed=bool(verdict.get("malformed", False)),
                        reason=str(verdict["reason"])[:2000],
                        moves_checked=int(verdict["moves_checked"]),
                        verified_at=stamp,
                    )
                )
            for sid in sorted({work.submission_id for work, _ in verdicts}):
                if self._finish(session, sid, kernel_version, stamp):
                    finished.append(sid)
        return finished

    @staticmethod
    def _finish(session: Session, sid: str, kernel_version: str, stamp: datetime) -> bool:
        left = session.scalar(select(func.count()).where(Certificate.submission_id == sid, Certificate.valid.is_(None)))
        if left:
            return False
        solved, moves = session.execute(
            select(func.count(), func.coalesce(func.sum(Certificate.moves), 0)).where(
                Certificate.submission_id == sid, Certificate.valid.is_(True)
            )
        ).one()
        done = session.execute(
            update(Submission)
            .where(Submission.id == sid, Submission.status == "pending")
            .values(
                status="verified",
                solved=int(solved),
                total_moves=int(moves),
                verified_at=stamp,
                kernel_version=kernel_version,
            )
        )
        return bool(done.rowcount)

    # -- reading --------------------------------------------------------------------

    @staticmethod
    def _entry(s: Submission) -> dict[str, Any]:
        return {
            "id": s.id,
            "suite": s.suite,
            "suite_hash": s.suite_hash,
            "kernel_version": s.kernel_version,
            "submitter": s.submitter,
            "agent": s.agent,
            "status": s.status,
            "certificates": s.n_certificates,
            "solved": s.solved,
            "total_moves": s.total_moves,
            "submitted_at": s.submitted_at.isoformat() + "Z",
            "verified_at": s.verified_at.isoformat() + "Z" if s.verified_at else None,
        }

    def leaderboard(self, suite: str) -> list[dict[str, Any]]:
        """Verified submissions ranked (solved, then fewest total moves, then earliest), pending ones after."""
        with self._read() as session:
            rows = session.scalars(
                select(Submission)
                .where(Submission.suite == suite)
                .order_by(
                    (Submission.status == "verified").desc(),
                    Submission.solved.desc(),
                    Submission.total_moves.asc(),
                    Submission.submitted_at.asc(),
                    Submission.id,
                )
            ).all()
            entries = [self._entry(s) for s in rows]
        rank = 0
        for entry in entries:
            if entry["status"] == "verified":
                rank += 1
                entry["rank"] = rank
            else:
                entry["rank"] = None
        return entries

    def suites_with_submissions(self) -> dict[str, int]:
        with self._read() as session:
            rows = session.execute(select(Submission.suite, func.count()).group_by(Submission.suite)).all()
        return {r[0]: int(r[1]) for r in rows}

    def submission(self, sid: str) -> dict[str, Any] | None:
        """A submission with its per-instance verdicts (None if there is no such id)."""
        with self._read() as session:
            s = session.get(Submission, sid)
            if s is None:
                return None
            entry = self._entry(s)
            rows = session.execute(
                select(
                    Certificate.instance_id,
                    Certificate.valid,
                    Certificate.malformed,
                    Certificate.reason,
                    Certificate.moves,
                    Certificate.moves_checked,
                )
                .where(Certificate.submission_id == sid)
                .order_by(Certificate.position)
            ).all()
        entry["verdicts"] = [
            {
                "instance_id": r.instance_id,
                "valid": r.valid,
                "malformed": r.malformed,
                "reason": r.reason,
                "moves": r.moves,
                "moves_checked": r.moves_checked,
            }
            for r in rows
        ]
        return entry

    def solved_instances(self, suite: str) -> dict[str, set[str]]:
        """Per verified submission of a suite, the instance ids it solved (for the plots)."""
        with self._read() as session:
            rows = session.execute(
                select(Certificate.submission_id, Certificate.instance_id)
                .join(Submission, Submission.id == Certificate.submission_id)
                .where(Submission.suite == suite, Submission.status == "verified", Certificate.valid.is_(True))
            ).all()
        out: dict[str, set[str]] = {}
        for sid, iid in rows:
            out.setdefault(sid, set()).add(iid)
        return out

    def counts(self) -> dict[str, int]:
        """Row counts (for tests and the load benchmark's exactly-once check)."""
        with self._read() as session:
            return {
                "submissions": int(session.scalar(select(func.count()).select_from(Submission)) or 0),
                "certificates": int(session.scalar(select(func.count()).select_from(Certificate)) or 0),
                "pending": int(
                    session.scalar(select(func.count()).select_from(Submission).where(Submission.status == "pending"))
                    or 0
                ),
            }
