"""The control room's screens: the dashboard, details, peek, help and the triage prompts."""
