"""Hand-built executions of classic litmus shapes, with verdicts derived by hand.

Each function documents the execution (the interesting outcome) and why each
model allows or forbids it.  Event numbers: initial writes first.
"""

from __future__ import annotations

from typing import Any

from tests.support.cat_builder import Builder


def sb(mb: bool) -> dict[str, Any]:
    """SB: P0: x=1; [mb]; r0=y (0)   P1: y=1; [mb]; r1=x (0).

    LKMM: without fences nothing orders a store before a later load: allowed.
    With smp_mb(): pb = prop ; strong-fence ; hb* holds fre(r0, Wy) ; mb(Wy,
    r1) and fre(r1, Wx) ; mb(Wx, r0), a cycle: 'propagation' fails (hb has no
    cycle: fre is not in hb).  SC: po ; fr ; po ; fr cycle.  TSO: W->R is
    not in ppo, so SB is allowed; mfence restores it (forbidden).
    """
    b = Builder()
    x0 = b.init("x")
    y0 = b.init("y")
    b.write(0, "x", "ONCE")
    if mb:
        b.fence(0, "MB")
    b.read(0, "y", y0, "ONCE")
    b.write(1, "y", "ONCE")
    if mb:
        b.fence(1, "MB")
    b.read(1, "x", x0, "ONCE")
    return b.build()


def mp(fences: bool) -> dict[str, Any]:
    """MP: P0: x=1; [wmb]; y=1   P1: r0=y (1); [rmb]; r1=x (0).

    LKMM: with wmb+rmb, prop(r1, Ry) = fre(r1, Wx) ; cumul-fence(Wx, Wy)
    (wmb) ; rfe(Wy, Ry) is internal to P1, so it is in hb; rmb puts (Ry, r1)
    in ppo: hb cycle, 'happens-before' fails.  Without fences: allowed.
    SC and TSO keep W->W and R->R: forbidden either way.
    """
    b = Builder()
    x0 = b.init("x")
    b.init("y")
    b.write(0, "x", "ONCE")
    if fences:
        b.fence(0, "wmb")
    wy = b.write(0, "y", "ONCE")
    b.read(1, "y", wy, "ONCE")
    if fences:
        b.fence(1, "rmb")
    b.read(1, "x", x0, "ONCE")
    return b.build()


def lb(ctrl_and_mb: bool) -> dict[str, Any]:
    """LB: P0: r0=x (1); if (r0) y=1   P1: r1=y (1); [mb]; x=1.

    LKMM: ctrl ; [W] is in ppo (P0), the mb is a fence (P1), and both rf are
    external: hb cycle, 'happens-before' fails ('propagation' too: prop(Wy,
    Ry) ; mb ; hb*(Wx, Wy)).  Without them: allowed.  SC, TSO: R->W is kept:
    forbidden.
    """
    b = Builder()
    b.init("x")
    b.init("y")
    r0 = b.read(0, "x", -1, "ONCE")
    wy = b.write(0, "y", "ONCE")
    if ctrl_and_mb:
        b.dep("ctrl", r0, wy)
    b.read(1, "y", wy, "ONCE")
    if ctrl_and_mb:
        b.fence(1, "MB")
    b.rf_src[r0] = b.write(1, "x", "ONCE")
    return b.build()


def plain_race() -> dict[str, Any]:
    """P0: x=1 (plain)   P1: r=x (plain, reads 0).

    LKMM: consistent; (r, Wx) is fr between plain accesses of different CPUs
    with nothing in rw-xbstar: rw-race, flag 'data-race'.  SC / TSO: fine.
    """
    b = Builder()
    x0 = b.init("x")
    b.write(0, "x")
    b.read(1, "x", x0)
    return b.build()


def plain_mp_release_acquire() -> dict[str, Any]:
    """P0: x=1 (plain); smp_store_release(y,1)   P1: smp_load_acquire(y) (1); r=x (1).

    LKMM: wr-vis(Wx, Rx) = w-post-bounded (po-rel) ; vis (rfe then xbstar&int)
    ; r-pre-bounded (acq-po): no race, no flag, consistent.
    """
    b = Builder()
    b.init("x")
    b.init("y")
    wx = b.write(0, "x")
    wy = b.write(0, "y", "RELEASE")
    b.read(1, "y", wy, "ACQUIRE")
    b.read(1, "x", wx)
    return b.build()


def corr() -> dict[str, Any]:
    """CoRR: P0: x=1   P1: r0=x (1); r1=x (0).

    po-loc(r0, r1) ; fr(r1, Wx) ; rf(Wx, r0) is a cycle: LKMM 'coherence'
    fails (and nothing else: ppo has no R->R pair here, no strong fence).
    SC: 'sc'.  TSO: 'sc-per-location' and 'tso' (R->R is in ppo).
    """
    b = Builder()
    x0 = b.init("x")
    w = b.write(0, "x", "ONCE")
    b.read(1, "x", w, "ONCE")
    b.read(1, "x", x0, "ONCE")
    return b.build()


def rmw_atomicity() -> dict[str, Any]:
    """P0: xchg_relaxed(x, 1) reads 0   P1: x=2; with co: IW, x=2, xchg's write.

    The xchg's read is fr-before x=2 which is coe-before the xchg's write:
    rmw & (fre ; coe) is not empty, 'atomic' fails in all three models (and
    nothing else: po | com has no cycle).
    """
    b = Builder()
    x0 = b.init("x")
    r = b.read(0, "x", x0, "ONCE", cls=("RMW",))
    w = b.write(0, "x", "ONCE", cls=("RMW",))
    b.dep("rmw", r, w)
    w2 = b.write(1, "x", "ONCE")
    b.co_order("x", [x0, w2, w])
    return b.build()


def spin_is_locked(after_spinlock: bool) -> dict[str, Any]:
    """MP+polock[mb]once+poacquiresilsil, outcome r1=1, r2=0, r3=1.

    P0: spin_lock(lo); [smp_mb__after_spinlock()]; WRITE_ONCE(x,1); spin_unlock(lo)
    P1: r1=smp_load_acquire(x) (1); r2=spin_is_locked(lo) (0: RU reads IW);
        r3=spin_is_locked(lo) (1: RL reads P0's LKW)

    lock.cat: lk-rmw(LKR, LKW); critical(LKW, UL); RL is outside any critical
    section of P1, so its rf comes from 'with rfe-lf from cross(...)' (one
    alternative: LKW->RL); RU's from 'with rf-ru from cross(...)' (IW->RU or
    UL->RU).  Without the fence: hb = rfe(Wx, Racq) ; acq-po, P0's acq-po and
    po-rel, prop(RU, RL) = fre ; rfe: no cycle, allowed (herd: Sometimes).
    With it, mb holds (LKW, Wx): cumul-fence(LKW, Wx), so prop(RU, Racq) =
    fre(RU, LKW) ; cumul-fence ; rfe(Wx, Racq) is internal to P1, against
    acq-po(Racq, RU): 'happens-before' fails; pb(RU, RU) = fre ; mb ; hb*:
    'propagation' fails (herd: Never).
    """
    b = Builder()
    lo0 = b.init("lo")
    b.init("x")
    b.read(0, "lo", lo0, cls=("LKR",))
    lkw = b.write(0, "lo", cls=("LKW",))
    if after_spinlock:
        b.fence(0, "after-spinlock")
    wx = b.write(0, "x", "ONCE")
    b.write(0, "lo", cls=("UL",))
    b.read(1, "x", wx, "ACQUIRE")
    b.read(1, "lo", lo0, cls=("RU",))
    b.read(1, "lo", lkw, cls=("RL",))
    return b.build()


def spin_is_locked_reads_unlock() -> dict[str, Any]:
    """As :func:`spin_is_locked` without the fence, but RU reads P0's UL.

    Then RL (po-after RU, same lock) reads the LKW that is co-before UL:
    fr(RL, UL) ; ... with po-loc(RU, RL) and rf(UL, RU) makes a coherence
    cycle RU -po-loc-> RL -fr-> UL -rf-> RU: 'coherence' fails.
    """
    b = Builder()
    lo0 = b.init("lo")
    b.init("x")
    b.read(0, "lo", lo0, cls=("LKR",))
    lkw = b.write(0, "lo", cls=("LKW",))
    wx = b.write(0, "x", "ONCE")
    ul = b.write(0, "lo", cls=("UL",))
    b.read(1, "x", wx, "ACQUIRE")
    b.read(1, "lo", ul, cls=("RU",))
    b.read(1, "lo", lkw, cls=("RL",))
    return b.build()
