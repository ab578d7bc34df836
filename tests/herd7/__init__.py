"""Agreement with herd7: smpcheck's verdicts and output lines against herd7 7.58's,
recorded (tests/data) or from the kernel's own results (../shared/lkmm); herd7 never runs."""
