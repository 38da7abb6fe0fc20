"""Every change `bd` makes to beads, as engine functions that `bd` and the control room share.

Each function opens one write transaction, validates against the state inside the writers'
lock, emits one batch, and writes `issues.jsonl` afterwards when `export.auto` is on. Inputs and
results are frozen dataclasses or TypedDicts; a refusal (unknown bead, cycle, wrong state) is an
`EditRefused` whose message is the one the command line prints.
"""
