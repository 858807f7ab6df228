"""``solve|evaluate|verify --backend ray`` and ``--resume`` on a real two-node Ray cluster on 127.0.0.1 (issue 23).

One cluster per module: a ``ray start --head --block`` and a second ``ray start --address --block``, each a
separate process of one CPU in its own process group; this process joins it once and every command runs
in-process on that connection (its workers stay warm). The cluster is ended by signalling those two process
groups (never ``ray stop``, which would end every Ray on the machine, e.g. test_rllib.py's beside this file).

The instances: four presentations ac-greedy cannot solve in 8,000 expansions (~0.15 s each, long enough to
be killed mid-instance) among eight it solves at once; a count budget, so every run gives the same
certificates.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import bad_input

ray = pytest.importorskip("ray")

from rigorgym.verifiers import verify  # noqa: E402

from rigorgym.cluster import DIE_ENV  # noqa: E402
from tests.ray_support import TwoNodeCluster, free_port, two_node_cluster  # noqa: E402

pytestmark = pytest.mark.slow
ENV = "AndrewsCurtis-v0"
BUDGET = ("--agent", "ac-greedy", "--max-expansions", "8000", "--budget-s", "60")


@pytest.fixture(scope="module")
def booting() -> Iterator[TwoNodeCluster]:
    with two_node_cluster() as started:
        yield started


@pytest.fixture
def cluster(booting: TwoNodeCluster, reference: list[str]) -> TwoNodeCluster:
    return booting.ready()


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rigorgym.envs.suites import load_suite

    hard = list(load_suite("ac-ms-greedy-unsolved").instances)[:4]
    easy = list(load_suite("ac-scramble-30").instances)[:8]
    rows = [easy[0], hard[0], easy[1], easy[2], hard[1], easy[3], easy[4], hard[2], easy[5], easy[6], hard[3], easy[7]]
    path = tmp_path_factory.mktemp("ray") / "mixed.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture(scope="module")
def reference(booting: TwoNodeCluster, instances: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The local backend's certificates."""
    from rigorgym.cli import main

    out = tmp_path_factory.mktemp("local") / "c.jsonl"
    assert main(["solve", ENV, "--instances", str(instances), *BUDGET, "--out", str(out)]) == 0
    return out.read_text().splitlines()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from rigorgym.cli import main

    capsys.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err[-3000:]
    return code, out, err


def _solve(instances: Path, out: Path, *more: str) -> list[str]:
    return ["solve", ENV, "--instances", str(instances), *BUDGET, "--out", str(out), *more]


def _seeds(lines: list[str]) -> list[int]:
    return [json.loads(line)["meta"]["seed"] for line in lines]


# -- the same certificates as the local backend, every one verified ---------------------------------------------


def test_solve_on_the_cluster_gives_the_local_certificates(
    cluster: TwoNodeCluster, instances: Path, reference: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = cluster.address
    out = tmp_path / "c.jsonl"
    code, stdout, _ = _run(capsys, *_solve(instances, out, "--backend", "ray", "--address", address))
    assert code == 0
    assert stdout.startswith(f"solved {len(reference)}/12  median moves")
    lines = out.read_text().splitlines()
    assert lines == reference and len(reference) == 8
    assert all(verify(json.loads(line)).valid for line in lines)
    assert not (tmp_path / "c.jsonl.partial").exists() and not (tmp_path / "c.jsonl.progress").exists()

    code, listing, _ = _run(capsys, "verify", str(out), "--backend", "ray", "--address", address, "--json")
    _, local, _ = _run(capsys, "verify", str(out), "--json")
    assert code == 0 and listing == local

    code, summary, _ = _run(
        capsys, "evaluate", ENV, "--instances", str(instances), *BUDGET, "--backend", "ray", "--json"
    )
    assert code == 0 and json.loads(summary)["solved"] == 8


def test_verify_on_the_cluster_keeps_the_exit_codes(
    cluster: TwoNodeCluster, reference: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = json.loads(reference[0])
    broken["moves"] = broken["moves"][:-1]
    path = tmp_path / "mixed.jsonl"
    path.write_text(reference[1] + "\n" + json.dumps(broken) + "\n")
    code, stdout, err = _run(capsys, "verify", str(path), "--backend", "ray")
    assert code == 1
    assert stdout.splitlines()[0].startswith("VALID ") and stdout.splitlines()[1].startswith("INVALID")
    assert err.strip().endswith("1/2 certificates valid")
    path.write_text('{"format": "rigorgym-certificate/1"}\n')
    assert _run(capsys, "verify", str(path), "--backend", "ray")[0] == 2


def test_the_leaderboard_verifies_on_the_cluster(cluster: TwoNodeCluster, reference: list[str]) -> None:
    from rigorgym.leaderboard.ray_pool import RayVerifierPool

    bodies = [*reference[:3], "{not json", json.dumps({"format": "rigorgym-certificate/1"})]
    with RayVerifierPool(time_limit_s=30, memory_limit_mb=512) as pool:
        verdicts = dict(pool.verify(bodies))
    assert sorted(verdicts) == [0, 1, 2, 3, 4]
    assert [verdicts[k]["valid"] for k in range(5)] == [True, True, True, False, False]
    assert verdicts[4] == verify({"format": "rigorgym-certificate/1"}).to_json()
    assert ray.is_initialized(), "a pool leaves a Ray it did not start"


# -- a worker killed mid-instance ---------------------------------------------------------------------------------


def _raylets(nodes: list[subprocess.Popen[bytes]]) -> list[Any]:
    import psutil

    found = []
    for node in nodes:
        for proc in psutil.Process(node.pid).children(recursive=True):
            try:
                if "raylet" in proc.name():
                    found.append(proc)
            except psutil.Error:
                continue
    return found


def _solving(raylets: list[Any]) -> set[int]:
    """Workers of our raylets that run a solve task now (Ray titles them ray::solve_instance)."""
    import psutil

    found = set()
    for raylet in raylets:
        for proc in raylet.children():
            try:
                if " ".join(proc.cmdline()).startswith("ray::solve_instance"):
                    found.add(proc.pid)
            except psutil.Error:
                continue
    return found


def test_a_worker_killed_mid_instance_is_retried_once(
    cluster: TwoNodeCluster, instances: Path, reference: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raylets = _raylets(cluster.nodes)
    assert len(raylets) == 2
    killed: list[int] = []
    running = threading.Event()

    def kill_one() -> None:  # a worker seen solving twice, 20 ms apart, is mid-instance: kill -9 it
        seen: set[int] = set()
        running.set()
        deadline = time.monotonic() + 20
        while not killed and time.monotonic() < deadline:
            now = _solving(raylets)
            for pid in now & seen:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            seen = now
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one)
    killer.start()
    running.wait()
    out = tmp_path / "c.jsonl"
    code, stdout, err = _run(capsys, *_solve(instances, out, "--backend", "ray"))
    killer.join()
    assert killed, "no worker was caught mid-instance"
    assert code == 0 and stdout.startswith(f"solved {len(reference)}/12"), stdout  # Ray's own words: on stderr
    assert "its worker died" in err and "retrying it once" in err and "recorded as failed" not in err
    assert out.read_text().splitlines() == reference  # each instance once, nothing lost


def test_an_instance_whose_worker_dies_twice_is_recorded_as_failed(
    cluster: TwoNodeCluster,
    instances: Path,
    reference: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DIE_ENV, "2")  # instance 2 (solved locally) ends its worker on every attempt
    out = tmp_path / "c.jsonl"
    code, stdout, err = _run(capsys, *_solve(instances, out, "--backend", "ray"))
    assert code == 0 and stdout.startswith(f"solved {len(reference) - 1}/12")
    assert "instance 2: its worker died" in err and "recorded as failed" in err
    assert out.read_text().splitlines() == [line for line in reference if json.loads(line)["meta"]["seed"] != 2]


# -- interrupt and --resume ---------------------------------------------------------------------------------------


def _interrupt_after(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """Ctrl-C (a KeyboardInterrupt in the main thread, as a user's) once ``count`` outcomes came back.

    Raised by the loop that consumes the backend's outcomes, so where it lands does not depend on the
    machine's load (a timer thread's interrupt raced the run's end on a busy machine)."""
    import rigorgym.cli as cli

    original = cli._outcomes

    def interrupted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for k, outcome in enumerate(original(*args, **kwargs)):
            if k == count:
                raise KeyboardInterrupt
            yield outcome

    monkeypatch.setattr(cli, "_outcomes", interrupted)


@pytest.mark.parametrize("backend", ["ray", "local"])
def test_interrupt_and_resume_solve_no_instance_twice(
    backend: str,
    cluster: TwoNodeCluster,
    instances: Path,
    reference: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "c.jsonl"
    progress = tmp_path / "c.jsonl.progress"
    with monkeypatch.context() as patch:
        _interrupt_after(patch, 5)
        code, _, err = _run(capsys, *_solve(instances, out, "--backend", backend))
    assert code == 130 and "--resume" in err
    recorded = [json.loads(line) for line in progress.read_text().splitlines()[1:]]
    done = len(recorded)
    assert done == 5 and [r["i"] for r in recorded] == list(range(done))
    assert _seeds(out.read_text().splitlines()) == [s for s in _seeds(reference) if s < done]

    # A resumed run that touched an instance already done would fail it (on the cluster) or duplicate it.
    if backend == "ray":
        monkeypatch.setenv(DIE_ENV, ",".join(map(str, range(done))))
    code, stdout, err = _run(capsys, *_solve(instances, out, "--backend", backend, "--resume"))
    assert code == 0, err
    assert f"{done} of 12 instances done" in err
    assert stdout.startswith(f"solved {len(reference)}/12")
    assert out.read_text().splitlines() == reference
    assert not progress.exists() and not (tmp_path / "c.jsonl.partial").exists()


# -- bad input: one line, exit 2, nothing written -------------------------------------------------------------------


def test_an_unreachable_address_is_one_line_before_any_work(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "c.jsonl"
    argv = ["solve", ENV, "--suite", "ac-scramble-30", "--limit", "2", *BUDGET, "--out", str(out)]
    line = bad_input(capsys, *argv, "--backend", "ray", "--address", f"127.0.0.1:{port}")
    assert line.startswith("rigorgym: error: no Ray cluster at 127.0.0.1:") and "ray start --head" in line
    assert "must be auto or HOST:PORT" in bad_input(capsys, *argv, "--backend", "ray", "--address", "nowhere")
    assert "--num-cpus-per-task must be a number of CPUs > 0" in bad_input(
        capsys, *argv, "--backend", "ray", "--num-cpus-per-task", "0"
    )
    assert "--address is for --backend ray" in bad_input(capsys, *argv, "--address", "auto")
    assert "--num-cpus-per-task is for --backend ray" in bad_input(capsys, *argv, "--num-cpus-per-task", "2")
    assert "--memory-limit-mb must be >= 1" in bad_input(capsys, *argv, "--backend", "ray", "--memory-limit-mb", "0")
    assert "exclude each other" in bad_input(capsys, *argv, "--resume", "--force")
    line = bad_input(capsys, "verify", str(out), "--backend", "ray", "--address", f"127.0.0.1:{port}")
    assert line.startswith("rigorgym: error: no Ray cluster")
    assert "--time-limit-s is for --backend ray" in bad_input(capsys, "verify", str(out), "--time-limit-s", "3")
    line = bad_input(
        capsys, "evaluate", ENV, "--suite", "ac-scramble-30", "--compare", "ac-greedy,ac-bfs", "--backend", "ray"
    )
    assert "--backend ray runs one --agent" in line
    assert not list(tmp_path.iterdir())


def test_resume_refuses_another_run_and_a_finished_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "c.jsonl"
    argv = ["solve", ENV, "--suite", "ac-scramble-30", "--limit", "2", *BUDGET, "--out", str(out)]
    (tmp_path / "c.jsonl.progress").write_text(json.dumps({"run": {"env": ENV, "seed": 7}}) + "\n")
    assert "was another run" in bad_input(capsys, *argv, "--resume")
    (tmp_path / "c.jsonl.progress").unlink()
    out.write_text("")
    assert "nothing to resume" in bad_input(capsys, *argv, "--resume")


def test_leaderboard_serve_checks_its_verify_backend(capsys: pytest.CaptureFixture[str]) -> None:
    from rigorgym.cli import main

    assert main(["leaderboard", "serve", "--address", "auto"]) == 2
    assert "--address is for --verify-backend ray" in capsys.readouterr().err
    port = free_port()
    assert main(["leaderboard", "serve", "--verify-backend", "ray", "--address", f"127.0.0.1:{port}"]) == 2
    assert "no Ray cluster at" in capsys.readouterr().err
