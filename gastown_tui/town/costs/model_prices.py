"""The one price table: US dollars per million tokens, per model family.

A model name matches the longest key it starts with, so dated names
(`claude-sonnet-4-5-20250929`) take their family's price. Cache writes cost 1.25× the input
price and cache reads 0.1× (Anthropic's published multipliers for the 5-minute cache). A model
not in the table costs 0.0 and `price_of` says so with None: a report can show "unpriced"
rather than a made-up figure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Price:
    input_per_million: float
    output_per_million: float


PRICES: dict[str, Price] = {
    "claude-opus-5-5": Price(4.0, 20.0),
    "claude-opus-5": Price(5.0, 25.0),
    "claude-sonnet-5-5": Price(2.0, 10.0),
    "claude-sonnet-5": Price(2.0, 10.0),
    "claude-sonnet-4-6": Price(3.0, 15.0),
    "claude-opus-4-5": Price(5.0, 25.0),
    "claude-opus-4-1": Price(15.0, 75.0),
    "claude-opus-4": Price(15.0, 75.0),
    "claude-sonnet-4-5": Price(3.0, 15.0),
    "claude-sonnet-4": Price(3.0, 15.0),
    "claude-3-7-sonnet": Price(3.0, 15.0),
    "claude-haiku-4-5": Price(1.0, 5.0),
    "claude-3-5-haiku": Price(0.8, 4.0),
    "claude-3-haiku": Price(0.25, 1.25),
}
CACHE_WRITE_FACTOR = 1.25
CACHE_READ_FACTOR = 0.1


def price_of(model: str) -> Price | None:
    matches = [key for key in PRICES if model == key or model.startswith(f"{key}-")]
    return PRICES[max(matches, key=len)] if matches else None


def cost_usd(
    model: str,
    input_tokens: int,
    output_tokens: int,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 0,
) -> float:
    """What the tokens cost at `model`'s price (0.0 for a model without one), to 1e-6 dollars."""
    price = price_of(model)
    if price is None:
        return 0.0
    paid_input = (input_tokens + cache_write_tokens * CACHE_WRITE_FACTOR
                  + cache_read_tokens * CACHE_READ_FACTOR)  # fmt: skip
    total = (paid_input * price.input_per_million
             + output_tokens * price.output_per_million) / 1_000_000  # fmt: skip
    return round(total, 6)
