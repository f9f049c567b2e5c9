"""The export's manifest: when the system that wrote the export extracted it.

Optional. A folder export holds it as ``export-manifest.json``; a DuckDB file ``NAME.duckdb``
as ``NAME.export-manifest.json`` beside it. It is a JSON object whose ``extracted_at`` is an
ISO 8601 instant with its offset (``"2026-11-02T06:00:00Z"``); other keys are kept for
the people who read it and ignored here. Without it, how far the export reaches is read
from its logs' own dates (``analytics.loading.coverage``).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from analytics.errors import ExportError

MANIFEST_FILE = "export-manifest.json"


def manifest_path(source: Path) -> Path:
    """Where the manifest of the export at ``source`` is (whether or not it exists)."""
    if source.is_file():
        return source.with_name(f"{source.stem}.{MANIFEST_FILE}")
    return source / MANIFEST_FILE


def read_extracted_at(source: Path) -> datetime | None:
    """The instant the export was extracted, from its manifest; None without one.

    A manifest that is there but cannot be read is refused (exit 3): a wrong date would
    change which months the export covers."""
    path = manifest_path(source)
    if not path.is_file():
        return None
    hint = (
        f'{path}: a manifest is a JSON object such as {{"extracted_at": '
        '"2026-11-02T06:00:00Z"}; correct it or remove it'
    )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ExportError(f"{hint} ({type(e).__name__}: {str(e)[:80]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("extracted_at"), str):
        raise ExportError(f"{hint} (no extracted_at written as a text)")
    text = data["extracted_at"].strip()
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ExportError(
            f"{hint} (extracted_at {text[:40]!r} is not an ISO 8601 instant)"
        ) from None
    if when.tzinfo is None:
        raise ExportError(
            f"{hint} (extracted_at {text!r} has no offset: write it in UTC with Z, or with "
            "the offset it was taken in)"
        )
    return when
