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
    tz = data.get("clinic", {}).get("timezone")
    if not isinstance(tz, str):
        raise PolicyError(f"policy file {p}: [clinic] timezone is missing")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"policy file {p}: [clinic] timezone {tz!r} is not a time zone") from None
