"""The cat language on small models written for these tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smpcheck.cat import REJECT, CatModel, CatResult, load_model
from smpcheck.graph.relation import Rel

# Four events: 0 -> 1 -> 2 in program order on CPU 0 (a write, a fence, a
# read of the same location), 3 an initial write read by 2.
BASE: dict[str, Any] = {
    "n": 4, "R": 0b0100, "W": 0b1001, "IW": 0b1000, "F": 0b0010,
    "po": Rel.from_pairs(4, [(0, 1), (1, 2), (0, 2)]),
    "rf": Rel.from_pairs(4, [(3, 2)]),
    "co": Rel.from_pairs(4, [(3, 0)]),
    "location": ["x", None, "x", "x"], "thread": [0, 0, 0, None],
    "tags": {"mb": 0b0010, "once": 0b0101},
}


def model(tmp_path: Path, text: str, **kw: Any) -> CatModel:
    path = tmp_path / "m.cat"
    path.write_text(text)
    return load_model(path, **kw)


def run(tmp_path: Path, text: str, **kw: Any) -> CatResult:
    return model(tmp_path, text, **kw).check(dict(BASE))


def test_sets_relations_and_operators(tmp_path: Path) -> None:
    r = run(tmp_path, """
let a = po \\ (W * R)
let b = [W] ; po ; [R]
let c = po^-1
let d = (po | po^-1)+
let e = po?
let f = ~(R | W)
let g = domain(rf) | range(po)
let h = {0} | {}
let i = (_ * _) & loc & ext
let j = 0
""")
    assert sorted(r.relation("a").pairs()) == [(0, 1), (1, 2)]
    assert sorted(r.relation("b").pairs()) == [(0, 2)]
    assert r.relation("c").has(2, 0)
    assert r.relation("d").has(0, 0)
    assert r.relation("e").has(3, 3)
    assert r.set("f") == 0b0010
    assert r.set("g") == 0b1110
    assert sorted(r.relation("i").pairs()) == [(0, 3), (2, 3), (3, 0), (3, 2)]
    assert r.relation("j") == Rel(4)


def test_functions_closures_and_scoping(tmp_path: Path) -> None:
    r = run(tmp_path, """
let twice(r) = r ; r
let inv r = r^-1
let pick (a, b) = a
let rel = po
let uses-rel = fun x -> rel & x
let rel = rf
let k = uses-rel(po)
let t = twice(po)
let u = inv po
let v = pick(rf, po)
let join = fun (x, y) -> x | y
let w = join (rf, co)
let z = let q = rf in q | co
""")
    assert sorted(r.relation("t").pairs()) == [(0, 2)]
    assert r.relation("u").has(2, 1)
    assert r.value("v") == BASE["rf"]
    assert sorted(r.relation("w").pairs()) == [(3, 0), (3, 2)]
    assert sorted(r.relation("z").pairs()) == [(3, 0), (3, 2)]
    # the closure saw rel = po, not the later rel = rf
    assert sorted(r.relation("k").pairs()) == [(0, 1), (0, 2), (1, 2)]


def test_let_rec_least_fixpoint_and_recursive_functions(tmp_path: Path) -> None:
    r = run(tmp_path, """
let rec closure = po | (closure ; closure)
let tc = let rec t = (po | rf) | (t ; t) in t
let rec evens = [W] | (odds ; po) and odds = evens ; po
let rec count S = match S with {} -> 0 || e ++ rest -> {e} | count rest end
let all = count (R | W)
let size = fold (fun (e, acc) -> {e} | acc) (W, {})
""")
    assert r.relation("closure") == BASE["po"]
    assert r.relation("tc").has(3, 2)
    assert r.set("all") == 0b1101
    assert r.set("size") == 0b1001
    assert r.relation("evens").has(0, 2)


def test_sets_of_values_map_cross_and_tags(tmp_path: Path) -> None:
    r = run(tmp_path, """
enum Fences = 'mb || 'rmb
enum Accesses = 'once
instructions F[Fences]
instructions R[Accesses]
let edges = map (fun p -> p ++ 0) (po & (W * R))
let alts = cross({ {po, rf}, {co} })
let kinds = map (fun t -> match t with 'mb -> Mb || _ -> Rmb end) Fences
let locs = classes-loc(W | R)
let is-mb = if 'mb in Fences then Mb else 0
let x = tag2instrs('once)
""")
    assert r.value("edges") == frozenset({Rel.from_pairs(4, [(0, 2)])})
    assert len(r.value("alts")) == 2
    assert r.value("kinds") == frozenset({0b0010, 0})
    assert r.value("locs") == frozenset({0b1101})
    assert r.set("is-mb") == 0b0010
    assert r.set("Once") == 0b0101 == r.set("x")
    assert r.set("Rmb") == 0


def test_checks_flags_and_names(tmp_path: Path) -> None:
    r = run(tmp_path, """
"Check test"
acyclic po | rf as ok
irreflexive po^-1 ; po
empty rf as no-reads
~empty rf as has-reads
flag ~empty F as has-fences
flag empty F as no-fences
requires empty W as no-writes
""")
    assert r.failed == ["irreflexive po^-1 ; po", "no-reads"]
    assert r.flags == ["has-fences"]
    assert r.undefined == ["no-writes"]
    assert not r.consistent


def test_variants_try_show_procedures_forall(tmp_path: Path) -> None:
    text = """
let v = if "fast" then po else rf
if variant "fast" let w = po else let w = rf end
let t = try undefined-thing with co
show po, rf
unshow po
show po ; rf as porf
procedure must-be-acyclic(r) =
  let r2 = r ; r
  acyclic r2 as proc-check
end
call must-be-acyclic(po | po^-1)
forall e in W do
  empty [e] ; po ; [e] as per-write
end
debug po
"""
    plain = model(tmp_path, text).check(dict(BASE))
    fast = model(tmp_path, text, variants={"fast"}).check(dict(BASE))
    assert plain.value("v") == BASE["rf"] == plain.value("w")
    assert fast.value("v") == BASE["po"] == fast.value("w")
    assert plain.value("t") == BASE["co"]
    assert plain.failed == ["proc-check"]


def test_with_tries_every_alternative(tmp_path: Path) -> None:
    m = model(tmp_path, """
with s from { po, rf, co }
empty s & rf as not-rf
""")
    assert m.check(dict(BASE)).consistent  # po passes
    picked: list[str] = []

    def pin_rf(name: str, alternatives: list[Any]) -> Any:
        picked.append(name)
        assert len(alternatives) == 3
        return BASE["rf"]
    r = m.check(dict(BASE), resolver=pin_rf)
    assert picked == ["s"] and r.failed == ["not-rf"]
    assert m.check(dict(BASE), resolver=lambda n, a: REJECT).failed == ["with s"]
    empty = model(tmp_path, "with s from {}\n")
    assert empty.check(dict(BASE)).failed == ["with s"]


def test_base_names_can_be_extended(tmp_path: Path) -> None:
    m = model(tmp_path, "acyclic my-order as mine\n", base_names={"my-order"})
    exe = dict(BASE)
    exe["my-order"] = [(0, 1), (1, 0)]
    assert m.check(exe).failed == ["mine"]
    assert "my-order" in m.base_names


def test_library_includes_are_found_and_included_once(tmp_path: Path) -> None:
    (tmp_path / "extra.cat").write_text('include "cos.cat"\nlet extra = fr\n')
    r = run(tmp_path, 'include "extra.cat"\ninclude "cos.cat"\ninclude "x86fences.cat"\n'
                      "let f = mfence\n", search_path=[str(tmp_path)])
    assert sorted(r.relation("fr").pairs()) == [(2, 0)]
    assert r.relation("f") == Rel(4)


@pytest.mark.parametrize("tags", [{"mb": 0b0010}, {}])
def test_tag_sets_may_be_given_directly(tmp_path: Path, tags: dict[str, int]) -> None:
    m = model(tmp_path, "enum E = 'mb || 'rcu-lock\nlet x = Mb | Rcu-lock\n")
    exe = dict(BASE, tags=tags)
    exe["Rcu-lock"] = 0b0001
    assert m.check(exe).set("x") == (0b0011 if tags else 0b0001)


def test_complement_of_an_empty_value_of_known_kind(tmp_path: Path) -> None:
    """An empty relation or set (here on an execution with nothing of it) complemented is
    every pair or every event, as herd7 gives it: an edited linux-kernel.cat's
    ``~po-loc`` on a test with no two accesses of a location on one CPU was an error
    ("cannot complement an empty"; bench/cat_mutate.py, case cat-mutants/
    complement-of-empty-po-loc)."""
    r = run(tmp_path, """
let none = po & rf
let a = ~none
let b = ~(R & W)
let c = ~(po \\ po)
let f x = ~x
""")
    everything = Rel.from_pairs(4, [(i, j) for i in range(4) for j in range(4)])
    assert r.relation("a") == everything and r.relation("c") == everything
    assert r.set("b") == 0b1111


def test_complement_in_recursive_and_local_lets(tmp_path: Path) -> None:
    """The kinds of a top-level ``let rec``'s names and of ``let ... in`` come from their
    bodies: ``~`` of an empty one is not an error (linux-kernel.cat's rcu-order and the
    bell's rcu-rscs complemented, bench/cat_mutate.py --seed 3).  (A name local to a
    ``let ... in`` has no kind yet where its body is compiled.)"""
    r = run(tmp_path, """
let rec q = (po & rf) | ((~q) & (po & rf))
let a = ~q
let b = let rec s = (po & rf) | (s ; po) in s
let c = ~b
let d = ~(let t = po & rf in t)
""")
    everything = Rel.from_pairs(4, [(i, j) for i in range(4) for j in range(4)])
    assert r.relation("q") == Rel(4)
    assert r.relation("a") == everything == r.relation("c") == r.relation("d")
