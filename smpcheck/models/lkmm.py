"""The Linux-kernel memory model (tools/memory-model, variant lkmmv2), written in Python.

This follows the model's published definition: Alglave, Maranget, McKenney,
Parri and Stern, "Frightening small children and disconcerting grown-ups"
(ASPLOS 2018), and the kernel's explanation.txt, which define it as relations
over an execution:

* ``ppo`` (preserved program order): dependencies into writes, address
  dependencies into reads, fences, acquire and release, unlock+lock;
* ``hb`` (happens-before) = ``ppo | rfe | prop-internal`` over marked accesses,
  which must be acyclic;
* ``pb`` (propagates-before): strong fences (smp_mb, grace periods, full RMWs)
  make a write visible before later events, acyclic;
* ``rb`` (RCU-before): grace periods against read-side critical sections,
  irreflexive;
* coherence per location and RMW atomicity;
* for plain (unmarked) accesses, the visibility relations that decide which
  conflicting pairs are data races (reported as findings, not inconsistency).

A relation is computed lazily, once per execution view, in :class:`LkmmRelations`;
names follow the model's so each can be checked against explanation.txt.
Under the LKMM an execution may have (po | rf) cycles (load buffering), so the
explorer keeps only a revisiting write's dependencies (``track_dependencies``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from smpcheck.graph.events import MARKING_TAGS, Event, plain_access
from smpcheck.graph.graph import ExecutionGraph
from smpcheck.graph.lazy import cached
from smpcheck.graph.relation import Rel, bits, mask_of
from smpcheck.graph.view import View
from smpcheck.model.values import EventId
from smpcheck.models import lkmm_flags
from smpcheck.models.base import ATOMIC, MemoryModel, Step, atomicity_violated, order_steps
from smpcheck.models.cycles import (
    CYCLE,
    GRACE_PERIODS,
    SINKS,
    cycle_after,
    grace_period_on_cycle,
    rcu_alone,
)

FULL_ORDER = frozenset({"MB", "sync-rcu", "sync-srcu"})  # tags of fully ordered events
ORDERED_AFTER = frozenset({"ACQUIRE", "LKR"})  # what follows them stays after them
ORDERED_BEFORE = frozenset({"RELEASE", "UL"})  # what precedes them stays before them
#: Tags that make an access marked (:attr:`LkmmRelations.marked`).
MARKED = frozenset({"ONCE", "RELEASE", "ACQUIRE", "MB", "RMW", "LKR", "LKW", "UL", "LF", "RL",
                    "RU", "srcu-lock", "srcu-unlock"})


class LkmmRelations:
    """The LKMM's sets and relations for one execution view."""

    def __init__(self, v: View) -> None:
        self.v = v
        self.n = v.n

    # -- helpers -------------------------------------------------------------------
    def ident(self, s: int) -> Rel:
        return Rel.identity(self.n, s)

    def fencerel(self, s: int) -> Rel:
        """Pairs separated in program order by an event of ``s``."""
        if not s:
            return Rel(self.n)
        po = self.v.po
        return po.restrict(None, s).seq(po)

    @cached
    def all(self) -> int:
        return (1 << self.n) - 1

    def fence_set(self, tag: str) -> int:
        return self.v.tagged(tag) & self.v.F

    # -- sets (linux-kernel.bell, lock.cat) -----------------------------------------
    @cached
    def rmw(self) -> Rel:
        return self.v.rmw

    @cached
    def failed_rmw(self) -> int:
        rmw_ev = self.v.tagged("RMW") & self.v.M
        return rmw_ev & ~(self.rmw.domain() | self.rmw.range())

    @cached
    def acquire(self) -> int:
        v = self.v
        return (v.tagged("ACQUIRE") & ~v.W & ~self.failed_rmw) | v.tagged("LKR")

    @cached
    def release(self) -> int:
        v = self.v
        return (v.tagged("RELEASE") & ~v.R & ~self.failed_rmw) | v.tagged("UL")

    @cached
    def mb_acc(self) -> int:
        """Accesses and fences with full ordering (the bell's ``Mb``)."""
        return self.v.tagged("MB") & ~self.failed_rmw

    @cached
    def noreturn(self) -> int:
        return self.v.tagged("NORETURN") & ~self.v.W

    @cached
    def rmw_set(self) -> int:
        """Events of RMW instructions (herd's ``RMW``)."""
        return self.v.tagged("RMW") & self.v.M

    @cached
    def marked(self) -> int:
        v = self.v
        return (self.all & ~v.M) | v.IW | v.tagged(*MARKED)

    @cached
    def plain(self) -> int:
        return self.v.M & ~self.marked

    # -- dependencies carried through plain accesses ---------------------------------
    @cached
    def carry_dep(self) -> Rel:
        v = self.v
        not_unlock = self.all & ~v.tagged("srcu-unlock")
        return v.data.restrict(None, not_unlock).seq(v.rf & v.int).star()

    @cached
    def addr(self) -> Rel:
        return self.carry_dep.seq(self.v.addr)

    @cached
    def data(self) -> Rel:
        return self.carry_dep.seq(self.v.data)

    @cached
    def ctrl(self) -> Rel:
        return self.carry_dep.seq(self.v.ctrl)

    # -- basic relations ----------------------------------------------------------------
    @cached
    def rfe(self) -> Rel:
        return self.v.rf & self.v.ext

    @cached
    def rfi(self) -> Rel:
        return self.v.rf & self.v.int

    @cached
    def acq_po(self) -> Rel:
        return self.v.po.restrict(self.acquire, self.v.M)

    @cached
    def po_rel(self) -> Rel:
        return self.v.po.restrict(self.v.M, self.release)

    @cached
    def po_unlock_lock_po(self) -> Rel:
        v = self.v
        ul, lkr = v.tagged("UL"), v.tagged("LKR")
        return v.po.restrict(None, ul).seq((v.po | v.rf).restrict(ul, lkr)).seq(v.po)

    @cached
    def r4rmb(self) -> int:
        return self.v.R & ~self.noreturn

    @cached
    def rmb(self) -> Rel:
        return self.fencerel(self.fence_set("rmb")).restrict(self.r4rmb, self.r4rmb)

    @cached
    def wmb(self) -> Rel:
        w = self.v.W | self.lone_unlocks
        return self.fencerel(self.fence_set("wmb")).restrict(w, w)

    @cached
    def lone_unlocks(self) -> int:
        """spin_unlock()s that follow no lock on their CPU: fences with the lock's
        location (lock.cat leaves them out of co and rf, :func:`c_macros.spin_unlock`),
        which the model still counts as writes where fences order writes."""
        return self.v.tagged("UL") & self.v.F

    @cached
    def mb(self) -> Rel:
        v = self.v
        m, po, rmw_ev = v.M | self.lone_unlocks, v.po, self.rmw_set
        po_opt = po.opt()
        parts = [
            self.fencerel(self.mb_acc).restrict(m, m),
            po.restrict(m, self.mb_acc & v.R),
            po.restrict(self.mb_acc & v.W, m),
            self.fencerel(self.fence_set("before-atomic")).restrict(m, rmw_ev).seq(po_opt)
            .restrict(None, m),
            po_opt.restrict(m, rmw_ev).seq(self.fencerel(self.fence_set("after-atomic")))
            .restrict(None, m),
            po_opt.restrict(m, v.tagged("LKW")).seq(
                self.fencerel(self.fence_set("after-spinlock"))).restrict(None, m),
            self.po_unlock_lock_po.restrict(m, self.fence_set("after-unlock-lock")).seq(po)
            .restrict(None, m),
            po_opt.restrict(m, v.tagged("srcu-unlock")).seq(
                self.fencerel(self.fence_set("after-srcu-read-unlock"))).restrict(None, m),
            # Not the LKMM's: the LKMM has no interrupts.  An irq word's store of 1
            # (smpcheck.kernel.smp) is ordered before the CPU's later accesses as by a
            # full barrier, since CLI takes effect in program order.
            po.restrict(v.tagged("irq-off"), m),
        ]
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out

    @cached
    def gp(self) -> Rel:
        po = self.v.po
        sync = self.fence_set("sync-rcu") | self.sync_srcu
        return po.restrict(None, sync).seq(po.opt())

    @cached
    def sync_srcu(self) -> int:
        return self.v.tagged("sync-srcu")

    @cached
    def strong_fence0(self) -> Rel:
        return self.mb | self.gp

    @cached
    def nonrw_fence(self) -> Rel:
        return self.strong_fence0 | self.po_rel | self.acq_po

    @cached
    def fence0(self) -> Rel:
        return self.nonrw_fence | self.wmb | self.rmb

    # -- preserved program order, happens-before, propagation -------------------------
    @cached
    def ppo(self) -> Rel:
        v = self.v
        dep = self.addr | self.data
        rwdep = (dep | self.ctrl).restrict(None, v.W)
        overwrite = v.co | v.fr
        to_w = rwdep | (overwrite & v.int) | self.addr.restrict(None, self.plain).seq(self.wmb)
        to_r = self.addr.restrict(None, v.R) | dep.restrict(None, self.marked).seq(self.rfi)
        return to_r | to_w | (self.fence0 & v.int) | (self.po_unlock_lock_po & v.int)

    @cached
    def rmw_sequence(self) -> Rel:
        return self.v.rf.seq(self.rmw).star()

    def a_cumul(self, r: Rel) -> Rel:
        return self.rfe.restrict(None, self.marked).opt().seq(r)

    @cached
    def cumul_fence(self) -> Rel:
        mk = self.marked
        core = self.a_cumul(self.strong_fence0 | self.po_rel) | self.wmb | self.po_unlock_lock_po
        return core.restrict(mk, mk).seq(self.rmw_sequence)

    @cached
    def prop(self) -> Rel:
        v, mk = self.v, self.marked
        overwrite_ext = (v.co | v.fr) & v.ext
        return (overwrite_ext.opt().restrict(mk, None).seq(self.cumul_fence.star())
                .restrict(None, mk).seq(self.rfe.opt()).restrict(None, mk))

    @cached
    def hb(self) -> Rel:
        v, mk = self.v, self.marked
        prop_int = (self.prop - Rel.identity(self.n)) & v.int
        return (self.ppo | self.rfe | prop_int).restrict(mk, mk)

    @cached
    def hb_star(self) -> Rel:
        return self.hb.star()

    @cached
    def pb(self) -> Rel:
        return (self.prop.seq(self.strong_fence0).seq(self.hb_star)
                .restrict(None, self.marked))

    @cached
    def pb_star(self) -> Rel:
        return self.pb.star()

    # -- RCU -----------------------------------------------------------------------------
    @cached
    def rcu_rscs(self) -> Rel:
        """Matching rcu_read_lock / rcu_read_unlock pairs (nested ones matched inner first)."""
        pairs = []
        stacks: dict[int, list[int]] = {}
        events, lock = self.v.events, self.fence_set("rcu-lock")
        for i in bits(lock | self.fence_set("rcu-unlock")):  # (in view order)
            tid = events[i].id[0]
            if lock >> i & 1:
                stacks.setdefault(tid, []).append(i)
            elif stacks.get(tid):
                pairs.append((stacks[tid].pop(), i))
        return Rel.from_pairs(self.n, pairs)

    @cached
    def srcu_rscs(self) -> Rel:
        v = self.v
        lock, unlock = v.tagged("srcu-lock") & v.R, v.tagged("srcu-unlock") & v.W
        if not lock or not unlock:  # (the usual case: no closure to build for nothing)
            return Rel(self.n)
        carry = v.data.restrict(None, self.all & ~unlock).seq(v.rf).star()
        return carry.restrict(lock, None).seq(v.data).restrict(None, unlock) & v.loc

    @cached
    def srcu_loc(self) -> Rel:
        """Same location, synchronize_srcu() included: its event names its srcu_struct
        (``View.loc`` relates accesses only)."""
        groups: dict[object, int] = {}
        located = []
        for i, ev in enumerate(self.v.events):
            has = ev.loc is not None and (ev.kind in "RW" or "sync-srcu" in ev.tags)
            located.append(has)
            if has:
                groups[ev.loc] = groups.get(ev.loc, 0) | 1 << i
        rows = [groups[ev.loc] if has else 0
                for ev, has in zip(self.v.events, located, strict=True)]
        return Rel(self.n, rows)

    @cached
    def rcu_ends(self) -> int:
        """The events rcu-order relates: grace periods and the ends of critical sections."""
        rscs, srscs = self.rcu_rscs, self.srcu_rscs
        return (self.fence_set("sync-rcu") | self.sync_srcu | rscs.domain() | rscs.range()
                | srscs.domain() | srscs.range())

    @cached
    def rcu_link(self) -> Rel:
        """rcu-link between :attr:`rcu_ends` only: every use in rcu-order composes it with
        relations between them (and restricting first makes each sequence cheap)."""
        po, ends = self.v.po, self.rcu_ends
        return (po.opt().restrict(ends, None).seq(self.hb_star).seq(self.pb_star)
                .seq(self.prop).seq(po).restrict(None, ends))

    @cached
    def rcu_small(self) -> tuple[_Projection, Rel, Rel]:
        """rcu-order and rcu-link among :attr:`rcu_ends` alone (rcu-order relates nothing
        else), numbered densely: a few events instead of the whole execution."""
        small = _Projection(list(bits(self.rcu_ends)))
        return small, self._rcu_order(small), small.of(self.rcu_link)

    @cached
    def rcu_order(self) -> Rel:
        small, order, _ = self.rcu_small
        return small.expand(order, self.n)

    def rcu_violated(self) -> bool:
        """Whether rb is reflexive: ``rb = prop ; po ; rcu-order ; po? ; hb* ; pb* ;
        [Marked]``, and prop starts at marked events, so rb relates an event to itself
        exactly when some ``rcu-order`` pair (a, b) has ``rcu-link`` from b back to a;
        both among :attr:`rcu_ends`."""
        if self._rcu_surely_kept():
            return False
        _, order, link = self.rcu_small
        return not order.seq(link).is_irreflexive()

    def _rcu_surely_kept(self) -> bool:
        """A cheap sufficient condition for :meth:`rcu_violated` to be false.

        rcu-link lies in ``(po | rf | co | fr)+`` (hb, pb and prop without rcu-fence
        do, and it ends with po), and rcu-order grows with rcu-link, so the same
        fixpoint and check over that closure (among :attr:`rcu_ends`, reached by a
        search from each) over-approximate the real ones: when it finds no cycle,
        RCU's axiom holds.  (SRCU's location condition is left to the exact check.)

        Cheaper still, and enough in most executions: every rcu-order pair is joined
        by a path of rcu-link and ``rscs^-1`` through a grace period (by induction
        on the fixpoint: each of its terms names one), so a violation closes a cycle
        of ``po | rf | co | fr | rscs^-1`` through a grace period; with none, the
        axiom holds."""
        if self.sync_srcu or self.srcu_rscs:
            return False
        if not self.grace_period_on_cycle():
            return True
        rows = self._com_rows
        small = _Projection(list(bits(self.rcu_ends)))
        link = Rel(small.k, [small.mask(_reach(rows, e)) for e in small.ends])
        return self._rcu_order(small, link).seq(link).is_irreflexive()

    @cached
    def _com_rows(self) -> list[int]:
        """The rows of ``po | rf | co | fr``."""
        v = self.v
        return [a | b | c | d for a, b, c, d in zip(v.po.rows, v.rf.rows, v.co.rows,
                                                    v.fr.rows, strict=True)]

    def grace_period_on_cycle(self) -> bool:
        """Whether a cycle of ``po | rf | co | fr | rscs^-1`` goes through a grace period
        (:func:`~smpcheck.models.cycles.grace_period_on_cycle` finds the same on the
        graph)."""
        with_back = list(self._com_rows)  # (and rscs^-1: each unlock back to its lock)
        rscs = self.rcu_rscs.rows
        for lock in bits(self.rcu_rscs.domain()):
            for unlock in bits(rscs[lock]):
                with_back[unlock] |= 1 << lock
        return any(_reach(with_back, gp) >> gp & 1 for gp in bits(self.fence_set("sync-rcu")))

    def _rcu_order(self, small: _Projection, link: Rel | None = None) -> Rel:
        """rcu-order among the few events of ``small``, with ``link`` as rcu-link
        (default: the real one)."""
        if link is None:
            link = small.of(self.rcu_link)
        gps = small.mask(self.fence_set("sync-rcu"))  # ([gps] ; r is r.restrict(gps))
        rscsi = small.of(self.rcu_rscs).inverse()
        srcu = self.sync_srcu or self.srcu_rscs  # (else every SRCU term is empty)
        loc = small.of(self.srcu_loc) if srcu else Rel(small.k)
        srcu_gps = small.mask(self.sync_srcu)
        srscsi = small.of(self.srcu_rscs).inverse()

        def rcu_terms(mid: Rel) -> Rel:
            """``[gp] ; mid ; rscs^-1 | rscs^-1 ; mid ; [gp]``"""
            return mid.restrict(gps).seq(rscsi) | rscsi.seq(mid.restrict(None, gps))

        def srcu_terms(mid: Rel) -> Rel:
            if not srcu:
                return Rel(small.k)
            return (mid.restrict(srcu_gps).seq(srscsi)
                    | srscsi.seq(mid.restrict(None, srcu_gps))) & loc

        base = Rel.identity(small.k, gps | srcu_gps) | rcu_terms(link) | srcu_terms(link)
        order = base
        while True:  # least fixpoint of the recursive definition
            mid = link.seq(order).seq(link)
            nxt = base | rcu_terms(mid) | srcu_terms(mid) | order.seq(link).seq(order)
            if nxt == order:
                return order
            order = nxt

    @cached
    def rcu_fence(self) -> Rel:
        po = self.v.po
        return po.seq(self.rcu_order).seq(po.opt())

    @cached
    def rb(self) -> Rel:
        return (self.prop.seq(self.rcu_fence).seq(self.hb_star).seq(self.pb_star)
                .restrict(None, self.marked))

    @cached
    def has_rcu(self) -> bool:
        v = self.v
        return bool(v.tagged("sync-rcu", "sync-srcu"))

    # -- after RCU: fence and strong-fence include rcu-fence ------------------------------
    @cached
    def fence(self) -> Rel:
        return self.fence0 | self.rcu_fence if self.has_rcu else self.fence0

    @cached
    def strong_fence(self) -> Rel:
        return self.strong_fence0 | self.rcu_fence if self.has_rcu else self.strong_fence0

    # -- plain accesses ----------------------------------------------------------------------
    @cached
    def xbstar(self) -> Rel:
        rb = self.rb if self.has_rcu else Rel(self.n)
        return (self.hb | self.pb | rb).star()

    @cached
    def vis(self) -> Rel:
        v, mk = self.v, self.marked
        tail = self.strong_fence.restrict(None, mk).seq(self.xbstar) | (self.xbstar & v.int)
        return self.cumul_fence.star().seq(self.rfe.opt()).restrict(None, mk).seq(tail)

    @cached
    def bounds(self) -> dict[str, Rel]:
        mk = self.marked
        rmb_fr = self.fencerel(self.fence_set("rmb"))
        not_noreturn = self.all & ~self.noreturn
        return {
            "w_pre": self.ident(mk).seq((self.addr | self.fence).opt()),
            "r_pre": self.ident(mk).seq((self.addr | self.nonrw_fence
                                         | rmb_fr.restrict(self.r4rmb, not_noreturn)).opt()),
            "w_post": self.fence.opt().restrict(None, mk).seq(self.rmw_sequence),
            "r_post": (self.nonrw_fence | rmb_fr.restrict(not_noreturn, self.r4rmb)).opt()
            .restrict(None, mk),
        }

    @cached
    def vis_sets(self) -> tuple[Rel, Rel, Rel]:
        b, sf, xb = self.bounds, self.strong_fence, self.xbstar
        ww_vis = self.fence | sf.seq(xb).seq(b["w_pre"]) | b["w_post"].seq(self.vis).seq(
            b["w_pre"])
        wr_vis = self.fence | sf.seq(xb).seq(b["r_pre"]) | b["w_post"].seq(self.vis).seq(
            b["r_pre"])
        rw_xbstar = self.fence | b["r_post"].seq(xb).seq(b["w_pre"])
        return ww_vis, wr_vis, rw_xbstar

    @cached
    def pre_race(self) -> Rel:
        v = self.v
        return v.ext & (Rel.product(self.n, self.plain, v.M)
                        | Rel.product(self.n, v.M & ~v.IW, self.plain))

    def plain_incoherent(self) -> bool:
        v = self.v
        ww_vis, wr_vis, rw_xbstar = self.vis_sets
        pr = self.pre_race
        bad = ((pr & v.rf & rw_xbstar.inverse()) | (pr & v.fr & wr_vis.inverse())
               | (pr & v.co & ww_vis.inverse()))
        return not bad.is_empty()

    def races(self) -> Rel:
        v = self.v
        ww_vis, wr_vis, rw_xbstar = self.vis_sets
        pr, mk = self.pre_race, self.marked
        ww_nonrace = (ww_vis & (Rel.product(self.n, mk, v.W) | rw_xbstar)
                      & (Rel.product(self.n, v.W, mk) | wr_vis))
        ww_race = (pr & v.co) - ww_nonrace
        wr_race = ((pr & v.co.opt().seq(v.rf)) - wr_vis) - rw_xbstar.inverse()
        rw_race = (pr & v.fr) - rw_xbstar
        return ww_race | wr_race | rw_race


def _reach(rows: Sequence[int], e: int) -> int:
    """The events reached from ``e`` by one step or more of the relation ``rows``."""
    seen, todo = 0, rows[e]
    while todo:
        seen |= todo
        nxt = 0
        for j in bits(todo):
            nxt |= rows[j]
        todo = nxt & ~seen
    return seen


class _Projection:
    """Relations among a few events (``ends``, in increasing order) renumbered 0..k-1."""

    def __init__(self, ends: list[int]) -> None:
        self.ends = ends
        self.k = len(ends)
        self.among = mask_of(ends)
        self.bit = {e: 1 << j for j, e in enumerate(ends)}

    def mask(self, s: int) -> int:
        """The set ``s`` (over the execution's events) among the few, renumbered."""
        out = 0
        for e in bits(s & self.among):
            out |= self.bit[e]
        return out

    def of(self, r: Rel) -> Rel:
        """``r`` restricted to the few, renumbered."""
        return Rel(self.k, [self.mask(r.rows[e]) for e in self.ends])

    def expand(self, r: Rel, n: int) -> Rel:
        """A relation among the few back over all ``n`` events."""
        rows = [0] * n
        ends = self.ends
        for j, row in enumerate(r.rows):
            rows[ends[j]] = sum(1 << ends[i] for i in bits(row))
        return Rel(n, rows)


#: Fences that order like smp_mb() after an event of the tagged kind before them
#: (linux-kernel.cat's mb: after an RMW, a spin_lock()'s write, an srcu_read_unlock()).
_FENCED_AFTER = {"after-atomic": "RMW", "after-spinlock": "LKW",
                 "after-srcu-read-unlock": "srcu-unlock"}
#: Fences whose order needs more than themselves: kept whenever something after them is.
_CONDITIONAL_FENCES = frozenset({"before-atomic", "after-unlock-lock", "rmb", "wmb",
                                 *_FENCED_AFTER})


def conditionally_fenced(earlier: Event, later: Event, between: Sequence[Event]) -> bool:
    """Whether linux-kernel.cat orders ``earlier`` before ``later`` (of one CPU, with
    ``between`` in program order between them) by a fence that needs more than
    itself: smp_mb__before_atomic() before an RMW (``later``, or one before it:
    the cat's ``[RMW] ; po?``), the ``after`` fences of :data:`_FENCED_AFTER` after
    their event from ``earlier`` on, smp_mb__after_unlock_lock() after an unlock and
    a lock, an unlock then a lock alone (ppo's po-unlock-lock-po), smp_rmb() between
    reads and smp_wmb() between writes.  Such fences are kept themselves, as are the
    events each rule needs (an RMW before an after-atomic fence is ordered by it; an
    unlock and a lock are by the lock's acquire and their location): a revisit's kept
    events must not depend on events that a later revisit may cut, which would leave
    them frozen while no longer kept.  (Without the RMW before ``later``, a revisit
    cut a read before smp_mb__before_atomic() that a write after the RMW keeps: two
    executions of tests/data/lkmm-gen-rmw/G3694-265.litmus were lost.)"""
    if earlier.kind == "F" and earlier.tags & _CONDITIONAL_FENCES:
        return True
    seen: set[str] = set(earlier.tags)
    unlocked = locked_after_unlock = before_atomic = False
    for ev in between:
        tags = ev.tags
        if before_atomic and "RMW" in tags:
            return True  # (an RMW after the fence: ``later`` is after it in po)
        if ev.kind == "F":
            before_atomic = before_atomic or "before-atomic" in tags
            if _fence_orders(tags, earlier, later, seen, locked_after_unlock):
                return True
        if "UL" in tags:
            unlocked = True
        elif "LKR" in tags and unlocked:
            locked_after_unlock = True
        seen |= tags
    return locked_after_unlock


def _fence_orders(tags: frozenset[str], earlier: Event, later: Event, seen: set[str],
                  locked_after_unlock: bool) -> bool:
    """Whether the fence of ``tags`` between ``earlier`` and ``later`` orders them on its
    own (``seen``: the tags of the events from ``earlier`` to it)."""
    return (("before-atomic" in tags and "RMW" in later.tags)
            or any(f in tags and need in seen for f, need in _FENCED_AFTER.items())
            or ("after-unlock-lock" in tags and locked_after_unlock)
            or ("rmb" in tags and _reads_for_rmb(earlier, later))
            or ("wmb" in tags and earlier.kind == later.kind == "W"))


def _reads_for_rmb(earlier: Event, later: Event) -> bool:
    """Both reads that smp_rmb() orders (not the read of a non-returning RMW)."""
    return all(ev.kind == "R" and "NORETURN" not in ev.tags for ev in (earlier, later))


def unlock_read_hidden(g: ExecutionGraph) -> bool:
    """A spin_is_locked() that returns false (RU) reads an unlock of its own CPU that
    a later unlock of the lock, before the read, hides; or reads one while its CPU
    holds the lock.

    lock.cat lets an RU read the latest unlock before it on its CPU, or any unlock
    (or the initial value) of another CPU, and allows none in a critical section of
    the lock (nested-is-locked).  Coherence rules the rest out when the source is a
    write; an unlock that matches no lock is a fence here (no coherence), so these
    rules are checked on their own."""
    for t in g.threads:
        latest: dict[object, EventId] = {}
        held: set[object] = set()
        for ev in t:
            if ev is None:
                continue
            if "UL" in ev.tags:
                latest[ev.loc] = ev.id
                held.discard(ev.loc)
            elif "LKW" in ev.tags:
                held.add(ev.loc)
            elif "RU" in ev.tags and ev.kind == "R":
                src = g.rf.get(ev.id)
                if ev.loc in held or (src is not None and src[0] == ev.tid
                                      and latest.get(ev.loc) != src):
                    return True
    return False


def lone_unlock_seen_out_of_order(g: ExecutionGraph) -> bool:
    """What the execution shows of a lock's coherence order, through an unlock that
    matches no lock (a fence here, never in co) that a read reads, has a cycle or
    orders two writes against co.

    Before it makes co, herd7's cos-opt.cat (which lock.cat includes) drops an
    execution whose observed order of each location has a cycle: two writes in
    program order, a write read before a later write, a write before a read of
    another, two reads in order of two writes, the initial write first.  With
    every source in co, coherence says the same; a lone unlock read by
    spin_is_locked() is in none, so only this check orders it.  As there, the
    unlocks and spin_lock()'s reads are not yet accesses (W holds no unlock, the
    reads-from of spin_lock()'s read is added later).  herd7 then makes co only
    from the orders that extend the transitive closure of that order, so a path
    through the lone unlock orders two writes: a co that does not is dropped
    too.  herd's final writes (co0's last place) are left out: they only matter
    when a test's final condition reads a spinlock, which lock.cat flags
    (``lock-final``)."""
    v = View(g)
    lone = v.tagged("UL") & v.F
    rf = v.rf
    if not rf.restrict(lone, None):
        return False
    writes = v.W & ~v.tagged("UL")
    reads = v.R & ~v.tagged("LKR")
    shown = rf.restrict(None, reads)
    back = shown.inverse()
    same = Rel.identity(v.n)
    ordered = v.po_loc
    seen = (ordered.restrict(writes, writes)
            | shown.seq(ordered.restrict(reads, writes))
            | (ordered.restrict(writes, reads).seq(back) - same)
            | (shown.seq(ordered.restrict(reads, reads)).seq(back) - same)
            | (Rel.product(v.n, v.IW, writes & ~v.IW) & v.loc))
    if not seen.is_acyclic():
        return True
    # herd7's co extends the closure of what is shown: a path through the unlock
    # orders two writes that co must order the same way
    return bool(seen.plus().restrict(writes, writes) - v.co)


def _kept(earlier: Event, later: Event, between: Sequence[Event],
          tags: Callable[[Event], frozenset[str]]) -> bool:
    """:meth:`LKMM.keeps_order`'s rule, reading each event's ordering tags with ``tags``."""
    if earlier.is_access and later.is_access and earlier.loc == later.loc:
        return True
    if tags(earlier) & ORDERED_AFTER or tags(later) & ORDERED_BEFORE:
        return True
    if any(tags(ev) & FULL_ORDER for ev in (earlier, *between, later)):
        return True
    return conditionally_fenced(earlier, later, between)


#: Tags of the events some flag is about (with plain accesses): RCU, SRCU and locks.
_FLAGGED = frozenset({"rcu-lock", "rcu-unlock", *lkmm_flags.LOCK_OPS})
_LOCKS = frozenset(lkmm_flags.LOCK_OPS)


def _quiet(g: ExecutionGraph) -> bool:
    """Whether ``g`` has no plain access and no RCU, SRCU or lock event: then it has
    no data race and raises no flag (each is about such events), which this one pass
    over the events tells without the execution's relations."""
    return not g.tagged_or_plain(_FLAGGED)


def _has_plain(g: ExecutionGraph) -> bool:
    """Whether some CPU of ``g`` has a plain access (:func:`_plain`; this runs at every
    step of a test with grace periods: none if the graph never had one)."""
    return g.plain and any(ev is not None and plain_access(ev)
                           for t in g.threads for ev in t)


def _plain(ev: Event) -> bool:
    """A plain (unmarked) access of a CPU."""
    return ev.kind in "RW" and not ev.tags & MARKING_TAGS


def _tags(ev: Event) -> frozenset[str]:
    return ev.tags


def _ordering(ev: Event) -> frozenset[str]:
    """The tags by which ``ev`` orders others: none for a failed RMW (a read tagged
    RMW without its write), which the model leaves unordered (the bell's failed RMWs
    are neither acquire, release nor Mb)."""
    if ev.kind == "R" and not ev.rmw and "RMW" in ev.tags:
        return frozenset()
    return ev.tags


_ACCESS = {"R": "load", "W": "store"}
_WOULD_ORDER = {"WR": "smp_mb()", "WW": "smp_wmb() or release",
                "RR": "smp_rmb(), acquire or address dependency",
                "RW": "dependency, release or barrier"}


class LKMM(MemoryModel):
    """The Linux-kernel memory model (lkmmv2)."""

    name = "lkmm"
    track_dependencies = True
    # (RCU's axiom relates events by program order, reads-from, coherence and matched
    # lock/unlock pairs, which events added later in program order only extend: a
    # prefix that breaks it stays broken.  The lock checks are left to complete
    # executions.)
    deferred_on_prefixes: frozenset[str] = frozenset({"rcu"})
    _last: LkmmRelations | None = None
    _last_view: View | None = None
    _judged: LkmmRelations | None = None  # deferred_inconsistency's, for relations()
    _last_quiet: tuple[View, bool] | None = None

    def keeps_order(self, earlier: Event, later: Event, between: Sequence[Event]) -> bool:
        """Same-location accesses (coherence), and anything a full fence, an acquire
        or a release orders: these program-order pairs hold in every execution.
        So do those that a fence orders only around an RMW, a lock or an SRCU unlock
        (smp_mb__before_atomic() and the like, :func:`conditionally_fenced`) and
        those smp_rmb() or smp_wmb() order; keeping less lost executions that only a
        revisit keeping them reaches (a read before smp_mb__before_atomic() and an
        atomic RMW, tests/herd7/test_cross_lkmm.py).  A failed RMW's tags count here
        (not counting them lost an execution of a generated ring, R1-275 of
        bench/rmw_cycles.py); the model orders nothing by them, so
        :meth:`speculates` and :meth:`keeps_order_failed` leave them out."""
        return _kept(earlier, later, between, _tags)

    def keeps_order_failed(self, earlier: Event, later: Event, between: Sequence[Event]
                           ) -> bool:
        """:meth:`keeps_order` less what only a failed RMW's tags order, which the
        model does not (case successful-rmw-then-wmb-fails-on-cycle)."""
        return _kept(earlier, later, between, _ordering)

    def speculates(self, read: Event, write: Event, between: Sequence[Event]) -> bool:
        """An address, data or (in its scope) control dependency between marked accesses
        is in ppo, as is what :meth:`keeps_order` keeps, hence in happens-before with
        rfe, which must be acyclic: a cycle may pass only where one of the two is plain
        (happens-before leaves plain accesses out), or the write depends on the read in
        another way (after the branch's scope, through memory)."""
        if not (read.marked and write.marked):
            return True
        return read.id not in write.addr | write.data | write.ctrl and not _kept(
            read, write, between, _ordering)

    def bounded(self, read: Event, write: Event, between: Sequence[Event]) -> bool:
        """A plain read that a release or a strong fence orders before a marked write
        (linux-kernel.cat's r-post-bounded), or a marked read that an address
        dependency, its acquire or a strong fence orders before a plain write
        (w-pre-bounded).  On a cycle whose other edges are all in happens-before
        (marked accesses, ppo and rfe) the plain read, or the read of the plain
        write's value, reads from a write it executes before (rw-xbstar), which
        plain-coherence forbids.  A second such edge on the cycle breaks that chain
        (load buffering between plain reads and release stores is a data race, not
        incoherent).  A lone unlock (no write) is left out."""
        if read.kind != "R" or write.kind != "W":
            return False
        if plain_access(read) and write.marked:
            return bool(write.tags & ORDERED_BEFORE) or any(
                _ordering(ev) & FULL_ORDER for ev in (*between, write))
        if read.marked and plain_access(write):
            return read.id in write.addr or bool(_ordering(read) & ORDERED_AFTER) or any(
                _ordering(ev) & FULL_ORDER for ev in (read, *between))
        return False

    def late_sources_may_fail(self, g: ExecutionGraph) -> bool:
        """Only with a grace period.  A read at a later source has fewer fr edges and
        one new rf edge; RCU's orders, which go against program order, are what made
        such a read fail (tests/data/lkmm-gen-srcu2/G839315-292: a read in an SRCU
        critical section that a kept srcu_down_read() ends before a grace period).
        Without one, none of 133,218 such questions on the generated corpora
        (tests/data/lkmm-gen*; an instrumented run, not kept) found a read that
        needed it, and asking cost inc 3x2 (bench/inc.py, with and without the
        question) a quarter of its time: an observation, not a proof."""
        return bool(g.fence_tags & GRACE_PERIODS)

    def inconsistency_after(self, g: ExecutionGraph, added: Sequence[EventId],
                            atomicity: bool = True) -> str | None:
        """The whole-view check, skipped when the added events are sinks (nothing can
        follow them in any relation) or the execution is sequentially consistent, or
        cut short by a coherence cycle through the added events.

        Without grace periods every LKMM relation is included in the transitive
        closure of ``po | rf | co | fr`` (hb's ppo, rfe and prop-int; pb; the
        visibility relations of plain accesses), so an execution with no cycle there
        satisfies every axiom.  A cycle the change closes goes through the events
        changed, as under SC; where there is none, every axiom holds as it did before
        the change, even where a cycle elsewhere (a weak behaviour the model allows)
        was there before.  Only RCU's rcu-order
        goes against program order (from a critical section's unlock back to its
        lock), and only the plain
        accesses' axiom reads it before the execution is complete (hb and pb, without
        RCU's fence, stay inside that closure)."""
        found = cycle_after(g, added, atomicity)
        if found == SINKS:
            return None  # (a sink closes no cycle)
        if found == CYCLE:
            return self.ordering_axioms(View(g), rcu=False)
        if found is not None:
            return found  # (atomicity, coherence)
        if not g.fence_tags & GRACE_PERIODS or not _has_plain(g):
            return None  # no new cycle: see the docstring
        rel = LkmmRelations(View(g))
        return "plain-coherence" if rel.plain and rel.plain_incoherent() else None

    def deferred_inconsistency(self, g: ExecutionGraph) -> str | None:
        """RCU's axiom, on complete executions only.  rb is not monotone in the order
        the explorer adds events: a critical section's unlock can make a prefix
        inconsistent although a revisit of that prefix (a read before the grace
        period reading a later write) is consistent, and under dependency tracking
        no consistent parent leads there.  Cutting such prefixes lost executions
        (tests/herd7/test_cross_lkmm.py has one).

        Also lock.cat's reads-from of spin_is_locked() returning false, where an
        unmatched spin_unlock() (a fence) hides its CPU's earlier unlocks
        (:func:`unlock_read_hidden`), and herd's order of what the execution shows
        of a lock's coherence when a read reads such an unlock
        (:func:`lone_unlock_seen_out_of_order`)."""
        if "UL" in g.fence_tags:
            if unlock_read_hidden(g):
                return "lock-rf"
            if lone_unlock_seen_out_of_order(g):
                return "ConsCo"
        if not g.fence_tags & GRACE_PERIODS:
            return None
        if grace_period_on_cycle(g) is False:  # (rcu_violated's first cut, without a View)
            self._judged = None
            return None
        rel = self._judged = LkmmRelations(View(g))
        return "rcu" if rel.has_rcu and rel.rcu_violated() else None

    def prefix_inconsistency(self, view: View, atomicity: bool = True) -> str | None:
        if atomicity and atomicity_violated(view):
            return ATOMIC
        return self.axioms(view, rcu=False)

    def axioms(self, view: View, rcu: bool = True) -> str | None:
        if not (view.po_loc | view.rf | view.co | view.fr).is_acyclic():
            return "coherence"
        return self.ordering_axioms(view, rcu)

    def ordering_axioms(self, view: View, rcu: bool = True) -> str | None:
        """The axioms after coherence: happens-before, propagation, RCU (unless
        ``rcu`` is false), plain accesses."""
        rel = LkmmRelations(view)
        if not rel.hb.is_acyclic():
            return "happens-before"
        if not rel.pb.is_acyclic():
            return "propagation"
        if rcu and rel.has_rcu and rel.rcu_violated():
            return "rcu"
        if rel.plain and rel.plain_incoherent():
            return "plain-coherence"
        return None

    def happens_before(self, view: View) -> Rel:
        """Executes-before (hb | pb | rb), grace periods and program order."""
        rel = self.relations(view)
        order = rel.xbstar | view.po
        if rel.has_rcu:
            order = order | rel.rcu_fence
        return order.plus()

    def relations(self, view: View) -> LkmmRelations:
        """The relations of ``view``; the last view's are kept, since the checks of a
        complete execution (races, flags, use-after-free) ask for them in turn, after
        :meth:`deferred_inconsistency` made them for its graph (taken once: nothing
        changes a complete graph between the two)."""
        if self._last is None or self._last_view is not view:
            judged, self._judged = self._judged, None
            self._last_view = view
            self._last = (judged if judged is not None and judged.v.g is view.g
                          else LkmmRelations(view))
        return self._last

    def _quiet_view(self, view: View) -> bool:
        """Whether ``view``'s graph raises no flag and has no race, known without its
        relations: :func:`_quiet`, or :func:`~smpcheck.models.cycles.rcu_alone` (the
        other flags are about plain accesses, locks and SRCU); the last view's answer
        is kept, as its relations are (the checks of a complete execution ask for
        flags and races in turn)."""
        last = self._last_quiet
        if last is None or last[0] is not view:
            g = view.g
            last = self._last_quiet = (view, _quiet(g) or rcu_alone(g, MARKED, _LOCKS))
        return last[1]

    def flags(self, view: View) -> list[str]:
        """The flags of linux-kernel.bell, linux-kernel.cat and lock.cat that the
        execution raises (:mod:`smpcheck.models.lkmm_flags`); data races are
        :meth:`races`."""
        if self._quiet_view(view):
            return []
        return lkmm_flags.flags(self.relations(view), self.observed)

    def races(self, view: View) -> list[tuple[int, int]]:
        if self._quiet_view(view):
            return []
        rel = self.relations(view)
        if not rel.plain:
            return []
        return sorted({(min(a, b), max(a, b)) for a, b in rel.races().pairs()})

    def missing_order(self, view: View, pairs: Sequence[tuple[int, int]]
                      ) -> dict[tuple[int, int], str]:
        """Pairs that preserved program order (ppo) leaves unordered, with the barrier
        or dependency that would order them."""
        if not pairs:
            return {}
        ppo = LkmmRelations(view).ppo
        out = {}
        for a, b in pairs:
            if not ppo.has(a, b):
                first, then = view.events[a], view.events[b]
                out[(a, b)] = (f"no {_WOULD_ORDER[first.kind + then.kind]} between the "
                               f"{_ACCESS[first.kind]} at line {first.src.line} and this "
                               f"{_ACCESS[then.kind]}")
        return out

    def timeline(self, view: View, prefer: Sequence[tuple[int, int]] = ()) -> list[Step]:
        rel = LkmmRelations(view)
        rb = rel.rb if rel.has_rcu else Rel(view.n)
        return order_steps(view, rel.hb | rel.pb | rb | view.co, prefer)
