"""What runs the explorer many times: scenario sweeps (:mod:`.sweep`)."""
