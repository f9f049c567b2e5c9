"""Reading a vendor's files as records, each with where it came from (file and line).

JSON lines (one object per line, as Twilio's API and BulkExport and FHIR NDJSON write
them), a JSON file holding a list (an API page, ``{"messages": [...]}``, or a FHIR
Bundle's entries), or a CSV with a header (quoted fields may hold commas, line breaks,
emoji). A file that cannot be read as records is refused naming the file and the line.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from analytics.errors import ExportError

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class SourceError(ExportError):
    """A vendor file that cannot be read as the kind's records: the message names the file
    and the line."""


@dataclass(frozen=True)
class Record:
    """One vendor record, its values by field, and where it is (file, line)."""

    values: dict[str, Any]
    file: Path
    line: int
    csv: bool = False

    def get(self, path: str) -> str | None:
        """The text at ``path`` (``agent[0].who.reference``); None when absent or empty."""
        found: Any = self.values
        if self.csv:  # a CSV header is matched ignoring case and surrounding spaces
            found = self.values.get(_header(path))
        elif path in self.values:  # a top-level field (most of them)
            found = self.values[path]
        else:
            for name, index in _steps(path):
                if name:
                    found = found.get(name) if isinstance(found, dict) else None
                else:
                    found = (
                        found[int(index)]
                        if isinstance(found, list) and int(index) < len(found)
                        else None
                    )
                if found is None:
                    return None
        if found is None or isinstance(found, dict | list):
            return None
        text = str(found).lower() if isinstance(found, bool) else str(found)
        return text if text.strip() else None

    def has(self, path: str) -> bool:
        """Whether the record has the field at all (even empty)."""
        if self.csv:
            return _header(path) in self.values
        return _steps(path)[0][0] in self.values


@lru_cache(maxsize=256)
def _steps(path: str) -> list[tuple[str, str]]:
    """A field's path as steps: (name, '') or ('', index)."""
    return _STEP.findall(path)


@lru_cache(maxsize=256)
def _header(path: str) -> str:
    return path.strip().lower()


def read_records(path: Path, list_key: str | None, bundle: bool) -> Iterator[Record]:
    """Every record of one file, in order."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SourceError(f"cannot read {path}: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise SourceError(f"{path} line {line}: not UTF-8 text") from None
    start = text.lstrip()[:1]
    if start in ("{", "["):
        yield from _json_records(path, text, list_key, bundle)
    else:
        yield from _csv_records(path, text)


def _json_records(path: Path, text: str, list_key: str | None, bundle: bool) -> Iterator[Record]:
    """A JSON file holding a list of records, or JSON lines."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, list):
        yield from _listed(path, whole)
        return
    if isinstance(whole, dict):
        if list_key and isinstance(whole.get(list_key), list):
            yield from _listed(path, whole[list_key])
            return
        if bundle and whole.get("resourceType") == "Bundle":
            resources = [e.get("resource") for e in whole.get("entry") or [] if isinstance(e, dict)]
            yield from _listed(path, resources)
            return
        if text.strip().count("\n") == 0:  # JSON lines of one record
            yield Record(whole, path, 1)
            return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found = json.loads(line)
        except json.JSONDecodeError as e:
            raise SourceError(
                f"{path} line {number}: not a JSON record ({e.msg}; cut short?): "
                "no row of this import was written"
            ) from None
        if not isinstance(found, dict):
            raise SourceError(f"{path} line {number}: a JSON record must be an object")
        yield Record(found, path, number)


def _listed(path: Path, items: list) -> Iterator[Record]:
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise SourceError(f"{path} record {number}: a JSON record must be an object")
        yield Record(item, path, number)


def _csv_records(path: Path, text: str) -> Iterator[Record]:
    """A CSV with a header; a record's line is where it starts."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as e:
        raise SourceError(f"{path} line 1: not a CSV header ({e})") from None
    names = [h.strip().lower() for h in header]
    if len(names) < 2:
        raise SourceError(
            f"{path} line 1: a header of one column ({header[0][:40]!r}): not this kind's CSV "
            "or JSON"
        )
    start = 2
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise SourceError(f"{path} line {reader.line_num}: not a CSV row ({e})") from None
        if fields and len(fields) != len(names):
            raise SourceError(
                f"{path} line {start}: {len(fields)} fields where the header has "
                f"{len(names)} (a field with an unquoted comma or line break?)"
            )
        if fields:
            yield Record(dict(zip(names, fields, strict=True)), path, start, csv=True)
        start = reader.line_num + 1
