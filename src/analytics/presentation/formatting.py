"""One way to write a figure, a date, a count or a code, on every page a person reads.

The overview, the report pages, the index of months and the letters all call these: the
same rounding (a rate to one decimal, a whole one without), the same dates, and words
from one vocabulary instead of the contract's codes (``confidential_comms``), never a
Python value (``True``, ``None``, ``nan``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd

from analytics.policy import Target

# the contract's codes a reader meets, in the clinic's words; any other code is shown with
# its underscores as spaces
VOCABULARY = {
    "confidential_comms": "confidential communications",
    "opt_out_sale_share": "opt out of sale or sharing",
    "limit_sensitive": "limit use of sensitive information",
    "hipaa": "HIPAA",
    "ccpa": "CCPA",
    "sms": "SMS",
    "ca_ag": "California Attorney General",
    "hhs": "HHS",
    "business_associate": "business associate",
    "healthcare_provider": "health-care provider",
    "sms_phone": "SMS phone number",
    "mhmda": "MHMDA",
    "baa": "BAA",
    "duckdb": "DuckDB database",
    "export_database": "DuckDB EXPORT DATABASE folder",
    "table_files": "folder of table files",
}
# a code of the contract or the policy: lower case words joined by underscores
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def rate_text(value: float) -> str:
    """A share as a percentage: whole at 0 and 100 %, else one decimal (two figures
    under 1 %), so that 82.6 % reads the same on every page."""
    if value in (0, 1):
        return f"{value * 100:.0f} %"
    return f"{value * 100:.1f} %" if value >= 0.01 else f"{value * 100:.2g} %"


def format_value(value: float | None, unit: str) -> str:
    """A figure as a reader sees it: a percentage, a count, days or hours, or 'no data'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if unit == "rate":
        return rate_text(value)
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "hours":
        return f"{value:.1f} h"
    return f"{int(value):,}"


def count_of(n: int, singular: str, plural: str | None = None) -> str:
    """'1 figure', '35 figures', '320 people': a count with its noun."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def days_text(n: int) -> str:
    """'1 day', '15 days'."""
    return count_of(n, "day")


def day_text(day: date) -> str:
    """A date as the overview writes it: 'Nov 15, 2026'."""
    return f"{day:%b} {day.day}, {day.year}"


def local_time_text(moment: datetime, timezone: str) -> str:
    """An instant in the clinic's zone, as every page writes it: '2026-12-07 07:49 PST'."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def listed(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plain(code: object) -> str:
    """A code or value as words: the vocabulary's, Yes/No for a flag, '' for none."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return ""
    if isinstance(code, bool):
        return "Yes" if code else "No"
    text = str(code)
    if text in VOCABULARY:
        return VOCABULARY[text]
    return text.replace("_", " ") if _CODE.fullmatch(text) else text


def in_words(text: str) -> str:
    """A phrase with each code of the vocabulary in it said in words ("by sms" reads
    "by SMS"); every other word as written."""
    return re.sub(r"[a-z][a-z0-9_]*", lambda m: VOCABULARY.get(m[0], m[0]), text)


def heading(column: object) -> str:
    """A column's heading in words, its first letter a capital: 'Baa signed on' reads
    'BAA signed on'."""
    words = plain(column)
    return words[:1].upper() + words[1:]


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a person reads it: headings in words, codes in words, Yes/No for flags;
    numbers, dates, ids and free text as they are."""
    out = frame.rename(columns={c: heading(c) for c in frame.columns})
    for i, column in enumerate(frame.columns):
        values = frame[column]
        if values.dtype == bool or values.dtype.name == "boolean":
            out.isetitem(i, pd.Series([plain(v) for v in values], index=values.index, dtype=object))
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            if any(isinstance(v, bool) or (isinstance(v, str) and _is_code(v)) for v in values):
                shown = [plain(v) if isinstance(v, bool) or _is_code(v) else v for v in values]
                out.isetitem(i, pd.Series(shown, index=values.index, dtype=object))
    return out


def _is_code(value: object) -> bool:
    return isinstance(value, str) and (value in VOCABULARY or bool(_CODE.fullmatch(value)))


def target_text(target: Target) -> str:
    """The target in plain words ("none allowed", "at least 95 %"): the policy's own
    wording if it gives one."""
    if target.target_text:
        return target.target_text
    green, amber = format_value(target.green, target.unit), format_value(target.amber, target.unit)
    if target.better == "lower":
        said = "none allowed" if target.green == 0 else f"at most {green}"
        return said if target.amber == target.green else f"{said} (watch up to {amber})"
    said = green if target.unit == "rate" and target.green == 1 else f"at least {green}"
    return said if target.amber == target.green else f"{said} (watch from {amber})"
