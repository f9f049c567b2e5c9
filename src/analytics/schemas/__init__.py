"""JSON Schemas of the files the suite reads and writes, shipped in the package.

- ``policy.schema.json``: the policy file (generated from the policy sections' dataclasses
  of the registered domains; ``python -m analytics.devtools write-schemas`` writes it, and
  a test fails when it drifts);
- ``metrics.schema.json``: ``metrics.json`` (schema ``compliance-metrics/1``);
- ``manifest.schema.json``: ``manifest.json`` (schema ``compliance-manifest/1``).

A policy file is checked against its schema when it is loaded, and every problem is named
at once with its key path, together with the checks a schema cannot make (a time zone that
exists, a target naming a metric that exists).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jsonschema import Draft202012Validator, ValidationError

from analytics.policy import BusinessDays, Clinic, json_schema


@cache
def shipped(name: str) -> dict:
    """A schema shipped in the package: ``policy``, ``metrics`` or ``manifest``."""
    text = (resources.files(__name__) / f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def policy_schema(sections: Mapping[str, type]) -> dict:
    """The policy file's schema: ``[clinic]``, ``[business_days]`` and one section per
    domain, each from its dataclass."""
    properties = {"clinic": json_schema(Clinic), "business_days": json_schema(BusinessDays)}
    properties.update({name: json_schema(kind) for name, kind in sections.items()})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "compliance-policy/1",
        "title": "The compliance policy: deadlines, keywords, retention, targets, as data",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(the file)"


TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "array": "a list",
    "object": "a table",
    "boolean": "true or false",
}


def _words(error: ValidationError) -> list[str]:
    """One schema error in the words of a policy file's reader, with its key path."""
    where = _path(error.path)
    kind = error.validator
    if kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        what = "section" if not error.path else "key"
        out = []
        for key in sorted(set(error.instance) - set(known)):
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            out.append(f"{where}: unknown {what} {key!r}{hint}")
        return out
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return [f"{where}: lacks {missing!r}"]
    if kind == "enum":
        allowed = ", ".join(map(repr, error.validator_value))
        return [f"{where}: {error.instance!r} is not one of {allowed}"]
    if kind == "type":
        kinds = (
            error.validator_value
            if isinstance(error.validator_value, list)
            else [error.validator_value]
        )
        words = [TYPE_WORDS.get(str(k), str(k)) for k in kinds]
        return [f"{where} must be {' or '.join(words)}"]
    if kind == "minimum":
        return [f"{where} must be {error.validator_value} or more"]
    if kind == "maximum":
        return [f"{where} is {error.instance}: it may be at most {error.validator_value:,}"]
    return [f"{where}: {error.message}"]


def problems(schema: dict, document: Any) -> list[str]:
    """Every way ``document`` breaks ``schema``, each with its key path."""
    validator = Draft202012Validator(schema)
    found = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path)))
    return [line for error in found for line in _words(error)]


def policy_problems(data: dict, sections: Mapping[str, type], metrics: set[str]) -> list[str]:
    """Every problem of a policy file at once: its schema's, a time zone that does not
    exist, and targets naming a metric (or a population) no domain writes."""
    found = problems(policy_schema(sections), data)
    timezone = data.get("clinic", {}).get("timezone") if isinstance(data, dict) else None
    if isinstance(timezone, str):
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            found.append(f"clinic.timezone: {timezone!r} is not a time zone")
    for name in sections:
        section = data.get(name) if isinstance(data, dict) else None
        targets = section.get("targets", []) if isinstance(section, dict) else []
        for i, target in enumerate(targets if isinstance(targets, list) else [], start=1):
            for key in ("metric", "population"):
                metric = target.get(key) if isinstance(target, dict) else None
                if isinstance(metric, str) and metric and metric not in metrics:
                    found.append(f"{name}.targets[{i}].{key}: no domain writes {metric!r}")
    return found
