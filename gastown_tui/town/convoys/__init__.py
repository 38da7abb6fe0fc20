"""Convoys (DESIGN §1, §4): persistent groups of beads, possibly across rigs, with progress.

A convoy is an `issue_type=convoy` bead in the town's store with `tracks` edges to its members.
`convoys` creates, extends, reads and lands them. The daemon's part is
`supervision.convoy_patrol` (it slings, so it sits above `work`): it feeds a convoy's next ready
member to its rig, lands a convoy whose members are all closed (and mails whoever asked to be
told), and marks one stranded when it has ready work and nobody on it.
"""
