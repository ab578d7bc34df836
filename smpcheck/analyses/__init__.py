"""What runs the explorer many times over one design.

* :mod:`.barriers`: each ordering site weakened one step, the design re-checked:
  which sites are load-bearing under which memory model (``smpcheck barriers``).
* :mod:`.fix`: the fewest ``smp_mb()``/acquire/release changes that make a failing
  design hold (``barriers --fix``).
* :mod:`.hints`: where a barrier forbids a counterexample (the table's hints).
* :mod:`.shortest`: the violating execution with the fewest steps, then reordered
  pairs (``check --shortest``).
* :mod:`.compare`: one model under several memory models (``check --compare``).
* :mod:`.sweep`: every scenario of a sweep up to a bound (``smpcheck sweep``,
  ``smpcheck kvm sweep``).

A design is a :class:`.subjects.Subject` (a model file, a litmus test, a KVM
design's scenario); changes at a site are made by the runtime where the primitive
issues its event (:mod:`smpcheck._rt.sites`), never by rewriting the source.
"""
