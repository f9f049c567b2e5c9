"""Writing files that may hold patients' data: private from the moment they exist, into a
folder checked before anything is written; and reading the TOML files a person writes
(configuration, lookups), a mistake in them one clear message."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from analytics.errors import OutputError, UsageError


def read_toml(path: Path, what: str, error: type[UsageError] = UsageError) -> dict[str, Any]:
    """The TOML file ``path`` (``what`` names it in a message: "configuration file"), or
    ``error`` saying why it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise error(f"cannot read {what} {path}: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise error(f"{what} {path} is not valid TOML: {e}") from None


def write_private(path: Path, text: str | bytes, mode: int = 0o600) -> None:
    """Write ``text`` (or bytes) to a file created with ``mode`` (no window of wider
    access)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    if isinstance(text, bytes):
        with os.fdopen(fd, "wb") as out:
            out.write(text)
    else:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    os.chmod(path, mode)  # an existing file keeps its old mode through os.open


def check_out(folder: Path, given: Path | None = None) -> None:
    """Refuse a folder that cannot take what a command writes: a file, or not writable
    (checked on the folder, or on the nearest folder above it that exists; nothing is
    created). ``given``: the ``--out`` the user named, when it is a file in ``folder``."""
    named = given or folder
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"--out {named}: {probe} is a file, not a folder; nothing was written")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"--out {named} is not writable by this account: nothing was written")
