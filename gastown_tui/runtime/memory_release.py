"""Giving memory back to the system after a burst (a projection rebuild folds every record of
the log in memory: ~1 GB at a million events). Python frees the objects, but glibc keeps the
pages for the process unless asked; a control room that runs for hours should not sit on them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc


def release_memory() -> bool:
    """Collect garbage and return free heap pages to the system (glibc's malloc_trim); False
    where there is no glibc."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    return bool(trim(0))
