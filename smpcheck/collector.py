"""The garbage collector's thresholds while smpcheck runs: in each exploration's block,
and for a whole command run from the command line (a module apart from the engine:
the command line, ``--help`` too, sets them before it imports anything else)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between two collections of the youngest generation while exploring
#: (net of the objects freed): more than one batch of complete executions the cat
#: path keeps for its model (herd/run.py's BATCH graphs, about 40 tracked objects each)
#: holds, so that they are freed before a collection walks them.
YOUNG_COLLECTION = 200_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The garbage collector's youngest generation collected every
    :data:`YOUNG_COLLECTION` allocations (Python's default: 700) for the block.

    An exploration allocates much and frees little in cycles (graphs, views and the
    cat model's values are freed by reference counts), so the objects that survive
    soon trigger full collections, each walking every live object: four of them
    were 0.12 s of the 12-CPU message-passing ring's 0.75 s through smpcheck-herd
    (bench/vs_herd7.py), and the cycles they found were a few hundred objects.  With
    fewer young collections the older generations' counts (which decide the full
    collections) grow as slowly; what cycles leave behind waits at most that many
    allocations.  At 10,000 the graphs a batch of the cat path keeps (thousands of
    lists, dicts and events per hundred executions) were walked by young collections
    and again by the middle generation's: in the 12-CPU message-passing ring through
    smpcheck-herd, 57 and 5 collections, 0.17-0.21 s (load 7); at 200,000 none runs
    while it explores, and the one after the block walks what survived once: 0.10-0.14
    s in all.  What a run no longer needs is let go rather than walked: a cat batch's
    graphs and verdicts once judged (:meth:`MemoryModel.batch_judged`; kept until the
    next batch, they made a young collection run while exploring), the domain's memos
    of events met when the exploration ends (``Domain.forget_meetings``): 82-88 ms of
    collections became 10-15 ms on that ring.  The previous thresholds come back after
    the block."""
    before = gc.get_threshold()
    fewer_collections_from_now()
    try:
        yield
    finally:
        gc.set_threshold(*before)


def fewer_collections_from_now() -> None:
    """The youngest generation collected every :data:`YOUNG_COLLECTION` allocations
    from now on, as in :func:`fewer_collections`'s block, for a command run from the
    command line, whose process ends with it.  In one process smpcheck-herd's kernel
    tests ran each in such a block; after each block the youngest generation was
    collected with what survived the test (imported modules, the cat model) and the
    middle one now and then, and once more after the last: about 18 ms of the kernel's
    35 tests' 0.25 s."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], YOUNG_COLLECTION), *before[1:])
