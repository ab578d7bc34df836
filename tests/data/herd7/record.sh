#!/bin/sh
# Record herd7's output for the tests of tests/herd7/test_herd7_lines.py.
# Needs herd7 7.58 on the PATH and the shared data at ../../../../shared/lkmm
# (or $SMPCHECK_SHARED/lkmm).  Run from anywhere: sh tests/data/herd7/record.sh
set -e
here=$(cd "$(dirname "$0")" && pwd)
lkmm=${SMPCHECK_SHARED:-$here/../../../../shared}/lkmm
lkmm=$(cd "$lkmm" && pwd)
cd "$lkmm"
herd7 -version | head -1 > "$here/herd7-version.txt"
herd7 -conf linux-kernel.cfg litmus-tests/*.litmus > "$here/kernel.herd7"
cd "$lkmm/x86"
for f in $(find . -name '*.litmus' | LC_ALL=C sort); do herd7 "$f"; done > "$here/x86.herd7"
cd "$here/cases"
for f in *.litmus; do
    herd7 -I "$lkmm" -conf linux-kernel.cfg "$f" > "${f%.litmus}.herd7" 2>&1 || true
done
cd "$here/cat-mutants"
for e in *.edit; do
    copy=$(mktemp -d)
    python3 "$here/../../support/cat_edit.py" "$lkmm" "$e" "$copy/lkmm" > /dev/null
    herd7 -I "$copy/lkmm" -conf linux-kernel.cfg "${e%.edit}.litmus" > "${e%.edit}.herd7" 2>&1 || true
    rm -rf "$copy"
done
