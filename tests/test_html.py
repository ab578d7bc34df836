"""The HTML report (smpcheck/report/html.py): self-contained, escaped, and drawn by a
real browser (Debian's chromium; skipped, saying why, where it is absent)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest

from smpcheck._rt.loader import load_model
from smpcheck.explore.verify import verify
from smpcheck.models import get_model
from smpcheck.report.html import page, result_sections

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SMPCHECK_CHROMIUM", "/usr/bin/chromium")

HOSTILE = "</script><script>alert(1)</script>\" onload='x' &amp; <svg"

HOSTILE_MODEL = f'''
from smpcheck import READ_ONCE, WRITE_ONCE, Model, Var

x = Var(0)

def P0():
    WRITE_ONCE(x, 1)

def P1():
    r = READ_ONCE(x)
    assert r == 0, {HOSTILE!r}

MODEL = Model({HOSTILE!r}, [P0, P1], cpu_names=[{HOSTILE!r}, "b"])
'''


class _Page(HTMLParser):
    """The tags, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page_of(path: Path, mm: str) -> str:
    model, names = load_model(str(path))
    result = verify(model, names, mm)
    return page(f"check {path.name}", result_sections(result, model, get_model(mm), {}))


def test_hostile_names_stay_text(tmp_path: Path) -> None:
    """A model name and an assertion message that try to close the page's elements
    and open a script come out as text, whole, and the page has no script."""
    path = tmp_path / "x&<i>'q\".py"  # (the file's name is shown too)
    path.write_text(HOSTILE_MODEL)
    text = _page_of(path, "sc")
    parsed = _Page()
    parsed.feed(text)
    assert "script" not in parsed.tags and "i" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attrs)
    # the heading, the finding and the lane of CPU 0
    assert sum(HOSTILE in t for t in parsed.text) >= 3
    assert any("x&<i>'q\".py" in t for t in parsed.text)
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2",
                                "section", "span", "p", "pre", "svg", "defs", "marker", "path",
                                "text", "tspan", "line", "g", "rect"}


def test_self_contained() -> None:
    """Nothing to fetch: no URL, no src or href, no @import or url() in the style."""
    text = _page_of(REPO / "examples" / "uaf.py", "sc")
    for needle in ("http:", "https:", "//", "src=", "href=", "@import", "@font-face"):
        assert needle not in text.replace("*/", "").replace("/*", ""), needle
    assert "url(" not in text.replace("url(#head-", "")
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'\"" in text


def test_lanes_arrows_and_marks() -> None:
    """The use-after-free: the free and the access are marked, the read of the freed
    memory has an rf arrow from the kfree's poison, each box names its source line."""
    text = _page_of(REPO / "examples" / "uaf.py", "sc")
    assert text.count('class="box free"') == 1 and text.count('class="box access"') == 1
    assert 'class="rf"' in text and 'class="co"' in text and 'class="fr"' in text
    assert "examples/uaf.py:24" in text and "24: kfree(p)" in text
    assert "bound: 2 CPUs" in text


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB pixels (alpha dropped) of an 8-bit, non-interlaced PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, b"", b""
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos:pos + 4])
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = data
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    w, h, depth, color = struct.unpack(">IIBB", head[:10])
    assert depth == 8 and color in (2, 6)
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(b"".join(bytes(line[j:j + 3]) for j in range(0, stride, bpp)))
        prev = line
    return w, h, rows


def screenshot(html_file: Path, png: Path, profile: Path) -> None:
    """Chromium, headless and offline, draws the page into ``png``."""
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                    f"--screenshot={png}", "--window-size=1100,700", html_file.as_uri()],
                   capture_output=True, timeout=120, check=False)


def test_chromium_draws_the_page(tmp_path: Path) -> None:
    """The page loads in a real browser; the screenshot is not blank and shows the red
    of the marked free and access and the green of an rf arrow."""
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM)):
        pytest.skip(f"no chromium at {CHROMIUM} (make chromium installs Debian's package; "
                    "SMPCHECK_CHROMIUM names another)")
    html_file, png = tmp_path / "uaf.html", tmp_path / "uaf.png"
    html_file.write_text(_page_of(REPO / "examples" / "uaf.py", "sc"))
    screenshot(html_file, png, tmp_path / "profile")
    assert png.is_file(), "chromium wrote no screenshot"
    w, h, rows = _pixels(png.read_bytes())
    assert (w, h) == (1100, 700)
    pixels = [r[i:i + 3] for r in rows for i in range(0, len(r), 3)]
    background = max(set(pixels[:5000]), key=pixels[:5000].count)
    drawn = sum(p != background for p in pixels)
    assert drawn > 0.02 * len(pixels)
    reds = sum(p[0] > 150 and p[1] < 90 and p[2] < 90 for p in pixels)
    greens = sum(p[1] > 100 and p[0] < 80 and p[2] < 100 for p in pixels)
    assert reds > 50 and greens > 20, (reds, greens)


def test_html_on_each_command(tmp_path: Path) -> None:
    """check, litmus and kvm check write the page and keep their exit statuses; a
    page that cannot be written stops the command before it runs (exit 2)."""
    from tests.conftest import need_lkmm
    from tests.support.cli import smpcheck

    page_file = tmp_path / "check.html"
    assert smpcheck("check", REPO / "examples" / "uaf.py", "--html", page_file).code == 1
    assert "use-after-free" in page_file.read_text()
    sb = need_lkmm() / "litmus-tests" / "SB+poonceonces.litmus"
    res = smpcheck("litmus", sb, "--html", tmp_path / "litmus.html")
    text = (tmp_path / "litmus.html").read_text()
    assert res.code == 0 and "Observation SB+poonceonces Sometimes 1 3" in text
    assert "where 0:r0=0 /\\ 1:r0=0 holds" in text and 'class="rf"' not in text.split(
        "<svg")[0]
    kvm = tmp_path / "kvm.html"
    assert smpcheck("kvm", "check", "unmap-nolock-2013", "--scenario", "core", "--mm",
                    "tso", "--html", kvm).code == 1
    assert "kvm_mmu_free_page():" in kvm.read_text() and 'class="box free"' in kvm.read_text()
    res = smpcheck("check", REPO / "examples" / "uaf.py", "--html", tmp_path)
    assert res.code == 2 and "is a directory" in res.err and res.out == ""


def test_arrows_follow_the_execution_graph() -> None:
    """Generated programs: the page has one rf arrow per read that takes a CPU's write,
    one co arrow per write with a coherence successor, one fr arrow per read whose
    source has one, counted from the execution graph itself (an RMW's two events
    share a box: an edge between them is not drawn)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from smpcheck.results.findings import Violation
    from tests.support.programs import as_model, programs

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(programs(max_cpus=3, max_len=3), st.sampled_from(["sc", "tso"]))
    def check(prog: list, mm: str) -> None:
        model, names = as_model(prog)
        model.not_exists = lambda fs: True  # (every execution violates: the first is shown)
        model.__post_init__()
        result = verify(model, names, mm)
        if not result.violations:
            return
        v: Violation = result.violations[0]
        g = v.graph
        assert g is not None
        text = page("t", result_sections(result, model, get_model(mm), {}))
        def box(e: tuple[int, int]) -> tuple[int, int]:
            ev = g.event(e)
            return (e[0], e[1] - 1) if ev.rmw and ev.kind == "W" else e
        rf = sum(1 for r, w in g.rf.items() if w[0] >= 0 and box(r) != box(w))
        co = sum(1 for ws in g.co.values() for a, b in pairwise(ws) if box(a) != box(b))
        fr = 0
        for r, w in g.rf.items():
            later = g.co_after(w)
            fr += bool(later) and box(later[0]) != box(r)
        assert (text.count('<path class="rf"'), text.count('<path class="co"'),
                text.count('<path class="fr"')) == (rf, co, fr)

    check()


def test_html_of_a_replay_and_not_of_variants(tmp_path: Path) -> None:
    from tests.support.cli import smpcheck

    sb = REPO / "examples" / "sb.py"
    record = tmp_path / "sb.json"
    record.write_text(smpcheck("check", sb, "--mm", "tso", "--json").out)
    replay = tmp_path / "replay.html"
    assert smpcheck("check", sb, "--replay", record, "--html", replay).code == 1
    text = replay.read_text()
    assert "violation (replay of" in text and text.count('class="box access"') == 2
    res = smpcheck("check", REPO / "examples" / "mp-switch.py", "--variant", "WRITER=smp_wmb",
                   "--html", tmp_path / "v.html")
    assert res.code == 2 and "give the setting with -D" in res.err
