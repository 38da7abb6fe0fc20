"""Seance (DESIGN §1): building a new session's context from its predecessors' records.

`sessions` reads them back (per bead for `gt prime`, per agent for `gt seance` and the control
room); the HANDOFF an agent mails itself before a restart (`gt handoff`) is part of it.
"""
