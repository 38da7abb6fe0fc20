"""What the operator reads: the town's status for `gt status`, and the typed snapshot and feed
the control room renders. Reads only; every write is an engine function elsewhere.
"""
