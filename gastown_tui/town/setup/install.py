"""`gt install <dir>`: a new town — town.toml, the town's beads store, and its git repository.

The directory may exist and hold other files, but `gt install` never writes over a file it did
not create: when any file it would write is already there (a `.gitignore` of the user's, a
`.beads/` store of another project), it refuses, names them, and writes nothing. An existing
git repository is kept; the first commit takes only the town's files, not what the user staged.
"""

from __future__ import annotations

from pathlib import Path

from gastown_tui.core.ids import TOWN_PREFIX
from gastown_tui.core.town_settings import PROFILES, town_toml_text
from gastown_tui.runtime.git_repo import GitError, commit_paths, init_repository
from gastown_tui.store.beads_store import BeadsStore
from gastown_tui.town.town import TownError
from gastown_tui.town.town_git import GITATTRIBUTES, GITIGNORE, commit_identity, tracked_paths
from gastown_tui.town.town_paths import TOWN_FILE, TownPaths

FORMULAS_README = """\
# Town formulas

A `<name>.formula.toml` here overrides the shipped formula of that name for every rig of this
town; a rig checkout's own `.beads/formulas/` overrides this one.
"""


# Every file `install_town` writes, relative to the town root (the store's own come from
# `BeadsStore.initialize`, which keeps what exists: a kept log or config is refused here).
WRITTEN = (TOWN_FILE, ".gitignore", ".gitattributes", "formulas/README.md",
           ".beads/config.toml", ".beads/events.jsonl", ".beads/.gitignore")  # fmt: skip


def install_town(directory: Path, name: str | None, profile: str, actor: str) -> TownPaths:
    """Create a town in `directory` (which may exist, but must hold none of the town's files)."""
    root = directory.resolve()
    if (root / TOWN_FILE).exists():
        raise TownError(f"{root} already holds a town ({TOWN_FILE} exists)")
    present = [path for path in WRITTEN if (root / path).exists() or (root / path).is_symlink()]
    if present:
        raise TownError(
            f"{root} already has {', '.join(present)}, which gt install would write; nothing "
            f"was changed. Move {'it' if len(present) == 1 else 'them'} away, or install the "
            f"town in a new directory"
        )
    if profile not in PROFILES:
        raise TownError(f"profile {profile!r} must be one of {', '.join(PROFILES)}")
    paths = TownPaths(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TownError(f"cannot make a town in {root}: {error.strerror or error}") from error
    try:
        paths.town_toml.write_text(town_toml_text(name or root.name, profile), encoding="utf-8")
        BeadsStore.initialize(paths.beads, TOWN_PREFIX).close()
        paths.formulas.mkdir(exist_ok=True)
        (paths.formulas / "README.md").write_text(FORMULAS_README, encoding="utf-8")
        paths.rigs.mkdir(exist_ok=True)
        paths.runtime.mkdir(exist_ok=True)
        (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        (root / ".gitattributes").write_text(GITATTRIBUTES, encoding="utf-8")
        if not (root / ".git").exists():
            init_repository(root)
        identity = commit_identity(root, actor)
        commit_paths(root, tracked_paths(root), "Gas Town: new town", identity, only=True)
    except (OSError, GitError) as error:
        raise TownError(f"cannot make a town in {root}: {error}") from error
    return paths
