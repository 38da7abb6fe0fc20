"""Work on hooks: sling and unsling, polecat identities, their sessions and worktrees, `gt prime`,
`gt done`, respawns, and reassigning an escalated bead.
"""
