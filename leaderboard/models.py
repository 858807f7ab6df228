"""The schema: tokens, submissions and one row per submitted certificate (its verdict once verified).

The migrations in ``migrations/versions`` create exactly this schema; a test
compares the two so that they cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Token(Base):
    """A submitter's bearer token: only the SHA-256 of the secret is stored."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Submission(Base):
    """One accepted submission; ``status`` is ``pending`` until every certificate has a verdict.

    ``solved`` and ``total_moves`` are written once, by the transaction that
    stores the last verdict, from the stored verdicts (never from the body).
    ``digest`` identifies the proofs (suite, instance ids, claims, moves): a
    second submission of the same proofs is refused.
    """

    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    suite: Mapped[str] = mapped_column(String(200), index=True)
    suite_hash: Mapped[str] = mapped_column(String(80))
    kernel_version: Mapped[str] = mapped_column(String(200))
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"))
    submitter: Mapped[str] = mapped_column(String(100))
    agent: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    n_certificates: Mapped[int] = mapped_column(Integer)
    solved: Mapped[int | None] = mapped_column(Integer, nullable=True)
    total_moves: Mapped[int | None] = mapped_column(Integer, nullable=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)


class Certificate(Base):
    """A submitted certificate (stored as the JSON text received) and, once verified, its verdict."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("submission_id", "instance_id", name="uq_certificates_submission_instance"),
        Index("ix_certificates_pending", "submission_id", "valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    instance_id: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    moves: Mapped[int] = mapped_column(Integer)
    valid: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    malformed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    moves_checked: Mapped[int | None] = mapped_column(Integer, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
