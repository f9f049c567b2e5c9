"""Writing files that may hold patients' data: private from the moment they exist."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to a file created with ``mode`` (no window of wider access)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.chmod(path, mode)  # an existing file keeps its old mode through os.open
