"""Kernel-style C models: ``smpcheck check FILE.c``.

A C file declares globals and structs, helper functions and CPU entry points
``P0``, ``P1``, ... (and optionally ``void init(void)``, run first, alone), and
may end with a litmus-style ``exists``/``forall`` clause.  It calls the kernel
API by its names.  :func:`load_c_model` preprocesses it (``-D`` as cc takes
it), parses it with pycparser and translates each function into Python over
:mod:`smpcheck.kernel`, giving the same Model as a Python model file: every
memory model, check, report and replay applies.  See docs/c-models.md.
"""

from smpcheck.c.load import CFile, FileDesign, load_any, load_c_model

__all__ = ["CFile", "FileDesign", "load_any", "load_c_model"]
