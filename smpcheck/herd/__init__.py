"""herd mode: herd7's command line and output over smpcheck's explorer and cat models.

``smpcheck-herd`` (and ``smpcheck herd``) take herd7's arguments -- ``-conf
linux-kernel.cfg``, ``-model``, ``-bell``, ``-macros``, ``-I``, ``-variant``,
``-speedcheck``, ``-timeout``, ``-o``, ``-show``/``-gv`` -- and print herd7's
text for each litmus test (Test / States / Ok|No / Witnesses / Positive /
Negative / Flag / Condition / Observation / Time / Hash), which the kernel's
tools/memory-model scripts read.

Unlike herd7, which enumerates candidate executions and filters them, the
tests run on smpcheck's explorer: each consistent execution is built once,
and the model -- the cat files, interpreted by :mod:`smpcheck.cat` -- is
asked about every partial graph, through :class:`smpcheck.models.cat.CatMemoryModel`.
C tests call the macros of the ``.def`` file (:mod:`.defmacros`), so their
events carry the tags the file gives.

Modules: :mod:`.config` (options and cfg files), :mod:`.defmacros` (def files
as C macros), :mod:`.run` (one test under the session's model); elsewhere
:mod:`smpcheck.models.cat` (a cat model as a memory model),
:mod:`smpcheck.report.dot` (execution graphs as DOT), :mod:`smpcheck.cli.herd`
(the command).
"""
