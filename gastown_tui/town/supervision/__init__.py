"""Supervision: the daemon loop and its patrols — the Deacon (stalled, GUPP, zombies), the
Witness per rig, the Idle Polecat Heresy (dispatch), Dogs (cleaning) and Boot (restarting a
patrol whose heartbeat went stale).
"""
