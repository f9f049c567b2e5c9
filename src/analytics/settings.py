"""The settings of a run, from one configuration file, so cron, systemd and JupyterLab agree.

Each setting comes from the first of: the command-line option, the environment variable
(``ANALYTICS_<NAME>``), the configuration file, the default. The file is ``--config FILE``,
else ``$ANALYTICS_CONFIG`` (set empty: no file), else ``analytics.toml`` in the working
folder if there is one.
Paths in the file are relative to the file's folder. An example::

    # analytics.toml
    source = "/srv/exports/latest"
    policy = "clinic-policy.toml"
    out = "/srv/reports"
    memory_limit = "3GB"
    jobs = 2
    cell_timeout = 1800   # seconds one notebook cell may run
    start_timeout = 120   # seconds a kernel may take to start
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analytics.contract import TABLES
from analytics.errors import UsageError
from analytics.files import read_toml

CONFIG_NAME = "analytics.toml"
VALIDATION_FOLDER = ".validation"  # in the reports folder: each export's kept validation
CONFIG_ENV = "ANALYTICS_CONFIG"


@dataclass(frozen=True)
class Setting:
    """One setting: its type, default and meaning."""

    kind: type
    default: Any
    meaning: str
    is_path: bool = False
    inherited: bool = False  # the notebooks' kernels need it too (put in their environment)

    def env(self, name: str) -> str:
        return f"ANALYTICS_{name.upper()}"


SETTINGS: dict[str, Setting] = {
    "source": Setting(str, None, "the export to read (default: the shipped sample)", True),
    "policy": Setting(str, None, "the policy TOML (default: the shipped policy)", True),
    "out": Setting(str, None, "the reports folder (default: reports/)", True),
    "validation_dir": Setting(
        str,
        None,
        "where each export's validation is kept for reuse (the command's default: "
        f"{VALIDATION_FOLDER} in the reports folder)",
        True,
        inherited=True,
    ),
    "notebooks": Setting(
        str, None, "the report notebooks (default: the suite's)", True, inherited=True
    ),
    "memory_limit": Setting(str, None, "DuckDB's memory cap per process, e.g. 3GB", inherited=True),
    "jobs": Setting(int, os.cpu_count() or 1, "notebooks run at once"),
    "cell_timeout": Setting(int, 1800, "seconds one notebook cell may run"),
    "start_timeout": Setting(int, 120, "seconds a notebook's kernel may take to start"),
    "timestamp_format": Setting(
        str, None, "the export's timestamp format(s), strptime, ';' between several", inherited=True
    ),
    "csv_encoding": Setting(
        str, None, "the CSV files' encoding: utf-8, latin-1 or utf-16", inherited=True
    ),
    "csv_delimiter": Setting(str, None, "the CSV files' delimiter (default ',')", inherited=True),
    "duckdb_schema": Setting(
        str, None, "the schema of a .duckdb export (default main)", inherited=True
    ),
    "timestamp_timezone": Setting(
        str,
        None,
        "the time zone of timestamps written without an offset (default UTC)",
        inherited=True,
    ),
    "import_key": Setting(
        str,
        None,
        "the secret key of the pseudonymous ids `analytics import` gives patients not in the "
        "directory (keep it the same for every import; never written anywhere)",
    ),
    "tables": Setting(
        dict,
        None,
        "how to read one table's file when it differs from the rest: [tables.NAME] with "
        "csv_encoding, csv_delimiter, timestamp_format or timestamp_timezone",
        inherited=True,
    ),
}

# the settings a table of the export may have of its own ([tables.NAME])
TABLE_SETTINGS = ("csv_encoding", "csv_delimiter", "timestamp_format", "timestamp_timezone")


def table_problems(value: Any, where: str) -> list[str]:
    """What is wrong with a ``tables`` setting: each key a contract table, each of its
    keys one of ``TABLE_SETTINGS``, each value text."""
    if not isinstance(value, dict):
        return [f"{where} must be a table of tables ([tables.messages] csv_encoding = ...)"]
    problems = []
    names = [t.name for t in TABLES]
    for table, own in value.items():
        if table not in names:
            close = difflib.get_close_matches(table, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}: {table!r} is not a table of the contract{hint}")
            continue
        if not isinstance(own, dict):
            problems.append(f"{where}.{table} must be a table of settings")
            continue
        for key, text in own.items():
            if key not in TABLE_SETTINGS:
                problems.append(
                    f"{where}.{table}: {key!r} is not one of {', '.join(TABLE_SETTINGS)}"
                )
            elif not isinstance(text, str) or not text.strip():
                problems.append(f"{where}.{table}.{key} must be text")
    return problems


def parse_table_options(items: list[str]) -> dict[str, dict[str, str]]:
    """``--table-option messages.csv_encoding=latin-1`` (repeated) as a ``tables`` value."""
    found: dict[str, dict[str, str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        table, dot, key = name.strip().partition(".")
        if not sep or not dot:
            raise UsageError(
                f"--table-option {item!r} is not TABLE.SETTING=VALUE (e.g. "
                "messages.csv_encoding=latin-1)"
            )
        found.setdefault(table, {})[key] = value
    problems = table_problems(found, "--table-option")
    if problems:
        raise UsageError("; ".join(problems))
    return found


@dataclass(frozen=True)
class Settings:
    """The settings in force, and where each came from (option, environment, file, default)."""

    values: Mapping[str, Any]
    origins: Mapping[str, str] = field(default_factory=dict)
    config: Path | None = None

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None


def config_file(explicit: str | Path | None = None) -> Path | None:
    """The configuration file in force: ``--config``, ``$ANALYTICS_CONFIG``, or
    ``./analytics.toml`` when it exists (the first two must exist; ``ANALYTICS_CONFIG`` set
    empty means no file at all)."""
    if not explicit and os.environ.get(CONFIG_ENV) == "":
        return None
    for given, where in ((explicit, "--config"), (os.environ.get(CONFIG_ENV), CONFIG_ENV)):
        if given:
            path = Path(given).expanduser()
            if not path.is_file():
                raise UsageError(f"configuration file {path} ({where}) does not exist")
            return path
    local = Path.cwd() / CONFIG_NAME
    return local if local.is_file() else None


def _read_file(path: Path) -> dict[str, Any]:
    data = read_toml(path, "configuration file")
    problems = []
    for key, value in data.items():
        setting = SETTINGS.get(key)
        if setting is None:
            close = difflib.get_close_matches(key, list(SETTINGS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown setting {key!r}{hint}")
        elif setting.kind is dict:
            problems += table_problems(value, key)
        elif not _fits(value, setting):
            problems.append(f"{key} must be {_kind_words(setting)}")
    if problems:
        raise UsageError(f"configuration file {path}: " + "; ".join(problems))
    return {
        k: str((path.parent / Path(v).expanduser()).resolve()) if SETTINGS[k].is_path else v
        for k, v in data.items()
    }


def _fits(value: Any, setting: Setting) -> bool:
    if setting.kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return isinstance(value, str) and bool(value.strip())


def _kind_words(setting: Setting) -> str:
    return "a whole number, 1 or more" if setting.kind is int else "text"


def _from_env(name: str, setting: Setting) -> Any:
    raw = os.environ.get(setting.env(name), "").strip()
    if not raw:
        return None
    if setting.kind is dict:  # as the command hands it to its kernels: JSON
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        problems = table_problems(value, setting.env(name))
        if problems:
            raise UsageError("; ".join(problems))
        return value
    if setting.kind is int:
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise UsageError(f"{setting.env(name)}={raw!r} must be {_kind_words(setting)}")
        return value
    return raw


def load_settings(
    options: Mapping[str, Any] | None = None, config: str | Path | None = None
) -> Settings:
    """The settings in force: ``options`` (the command line's, None where not given), then
    the environment, then the configuration file, then the defaults."""
    options = options or {}
    path = config_file(config)
    in_file = _read_file(path) if path else {}
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name, setting in SETTINGS.items():
        for origin, value in (
            ("option", options.get(name)),
            ("environment", _from_env(name, setting)),
            ("file", in_file.get(name)),
            ("default", setting.default),
        ):
            if value is not None:
                if origin == "option" and setting.kind is int and value < 1:
                    raise UsageError(f"--{name.replace('_', '-')} must be 1 or more")
                values[name], origins[name] = value, origin
                break
        else:
            values[name], origins[name] = None, "default"
    return Settings(values, origins, path)
