"""Helpers the tests share, apart from the tests: generators of programs and litmus
tests, brute-force oracles, builders of executions, and running the command line
in-process."""
