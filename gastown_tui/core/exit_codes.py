"""Exit statuses the commands share beyond 0 (ok), 1 (refused, failed) and 2 (usage)."""

INTERRUPTED = 130  # stopped by Ctrl-C, SIGTERM or a hang-up (128 + SIGINT, as shells report it)
