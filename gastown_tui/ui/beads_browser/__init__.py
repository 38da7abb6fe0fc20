"""The read-only beads browser (`gt tui --beads DIR`): a mirror of any beads directory."""
