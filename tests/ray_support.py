"""A real two-node Ray cluster on 127.0.0.1 for the tests (test_ray_backend.py, test_rllib.py).

Each node is a ``ray start --block`` in its own process group, ended by signalling that group: never
``ray stop``, which would end every Ray on the machine (e.g. another test file's, beside it under xdist).
Token authentication is off for the nodes and the driver (:func:`auth_disabled`): Ray 2.60's
``ray start --address`` does not send the token a head started beside a ~/.ray/auth_token demands.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ray


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ray_start(*args: str, log: Path) -> subprocess.Popen[bytes]:
    exe = shutil.which("ray", path=str(Path(sys.executable).parent)) or "ray"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # RAY_AUTH_MODE: see the fixture
    with log.open("wb") as handle:
        return subprocess.Popen(
            [exe, "start", "--block", "--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats", *args],
            stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip


def until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def end(process: subprocess.Popen[bytes]) -> None:
    """Kill the process group this test started: the node, its GCS and raylet (whose workers then exit)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    process.wait(10)


class TwoNodeCluster:
    """Two nodes booting in the background (while the local reference runs); :meth:`ready` joins them once."""

    def __init__(self, temp: Path) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        head = ("--head", f"--port={self.port}", "--include-dashboard=false", f"--temp-dir={temp}")
        self.nodes = [ray_start(*head, log=temp / "head.log")]
        self.nodes.append(ray_start(f"--address={self.address}", log=temp / "worker.log"))  # it waits for the head

    def ready(self) -> TwoNodeCluster:
        if not ray.is_initialized():
            until(lambda: reachable(self.port) or self.nodes[0].poll() is not None, 60, "the head node")
            ray.init(address=self.address, logging_level="ERROR", log_to_driver=False)
            until(lambda: ray.cluster_resources().get("CPU", 0) >= 2, 60, "two nodes of one CPU")
        return self


def ray_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The ``ray`` command of this interpreter's environment (``RAY_ADDRESS`` left out)."""
    exe = shutil.which("ray", path=str(Path(sys.executable).parent)) or "ray"
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, env=env)


def wait_for_nodes(cluster: TwoNodeCluster, count: int = 2, timeout: float = 90) -> None:
    """Until ``ray status`` lists ``count`` nodes, without joining the cluster from this process (a driver that
    joined and left before the run's own driver joins upset RLlib's actors after an earlier local Ray)."""
    until(lambda: reachable(cluster.port) or cluster.nodes[0].poll() is not None, 60, "the head node")
    until(lambda: ray_cli("status", f"--address={cluster.address}").stdout.count("node_") >= count, timeout, "nodes")


@contextmanager
def auth_disabled() -> Iterator[None]:
    """``RAY_AUTH_MODE=disabled`` in this process (inherited by the nodes it starts), restored afterwards."""
    saved = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = saved


@contextmanager
def two_node_cluster() -> Iterator[TwoNodeCluster]:
    """Two nodes of one CPU, booting in the background; joined by :meth:`TwoNodeCluster.ready`, ended on exit."""
    ray.shutdown()
    temp = Path(tempfile.mkdtemp(prefix="rgray", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    started: TwoNodeCluster | None = None
    with auth_disabled():
        try:
            started = TwoNodeCluster(temp)
            yield started
        finally:
            ray.shutdown()
            for node in reversed(started.nodes if started else []):
                end(node)
            shutil.rmtree(temp, ignore_errors=True)
