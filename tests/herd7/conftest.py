"""The shared litmus data's parametrization (one case per kernel or x86 test), as in
tests/litmus/."""

from tests.litmus.conftest import lkmm, pytest_generate_tests, shared_litmus_texts

__all__ = ["lkmm", "pytest_generate_tests", "shared_litmus_texts"]
