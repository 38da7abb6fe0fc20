"""The control room's widgets, one per module, each named after its class."""
