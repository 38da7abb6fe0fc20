"""town layer."""
