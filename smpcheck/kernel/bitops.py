"""<linux/bitops.h>: atomic bit operations on unsigned long words."""

from __future__ import annotations

from typing import Any

from smpcheck._rt.ops import ACQUIRE, MB, NORETURN, ONCE, RELEASE, load, rmw
from smpcheck.model.values import raw

__smp_engine__ = True


def _bit(nr: Any) -> int:
    return 1 << int(raw(nr))


def set_bit(nr: Any, addr: Any) -> None:
    """Atomically set bit ``nr``; unordered (like atomic_or)."""
    b = _bit(nr)
    rmw(addr, lambda old: old | b, NORETURN, "set_bit", (nr,))


def clear_bit(nr: Any, addr: Any) -> None:
    """Atomically clear bit ``nr``; unordered."""
    b = _bit(nr)
    rmw(addr, lambda old: old & ~b, NORETURN, "clear_bit", (nr,))


def change_bit(nr: Any, addr: Any) -> None:
    b = _bit(nr)
    rmw(addr, lambda old: old ^ b, NORETURN, "change_bit", (nr,))


def test_and_set_bit(nr: Any, addr: Any) -> Any:
    """Atomically set bit ``nr``; fully ordered; the bit's old value."""
    b = _bit(nr)
    old = rmw(addr, lambda o: o | b, MB, "test_and_set_bit", (nr,))
    return (old & b) != 0


def test_and_clear_bit(nr: Any, addr: Any) -> Any:
    """Atomically clear bit ``nr``; fully ordered; the bit's old value."""
    b = _bit(nr)
    old = rmw(addr, lambda o: o & ~b, MB, "test_and_clear_bit", (nr,))
    return (old & b) != 0


def test_and_set_bit_lock(nr: Any, addr: Any) -> Any:
    """test_and_set_bit with acquire ordering (bit spinlocks)."""
    b = _bit(nr)
    old = rmw(addr, lambda o: o | b, ACQUIRE, "test_and_set_bit_lock", (nr,))
    return (old & b) != 0


def clear_bit_unlock(nr: Any, addr: Any) -> None:
    """clear_bit with release ordering."""
    b = _bit(nr)
    rmw(addr, lambda old: old & ~b, RELEASE, "clear_bit_unlock", (nr,))


def test_bit(nr: Any, addr: Any) -> Any:
    """Read bit ``nr`` (a marked load)."""
    return (load(addr, ONCE, "test_bit") & _bit(nr)) != 0

__all__ = [
    "set_bit",
    "clear_bit",
    "change_bit",
    "test_and_set_bit",
    "test_and_clear_bit",
    "test_and_set_bit_lock",
    "clear_bit_unlock",
    "test_bit",
]
