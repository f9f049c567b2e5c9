"""One configuration file for cron, systemd and JupyterLab: option > environment > file."""

from __future__ import annotations

import json
import re

import pytest

from analytics.errors import UsageError
from analytics.settings import load_settings
from helpers import run_cli as cli
from reports import tiny_month_export


def write_config(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_option_beats_environment_beats_file_beats_default(tmp_path, monkeypatch):
    config = write_config(tmp_path / "analytics.toml", 'jobs = 3\ncell_timeout = 60\nout = "r"\n')
    monkeypatch.setenv("ANALYTICS_CELL_TIMEOUT", "90")
    got = load_settings({"jobs": 5}, config)
    assert (got.jobs, got.origins["jobs"]) == (5, "option")
    assert (got.cell_timeout, got.origins["cell_timeout"]) == (90, "environment")
    assert (got.out, got.origins["out"]) == (str(tmp_path / "r"), "file")  # beside the file
    assert (got.start_timeout, got.origins["start_timeout"]) == (120, "default")


def test_analytics_toml_of_the_working_folder_is_read_unless_the_variable_is_empty(
    tmp_path, monkeypatch
):
    write_config(tmp_path / "analytics.toml", "jobs = 7\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().jobs != 7  # the tests run with ANALYTICS_CONFIG set empty
    monkeypatch.delenv("ANALYTICS_CONFIG")
    assert load_settings().jobs == 7


def test_every_mistake_of_a_configuration_file_is_named_at_once(tmp_path):
    config = write_config(tmp_path / "c.toml", 'jobz = 2\ncell_timeout = "soon"\n')
    with pytest.raises(UsageError) as info:
        load_settings({}, config)
    message = str(info.value)
    assert "unknown setting 'jobz' (did you mean 'jobs'?)" in message
    assert "cell_timeout must be a whole number, 1 or more" in message


def test_a_missing_configuration_file_is_a_usage_error(tmp_path):
    done = cli("--config", str(tmp_path / "nowhere.toml"), "validate")
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_validate_reads_the_configured_source(tmp_path):
    source = tiny_month_export(tmp_path / "export")
    config = write_config(tmp_path / "c.toml", f'source = "{source}"\n')
    done = cli("--config", str(config), "validate")
    assert done.returncode == 0, done.stderr
    assert str(source) in done.stdout


@pytest.mark.slow
def test_a_run_uses_its_configuration_and_an_option_overrides_it(tmp_path):
    source = tiny_month_export(tmp_path / "export")
    config = write_config(
        tmp_path / "c.toml", f'source = "{source}"\nout = "from-file"\njobs = 2\n'
    )
    done = cli("--config", str(config), "run", "--period", "2026-10")
    assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "from-file" / "2026-10" / "metrics.json").read_text())
    assert doc["source"]["path"] == str(source)
    out = str(tmp_path / "o")
    done = cli(
        "--config",
        str(config),
        "--log-level",
        "info",
        "run",
        "--period",
        "2026-10",
        "--out",
        out,
        process=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "o" / "2026-10" / "index.html").is_file()
    # the log at info: the validation's and each notebook's time, nothing else
    assert "validated in" in done.stderr
    assert re.search(r"2026-10: requests\.ipynb done in [0-9.]+ s", done.stderr)
    assert "Traceback" not in done.stderr
