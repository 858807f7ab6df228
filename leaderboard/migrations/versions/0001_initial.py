"""The initial schema: tokens, submissions, certificates.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("suite", sa.String(200), nullable=False),
        sa.Column("suite_hash", sa.String(80), nullable=False),
        sa.Column("kernel_version", sa.String(200), nullable=False),
        sa.Column("token_id", sa.Integer(), sa.ForeignKey("tokens.id"), nullable=False),
        sa.Column("submitter", sa.String(100), nullable=False),
        sa.Column("agent", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("n_certificates", sa.Integer(), nullable=False),
        sa.Column("solved", sa.Integer(), nullable=True),
        sa.Column("total_moves", sa.Integer(), nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.UniqueConstraint("digest"),
    )
    op.create_index("ix_submissions_suite", "submissions", ["suite"])
    op.create_index("ix_submissions_status", "submissions", ["status"])
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("submission_id", sa.String(32), sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=True),
        sa.Column("malformed", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("moves_checked", sa.Integer(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("submission_id", "instance_id", name="uq_certificates_submission_instance"),
    )
    op.create_index("ix_certificates_pending", "certificates", ["submission_id", "valid"])


def downgrade() -> None:
    op.drop_index("ix_certificates_pending", table_name="certificates")
    op.drop_table("certificates")
    op.drop_index("ix_submissions_status", table_name="submissions")
    op.drop_index("ix_submissions_suite", table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("tokens")
