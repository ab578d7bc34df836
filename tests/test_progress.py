"""Progress on long commands: on stderr, only when stderr is a terminal, and never a
change to what the command prints on stdout."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need_lkmm

REPO = Path(__file__).resolve().parents[1]
SMPCHECK = [sys.executable, "-m", "smpcheck.cli.main"]


def _run(args: list[str], terminal: bool) -> tuple[int, str, str]:
    """Exit status, stdout (a pipe) and stderr (a pseudo-terminal when ``terminal``)."""
    if not terminal:
        done = subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=300)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=follower, cwd=REPO)
    os.close(follower)
    err = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    out = proc.stdout.read() if proc.stdout else b""
    proc.wait(timeout=300)
    os.close(leader)
    return proc.returncode, out.decode(), err.decode(errors="replace")


def _untimed(text: str) -> str:
    text = re.sub(r"(?m)^Time (\S+) [\d.]+$", r"Time \1 T", text)
    return re.sub(r"\d+\.\d+ s\b", "T s", text)


def _commands() -> list[tuple[str, list[str], str]]:
    tests = need_lkmm() / "litmus-tests"
    files = [str(tests / "SB+poonceonces.litmus"), str(tests / "MP+poonceonces.litmus")]
    cfg = str(need_lkmm() / "linux-kernel.cfg")
    return [
        ("litmus", [*SMPCHECK, "litmus", *files], "2/2"),
        ("herd", [*SMPCHECK, "herd", "-conf", cfg, *files], "2/2"),
        ("kvm matrix", [*SMPCHECK, "kvm", "matrix", "--model", "unmap-nolock-2013",
                        "--scenario", "core", "--mm", "sc,tso", "--variant",
                        "fence_after_publish=smp_mb"], "10/10"),  # (5 variants have it)
        # (its 4 accesses; the sites are known only once the baseline ran: no total)
        ("barriers", [*SMPCHECK, "barriers", "examples/mp.py", "--mm", "lkmm"], "4/?"),
    ]


@pytest.mark.parametrize("which", ["litmus", "herd", "kvm matrix", "barriers"])
def test_progress_only_on_a_terminal(which: str) -> None:
    _, args, count = next(c for c in _commands() if c[0] == which)
    code, out, err = _run(args, terminal=False)
    assert "\x1b" not in err and which not in err  # (a pipe: no bar)
    tty_code, tty_out, tty_err = _run(args, terminal=True)
    assert tty_code == code
    assert which in tty_err and count in tty_err  # the bar, with the items done
    assert _untimed(tty_out) == _untimed(out)  # stdout is the same
