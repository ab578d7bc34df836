"""The command line: ``smpcheck check|litmus|kvm|herd`` and ``smpcheck-herd``.

The top layer: it parses options, runs the layers below and prints their
reports; nothing in smpcheck imports it.
"""
