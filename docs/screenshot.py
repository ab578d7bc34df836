"""Redraw docs/html-report.png, the README's picture of the HTML report.

Run: .venv/bin/python docs/screenshot.py   (needs chromium: `make chromium`)

It writes the page `smpcheck check examples/uaf.py --html` makes and has headless
chromium, offline, draw it with the flags tests/test_html.py uses.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PNG = REPO / "docs" / "html-report.png"
CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    sys.path.insert(0, str(REPO))
    from smpcheck.cli.main import main as smpcheck

    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "uaf.html"
        with contextlib.redirect_stdout(io.StringIO()):
            smpcheck(["check", str(REPO / "examples" / "uaf.py"), "--html", str(page)])
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", f"--user-data-dir={tmp}/profile",
                        f"--screenshot={PNG}", "--window-size=1100,760", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
    print(f"{PNG}: {PNG.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
