"""A convoy's ETA (DESIGN §7): how long its open members will take, from the CVs' record.

Each rig is assumed to work the convoy's open members in that rig as many at a time as it works
now (at least one: the convoy patrol feeds one when nothing is in flight), each taking the
rig's mean hook→merge time (the town's when the rig has no landed work yet). The convoy is done
when its slowest rig is: ETA = max over rigs of ceil(open / in flight) × mean. Unknown (None)
when no work has landed anywhere yet, or nothing is open.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def convoy_eta(
    open_members: Sequence[tuple[str, bool]],
    mean_by_rig: Mapping[str, float],
    town_mean: float | None,
) -> float | None:
    """`open_members`: (rig, in flight) of each member not closed yet."""
    rigs: dict[str, list[bool]] = {}
    for rig, in_flight in open_members:
        rigs.setdefault(rig, []).append(in_flight)
    longest: float | None = None
    for rig, flights in rigs.items():
        mean = mean_by_rig.get(rig, town_mean)
        if mean is None:
            return None
        rounds = math.ceil(len(flights) / max(1, sum(flights)))
        longest = max(longest or 0.0, rounds * mean)
    return longest
