"""The engine (DESIGN §2): every action of `gt`, `bd` and the control room is a function here.

The modules at this level are the foundation every job shares: the `Town` object and its paths,
session names, agent identities, hook queues and heartbeats. The subpackages are the jobs, each
allowed to import only those below it (an import-linter contract): `demo` over `read_model`
over `setup`, `supervision` and `refinery`, over `work`, over `comms`, over the foundation.
"""
