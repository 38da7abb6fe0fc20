"""The Refinery: each rig's merge queue. `merger` takes one merge request through squash, gates
and landing; `batch` stacks several; `queue_runner` is the loop; `rework` sends work back;
`merge_requests` holds the operator's actions on the queue.
"""
