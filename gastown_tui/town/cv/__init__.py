"""CVs (DESIGN §1): every agent identity's record, derived from the Beads log.

`log_events` reads the history the projection does not keep; `core.cv_math` turns hooks,
reworks, merges and failures into tasks and figures; `agent_cvs` is what `gt cv` and the
control room call.
"""
