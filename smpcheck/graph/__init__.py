"""Execution graphs: the event labels (:mod:`.events`), one execution's graph
(:mod:`.graph`: program order, reads-from, coherence), the dense view memory
models read (:mod:`.view`), relations (:mod:`.relation`), and laying an
execution out in time (:mod:`.linearize`)."""
