"""C semantics of the front end, each on a one-CPU program whose final state is
derived by hand from the C standard (and the kernel's macros): the forall clause
must hold (exit 0), and its negation must fail (exit 1), so a clause that could
not be evaluated or always holds is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import smpcheck

PROGRAMS = {
    "integer operators": (
        "int q, m, n, b, s, t;\n"
        "void P0(void)\n{\n\tint a = -7;\n\n"
        "\tq = a / 2;\n\tm = a % 2;\n\tn = !a;\n\tb = (a < 0) && (a > -8);\n"
        "\ts = 1 << 4 | 3;\n\tt = (a, 5) + (a ? 1 : 2);\n}\n",
        "q=-3 /\\ m=-1 /\\ n=0 /\\ b=1 /\\ s=19 /\\ t=6"),
    "assignment forms": (
        "int x, y, z;\n"
        "void P0(void)\n{\n\tint i = 0, r0;\n\n"
        "\tx = y = 3;\n\tx += 2;\n\tx <<= 1;\n\ty--;\n\tz = i++ + ++i;\n"
        "\tr0 = i;\n}\n",
        "x=10 /\\ y=2 /\\ z=2 /\\ 0:r0=2"),
    "structs arrays and initialisers": (
        "enum { A = 2, B, C = B * 2 };\n"
        "struct pt { int x, y; int v; };\n"
        "struct pt pts[2] = { [1] = { .y = C, .v = B } };\n"
        "int grid[2][3];\nint sizes;\n"
        "void P0(void)\n{\n\tstruct pt *p = &pts[1];\n\n"
        "\tgrid[1][2] = p->y + p->v;\n\tsizes = ARRAY_SIZE(grid[0]) * 10 + ARRAY_SIZE(pts);\n"
        "\t(*p).x = 'a';\n}\n",
        "grid[1][2]=9 /\\ sizes=32 /\\ pts[1].x=97"),
    "control flow": (
        "int out, k;\n"
        "static int fact(int n)\n{\n\treturn n <= 1 ? 1 : n * fact(n - 1);\n}\n"
        "void P0(void)\n{\n\tint i, acc = 0;\n\n"
        "\tfor (i = 0; i < 6; i++) {\n\t\tif (i == 1)\n\t\t\tcontinue;\n"
        "\t\tif (i == 4)\n\t\t\tbreak;\n\t\tacc += i;\n\t}\n"
        "\tdo {\n\t\tacc++;\n\t} while (acc < 7);\n"
        "\tswitch (acc) {\n\tcase 6:\n\t\tk = 1;\n\t\tbreak;\n\tcase 7:\n\tcase 8:\n"
        "\t\tk = 2;\n\t\tbreak;\n\tdefault:\n\t\tk = 3;\n\t}\n"
        "\tout = fact(4) + acc;\n}\n",
        "out=31 /\\ k=2"),
    "pointers and allocation": (
        "struct node { int v; struct node *next; };\n"
        "struct node *head;\nint total, tagged;\n"
        "void P0(void)\n{\n\tstruct node *a = kzalloc(sizeof(*a), GFP_KERNEL);\n"
        "\tstruct node *b = kmalloc(sizeof(struct node), GFP_KERNEL);\n"
        "\tint *arr = kcalloc(3, sizeof(int), GFP_KERNEL);\n"
        "\tunsigned long word;\n\n"
        "\ta->v = 1;\n\tb->v = 2;\n\ta->next = b;\n\tb->next = NULL;\n"
        "\tWRITE_ONCE(head, a);\n\tarr[2] = 5;\n"
        "\tfor (struct node *p = READ_ONCE(head); p; p = p->next)\n\t\ttotal += p->v;\n"
        "\ttotal += arr[2] + (&arr[2] - &arr[0]);\n"
        "\tword = (unsigned long)a | 1;\n"
        "\ttagged = (word & 1) && ((struct node *)(word & ~1UL) == a);\n"
        "\tkfree(arr);\n}\n",
        "total=10 /\\ tagged=1"),
    "list_head, container_of, typedefs": (
        "typedef struct {\n\tint v;\n\tstruct list_head node;\n} item_t;\n"
        "LIST_HEAD(items);\nint sum, left, empty;\n"
        "void P0(void)\n{\n\titem_t *pos, *n;\n\tint i;\n\n"
        "\tfor (i = 1; i <= 3; i++) {\n\t\titem_t *it = kzalloc(sizeof(*it), GFP_KERNEL);\n\n"
        "\t\tit->v = i;\n\t\tlist_add_tail(&it->node, &items);\n\t}\n"
        "\tlist_for_each_entry_safe(pos, n, &items, node) {\n"
        "\t\tif (pos->v % 2) {\n\t\t\tlist_del(&pos->node);\n\t\t\tkfree(pos);\n\t\t}\n\t}\n"
        "\tlist_for_each_entry(pos, &items, node)\n\t\tleft += pos->v;\n"
        "\tpos = list_first_entry(&items, item_t, node);\n\tlist_del_init(&pos->node);\n"
        "\tsum = pos->v;\n\tempty = list_empty(&items);\n\tkfree(pos);\n}\n",
        "sum=2 /\\ left=2 /\\ empty=1"),
    "try_cmpxchg and irqsave": (
        "int x = 5, ok1, ok2, seen;\nDEFINE_SPINLOCK(l);\n"
        "void P0(void)\n{\n\tint old = 4;\n\tunsigned long flags;\n\n"
        "\tok1 = try_cmpxchg(&x, &old, 9);\n\tseen = old;\n"
        "\tok2 = try_cmpxchg(&x, &old, 9);\n"
        "\tspin_lock_irqsave(&l, flags);\n\tx = x + 1;\n\tspin_unlock_irqrestore(&l, flags);\n}\n",
        "ok1=0 /\\ seen=5 /\\ ok2=1 /\\ x=10"),
    "a local array": (  # (its final value is a register: the tuple of its elements)
        "int s;\n"
        "void P0(void)\n{\n\tint a[3] = {1, 2};\n\tint r0;\n\n"
        "\ta[2] = a[0] + a[1];\n\ts = a[2];\n\tr0 = a[2] * 2;\n}\n",
        "s=3 /\\ 0:r0=6"),
    "ACCESS_ONCE, min and max": (
        "int x = 3, y, lo, hi;\n"
        "void P0(void)\n{\n\tACCESS_ONCE(y) = ACCESS_ONCE(x) + 1;\n"
        "\tlo = min(READ_ONCE(x), y);\n\thi = max(x, 7);\n}\n",
        "y=4 /\\ lo=3 /\\ hi=7"),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_c_semantics(tmp_path: Path, name: str) -> None:
    code, final = PROGRAMS[name]
    path = tmp_path / "prog.c"
    path.write_text(code + f"forall ({final})\n")
    res = smpcheck("check", path)
    assert res.code == 0, (res, code)
    path.write_text(code + f"forall (~({final}))\n")
    assert smpcheck("check", path).code == 1
