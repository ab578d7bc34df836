"""What a model declares: shared objects and pointers (:mod:`.objects`), values that
carry their dependencies (:mod:`.values`), where in the model file an event comes
from (:mod:`.source`), the :class:`~smpcheck.model.model.Model` with its final-state
conditions (:mod:`.model`), and herd's propositions over final states
(:mod:`.propositions`)."""
