"""Talking to agents and people: typed mail, escalations and their triage, and nudges typed
into an agent's pane. Below `work`: a respawn or `gt done` sends mail and raises escalations.
"""
