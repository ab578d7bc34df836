"""smpcheck's version: written here alone (pyproject.toml and ``--version`` read it)."""

__version__ = "0.1.0"
