"""The differential harness on a fixed-seed slice of generated litmus tests.

Every disagreement between the explorer (under sc, tso and lkmm), brute force and
the cat interpreter on the kernel's model is a failure (tests/support/diff_harness.py);
``bench/fuzz.py`` runs the same comparison for as long as it is given, with herd7
too where it is installed.  The tests with known, explained differences against
herd7 are in tests/herd7/test_lkmm_gen.py; here the paths must agree exactly.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.diff_gen import litmus_tests
from tests.support.diff_harness import LKMM_DIR, disagreements

pytestmark = [pytest.mark.slow,  # exhaustive comparisons (deselect: -m 'not slow')
              pytest.mark.skipif(not LKMM_DIR.is_dir(),
                                 reason=f"the kernel's model files are absent ({LKMM_DIR})")]


def _check(text: str) -> None:
    found = disagreements(text)
    assert not found, text + "\n" + "\n".join(found)


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=2, max_steps=4))
def test_two_cpus_agree_everywhere(text: str) -> None:
    _check(text)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(litmus_tests(max_cpus=3, max_steps=3))
def test_three_cpus_agree_everywhere(text: str) -> None:
    _check(text)


@pytest.mark.parametrize("text", [
    # load buffering through an acquire and a plain read's branch (herd7: Sometimes 1 2)
    "C lb1\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\tr0 = smp_load_acquire(y);\n"
    "\tWRITE_ONCE(*x, 2);\n}\nP1(int *x, int *y)\n{\n\tint r0;\n\tr0 = *x;\n"
    "\tif (r0)\n\t\tWRITE_ONCE(*y, 1);\n}\nexists (0:r0=1)\n",
    # a value through a plain store into an acquire (herd7: Sometimes 1 3)
    "C lb2\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\tr0 = READ_ONCE(*y);\n\t*x = r0 + 1;\n}\n"
    "P1(int *x, int *y)\n{\n\tint r0;\n\tr0 = smp_load_acquire(x);\n\tWRITE_ONCE(*y, 2);\n}\n"
    "exists (0:r0=2 /\\ 1:r0=3)\n",
    # a write after an if does not depend on its condition (herd7: Sometimes 1 3)
    "C ctl\n{}\nP0(int *x, int *y)\n{\n\tint r0;\n\tr0 = READ_ONCE(*x);\n"
    "\tif (r0 == 1) {\n\t\tWRITE_ONCE(*y, 1);\n\t}\n\tWRITE_ONCE(*y, 2);\n}\n"
    "P1(int *x, int *y)\n{\n\tint r0;\n\tr0 = READ_ONCE(*y);\n\tWRITE_ONCE(*x, r0);\n}\n"
    "exists (0:r0=2)\n",
    # a fully ordered RMW's read revisited by a relaxed one (herd7: 9 executions)
    "C dec\n{\nref=3;\n}\nP0(int *ref, int *y)\n{\n\tint r2;\n\tint r3;\n"
    "\tr2 = atomic_dec_return(ref);\n\tr3 = READ_ONCE(*y);\n}\n"
    "P1(int *ref, int *y)\n{\n\tint r1;\n\tWRITE_ONCE(*y, 1);\n\tsmp_wmb();\n"
    "\tr1 = atomic_dec_return_relaxed(ref);\n}\n"
    "P2(int *ref, int *y)\n{\n\tint r0;\n\tr0 = atomic_dec_return_relaxed(ref);\n}\n"
    "exists (0:r3=1 /\\ 1:r1=0)\n",
], ids=["lb-acquire-ctrl", "lb-plain-data", "ctrl-scope", "dec-wmb"])
def test_shapes_once_missed(text: str) -> None:
    """Shapes the explorer used to miss executions of (each found by this harness or
    a reviewer, with herd7's verdict in the comment)."""
    _check(text)
