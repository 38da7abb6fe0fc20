"""Fixtures of the integration tests: real towns with their own tmux servers (town_fixtures)."""

from town_fixtures import rig_town, tmux_dir, town, town_factory

__all__ = ["rig_town", "tmux_dir", "town", "town_factory"]
