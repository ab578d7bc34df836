"""--ray: the same work units as Ray tasks on a local head (127.0.0.1) give what one
process gives.  Skipped, saying so, where Ray is not installed (``make test-ray``
installs it: ``pip install 'smpcheck[ray]'``)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smpcheck._rt.loader import load_model
from smpcheck.explore.explorer import Settings
from smpcheck.explore.verify import verify
from tests.test_parallel import summary

# Ray takes the node's own address for 127.0.0.1 unless told it is not a cluster: keep
# every Ray process on the loopback address (set before Ray is imported).
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
ray = pytest.importorskip("ray", reason="Ray is not installed: make test-ray (or pip install "
                          "'smpcheck[ray]') runs this test")
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def head() -> Iterator[str]:
    """A Ray head on 127.0.0.1 of its own, stopped with its process group."""
    exe = shutil.which("ray", path=str(Path(sys.executable).parent)) or "ray"
    port = _free_port()
    proc = subprocess.Popen(
        [exe, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}",
         "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"})
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                ray.init(address=address, log_to_driver=False, configure_logging=False)
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(1)
        yield address
    finally:
        ray.shutdown()
        _stop_group(proc.pid)
        proc.wait(timeout=30)


def _stop_group(pgid: int) -> None:
    """End the head's process group (its own: started in a new session)."""
    os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.5)
    os.killpg(pgid, signal.SIGKILL)


def test_ray_tasks_match_one_process(head: str) -> None:
    model, names = load_model(str(ROOT / "examples" / "peterson.py"))
    for mm, all_violations in (("tso", True), ("sc", False)):
        s = Settings(all_violations=all_violations)
        one = summary(verify(model, names, mm, s))
        on_ray = verify(model, names, mm, Settings(all_violations=all_violations, ray=head,
                                                   split_depth=3))
        assert summary(on_ray) == one
