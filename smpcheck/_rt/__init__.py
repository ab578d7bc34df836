"""The private runtime: each CPU function runs on a greenlet, and every shared access
it makes becomes an op handed to the explorer (:mod:`.runtime`); the building blocks
of the kernel primitives (:mod:`.ops`), loop instrumentation (:mod:`.loops`), the
loader that rewrites model files (:mod:`.loader`), and the guards that make what
model code cannot be checked for an error (:mod:`.watchdog`, :mod:`.nondet`,
:mod:`.pystate`).  Nothing outside smpcheck imports from here: model code uses
:mod:`smpcheck.kernel`."""
