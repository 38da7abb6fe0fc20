"""The control room (`gt tui`, DESIGN §7): a Textual app over the engine's read model.

Widgets do no I/O: they receive typed snapshots and post intent messages; the app runs engine
functions (the same ones the CLI calls) in worker threads. One key registry feeds the footer,
the help screen and the command palette.
"""
