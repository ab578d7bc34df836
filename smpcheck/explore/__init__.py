"""Exploring every execution of a model and judging each: the explorer
(:mod:`.explorer`, with speculation for porf-cyclic executions in
:mod:`.speculation`), the checks run on each complete execution (:mod:`.checks`),
replaying one recorded execution (:mod:`.replay`, :mod:`.replay_record`), and
:func:`~smpcheck.explore.verify.verify`, the one place that wires a run."""
