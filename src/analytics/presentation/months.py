"""The index of months (``reports/index.html``): every month written, how its headline
figures stood, and a month without a report shown as a gap, never skipped.

Read from each month's ``manifest.json`` (its ``summary``), so that it is made again from
what is on disk after every run, whichever month that run wrote.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from analytics.period import Period
from analytics.presentation.formatting import local_time_text
from analytics.presentation.templates import environment

MONTH = re.compile(r"^\d{4}-\d{2}$")


def months_written(out: Path) -> dict[str, dict]:
    """Each month folder of ``out`` with a readable manifest: its manifest."""
    found = {}
    for folder in sorted(out.iterdir()) if out.is_dir() else []:
        if not (folder.is_dir() and MONTH.match(folder.name)):
            continue
        try:
            found[folder.name] = json.loads((folder / "manifest.json").read_text("utf-8"))
        except (OSError, ValueError):
            continue  # a month folder without its manifest is not a finished month
    return found


def month_rows(out: Path, timezone: str = "UTC") -> list[dict]:
    """One row per month from the first written to the last, newest first; a month not
    written in between is a row that says so. When each was made: in ``timezone``."""
    written = months_written(out)
    if not written:
        return []
    first, last = Period.parse(min(written)), Period.parse(max(written))
    rows = []
    month = last
    while month >= first:
        manifest = written.get(str(month))
        summary = (manifest or {}).get("summary") or {}
        rows.append(
            {
                "period": str(month),
                "label": month.first_day.strftime("%B %Y"),
                "written": manifest is not None,
                "generated_at": _made(manifest, timezone),
                **summary,
            }
        )
        month = month.shift(-1)
    return rows


def _made(manifest: dict | None, timezone: str) -> str:
    """When a month's report was made, in the clinic's zone ('' when not written)."""
    try:
        made = datetime.fromisoformat((manifest or {})["generated_at"])
    except (KeyError, TypeError, ValueError):
        return ""
    return local_time_text(made if made.tzinfo else made.replace(tzinfo=UTC), timezone)


def render_months(out: Path, clinic: str, timezone: str = "UTC") -> str:
    """The index of months as HTML (no script, every value escaped)."""
    rows = month_rows(out, timezone)
    return environment().get_template("months.html.j2").render(clinic=clinic, rows=rows)
