"""smpcheck: exhaustive checking of lockless kernel designs.

(The package manual is written as the package grows; see README.md.)
"""
