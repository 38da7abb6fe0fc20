"""gastown_tui: Gas Town in Python, with a terminal control room."""
