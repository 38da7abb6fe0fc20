"""Costs (DESIGN §4, issue 14): what each agent session spent, as `usage` events in the log.

`usage_recording` writes them (the builtin runtime from the API's usage figures, claude from
its transcript); `model_prices` is the one price table; reports read the events back.
"""
