"""The compliance policy: deadlines, keyword lists, retention years, as data.

The shipped ``policy.toml`` holds the defaults of ``shared/spec/policy-defaults.md``,
each with its legal source. A clinic may pass its own file; every report records which
file (and its SHA-256) it applied.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNITS = ("calendar", "business")


class PolicyError(Exception):
    """A policy file that cannot be used: the message names the key."""


@dataclass(frozen=True)
class Policy:
    """A loaded policy file and where it came from."""

    path: str
    sha256: str
    data: dict

    @property
    def timezone(self) -> str:
        return self.data["clinic"]["timezone"]

    @property
    def clinic_name(self) -> str:
        return self.data["clinic"]["name"]

    @property
    def deadlines(self) -> list[dict]:
        """Rights-request deadlines: regime ('*' for either), type, days, unit, extension."""
        return self.data["requests"]["deadlines"]

    @property
    def acknowledgment(self) -> dict:
        return self.data["requests"]["acknowledgment"]

    @property
    def business_days(self) -> dict:
        return self.data["business_days"]

    @property
    def targets(self) -> list[dict]:
        return self.data.get("targets", [])


def default_policy_path() -> Path:
    """The policy file shipped inside the package."""
    return Path(str(resources.files("analytics") / "policy.toml"))


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and check a policy file (default: the shipped one)."""
    p = Path(path).expanduser() if path else default_policy_path()
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise PolicyError(f"cannot read policy file {p}: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise PolicyError(f"policy file {p} is not valid TOML: {e}") from None
    _check(data, p)
    return Policy(path=str(p), sha256=hashlib.sha256(raw).hexdigest(), data=data)


def _check(data: dict, p: Path) -> None:
    """Refuse a policy the suite cannot apply, naming the key at fault."""
    tz = data.get("clinic", {}).get("timezone")
    if not isinstance(tz, str):
        raise PolicyError(f"policy file {p}: [clinic] timezone is missing")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"policy file {p}: [clinic] timezone {tz!r} is not a time zone") from None
    deadlines = data.get("requests", {}).get("deadlines")
    if not isinstance(deadlines, list) or not deadlines:
        raise PolicyError(f"policy file {p}: [[requests.deadlines]] is missing")
    for i, d in enumerate(deadlines, start=1):
        where = f"policy file {p}: requests.deadlines entry {i}"
        for key in ("regime", "request_type", "days", "unit", "extension", "source"):
            if key not in d:
                raise PolicyError(f"{where} lacks {key!r}")
        if d["unit"] not in UNITS:
            raise PolicyError(f"{where}: unit {d['unit']!r} is not one of {', '.join(UNITS)}")
        for key in ("days", "extension"):
            if not isinstance(d[key], int) or isinstance(d[key], bool) or d[key] < 0:
                raise PolicyError(f"{where}: {key} must be a whole number of days, 0 or more")
    ack = data.get("requests", {}).get("acknowledgment", {})
    if ack.get("unit") not in UNITS or not isinstance(ack.get("days"), int):
        raise PolicyError(f"policy file {p}: [requests.acknowledgment] needs days and unit")
    bd = data.get("business_days", {})
    if not isinstance(bd.get("holiday_country"), str):
        raise PolicyError(f"policy file {p}: [business_days] holiday_country is missing")
    _check_consent(data.get("consent", {}), p)
    _check_retention(data.get("retention", {}), p)
    _check_disclosures(data.get("disclosures", {}), p)
    for i, t in enumerate(data.get("targets", []), start=1):
        for key in ("metric", "label", "report", "better", "green", "amber", "rule"):
            if key not in t:
                raise PolicyError(f"policy file {p}: targets entry {i} lacks {key!r}")
        if t["better"] not in ("higher", "lower"):
            raise PolicyError(f"policy file {p}: targets entry {i}: better is higher or lower")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_consent(c: dict, p: Path) -> None:
    for key in ("withdrawal_words", "help_words"):
        words = c.get(key)
        if (
            not isinstance(words, list)
            or not words
            or not all(isinstance(w, str) and w.strip() for w in words)
        ):
            raise PolicyError(f"policy file {p}: [consent] {key} must be a list of words")
    for key in ("help_reply_minutes", "optout_processing_hours", "optout_confirmations_allowed"):
        if not _whole(c.get(key)):
            raise PolicyError(f"policy file {p}: [consent] {key} must be a whole number >= 0")


def _check_retention(r: dict, p: Path) -> None:
    from analytics.contract import RECORDS

    for key in ("grace_days", "minors_until_age"):
        if not _whole(r.get(key)):
            raise PolicyError(f"policy file {p}: [retention] {key} must be a whole number >= 0")
    classes = r.get("classes", {})
    for name in RECORDS.column("record_class").codes:
        c = classes.get(name)
        if not isinstance(c, dict):
            raise PolicyError(f"policy file {p}: [retention.classes.{name}] is missing")
        for key in ("keep_years", "dispose_by_years"):
            if not _whole(c.get(key)):
                raise PolicyError(
                    f"policy file {p}: [retention.classes.{name}] {key} must be a whole "
                    "number of years >= 0"
                )


def _check_disclosures(d: dict, p: Path) -> None:
    from analytics.contract import DISCLOSURES

    purposes = set(DISCLOSURES.column("purpose").codes)
    for key in ("non_accountable_purposes", "authorization_required_purposes"):
        values = d.get(key)
        if not isinstance(values, list) or not set(values) <= purposes:
            raise PolicyError(
                f"policy file {p}: [disclosures] {key} must list purposes of the contract"
            )
    if not _whole(d.get("accounting_lookback_years")):
        raise PolicyError(f"policy file {p}: [disclosures] accounting_lookback_years is missing")
