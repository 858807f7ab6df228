"""Storage on both back ends: migrations, tokens, atomic submissions, verdicts, ranking, concurrency."""

from __future__ import annotations

import threading

import pytest
from rigorgym.leaderboard.intake import check_submission
from rigorgym.leaderboard.models import Base
from rigorgym.leaderboard.store import Duplicate, NameTaken, Store, Work, migrate
from sqlalchemy import inspect, text

from tests.leaderboard_support import SUITE, db_url, padded, postgres, solved_certificates  # noqa: F401

TABLES = {"tokens", "submissions", "certificates", "alembic_version"}


@pytest.fixture
def store(db_url: str):  # noqa: F811
    s = Store(db_url)
    s.migrate()
    yield s
    s.close()


def _accepted(certs, agent="a"):
    return check_submission({"suite": SUITE, "agent": agent, "certificates": certs}, 10_000)


def test_migrations_match_the_models_and_go_both_ways(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    assert TABLES <= set(inspect(store.engine).get_table_names())
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    store.migrate()  # idempotent
    migrate(store.engine, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    store.migrate()
    assert TABLES <= set(inspect(store.engine).get_table_names())


def test_tokens_store_only_a_hash(store: Store) -> None:
    secret = store.create_token("alice")
    who = store.submitter(secret)
    assert who is not None and who.name == "alice"
    assert store.submitter(secret + "x") is None
    with store.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM tokens")) for v in row)
    assert secret not in dump and secret[5:] not in dump
    with pytest.raises(NameTaken):
        store.create_token("alice")
    assert store.revoke_token("alice") and store.submitter(secret) is None
    assert not store.revoke_token("nobody")


def test_submission_is_atomic_and_duplicates_are_refused(store: Store) -> None:
    who = store.submitter(store.create_token("bob"))
    certs = solved_certificates(3)
    sid = store.add_submission(_accepted(certs), who, "k")
    assert store.counts() == {"submissions": 1, "certificates": 3, "pending": 1}
    with pytest.raises(Duplicate):
        store.add_submission(_accepted(certs, agent="other name, same proofs"), who, "k")
    # a failure half-way (the second certificate row violates a constraint) leaves nothing behind
    bad = _accepted([padded(certs[0], 1), padded(certs[1], 1)])
    bad.certificates[1] = bad.certificates[0]
    with pytest.raises(Exception):  # noqa: B017 - an IntegrityError of either driver
        store.add_submission(bad, who, "k")
    assert store.counts() == {"submissions": 1, "certificates": 3, "pending": 1}
    assert store.submission(sid)["certificates"] == 3


def test_verdicts_finish_a_submission_once_and_rank(store: Store) -> None:
    who = store.submitter(store.create_token("carol"))
    certs = solved_certificates(3)
    first = store.add_submission(_accepted(certs), who, "k")
    second = store.add_submission(_accepted([padded(c, 1) for c in certs]), who, "k")
    third = store.add_submission(_accepted(certs[:2]), who, "k")
    work = store.pending_work(100)
    assert [w.submission_id for w in work] == [first] * 3 + [second] * 3 + [third] * 2
    ok = {"valid": True, "reason": "ok", "moves_checked": 1, "malformed": False}
    assert store.record_verdicts([(work[0], ok), (work[1], ok)], "k1") == []
    assert store.submission(first)["status"] == "pending"
    finished = store.record_verdicts([(w, ok) for w in work[2:]], "k1")
    assert sorted(finished) == sorted([first, second, third])
    # a second verdict for the same row is ignored (resumed or duplicated verification)
    no = {"valid": False, "reason": "no", "moves_checked": 0, "malformed": False}
    assert store.record_verdicts([(work[0], no)], "k2") == []
    assert store.submission(first)["verdicts"][0]["valid"] is True
    board = store.leaderboard(SUITE)
    assert [e["id"] for e in board] == [first, second, third]  # solved, then fewer moves, then earlier
    assert [e["rank"] for e in board] == [1, 2, 3]
    assert board[0]["total_moves"] == sum(len(c["moves"]) for c in certs)
    assert board[1]["total_moves"] == board[0]["total_moves"] + 6
    assert store.pending_work(10) == []
    assert isinstance(work[0], Work)


def test_concurrent_submissions_are_each_stored_once(store: Store) -> None:
    who = store.submitter(store.create_token("dave"))
    certs = solved_certificates(4)
    ids: list[str] = []
    errors: list[BaseException] = []

    def one(k: int) -> None:
        try:
            ids.append(store.add_submission(_accepted([padded(c, k + 1) for c in certs]), who, "k"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(ids)) == 8
    assert store.counts() == {"submissions": 8, "certificates": 32, "pending": 8}
