"""Golden outputs: what the commands print, compared with text kept in the
repository (README.md and docs/*.md blocks, the SB table)."""
