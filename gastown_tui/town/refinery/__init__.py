"""The Refinery: each rig's merge queue. `merger` takes one merge request through squash, gates
and landing; `batch` stacks several; `queue_runner` is the loop; `queue_states` makes each MR
state change (checked inside its write); `queue_pause` pauses a queue whose gate cannot start;
`rework` sends work back (bounded); `merge_requests` holds the operator's actions on the queue.
"""
