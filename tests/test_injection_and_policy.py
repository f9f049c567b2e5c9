"""User-supplied values are validated and reach SQL only as bound values."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from analytics.domains.consent import keyword_pattern
from analytics.loading.loader import open_export
from analytics.policy import PolicyError, default_policy_path
from analytics.registry import load_policy
from analytics.sample import generate_sample
from helpers import full_export, write_export
from helpers import run_cli as cli


@pytest.mark.parametrize("period", ["2026-10' OR '1'='1", "2026-10; DROP TABLE x", "2026-1"])
def test_period_is_validated_before_anything_runs(period):
    done = cli("run", "--period", period, "--out", "/tmp/analytics-never")
    assert done.returncode == 2 and "not a month written YYYY-MM" in done.stderr


def test_paths_with_quotes_are_bound_not_formatted(tmp_path):
    weird = tmp_path / 'it\'s a "folder"; DROP'
    source = generate_sample(weird / "export", patients=60, seed=1)
    export = open_export(source)
    assert export.tables["messages"].rows_read > 0
    export.close()
    db = write_export(full_export(), "duckdb", weird / "db")
    export = open_export(db)
    assert export.tables["records"].rows_used == 1
    export.close()


def test_policy_words_are_matched_literally():
    pattern = keyword_pattern(["a.b", "don't", "opt out"])
    match = lambda text: duckdb.execute(  # noqa: E731
        "SELECT regexp_matches(lower(?), ?)", [text, pattern]
    ).fetchall()[0][0]
    assert match("a.b") and not match("axb")
    assert match("please don't") and not match("dont")  # a quote is only a character
    assert match("please opt   out") and not match("optical output")
    assert re.compile(pattern)  # also a valid Python regex: no stray metacharacter


def edited_policy(tmp_path, old: str, new: str):
    text = default_policy_path().read_text()
    assert old in text
    path = tmp_path / "policy.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ('unit = "calendar"', 'unit = "fortnights"', "'fortnights' is not one of 'calendar'"),
        ("days = 15", "days = -1", "days must be 0 or more"),
        ('timezone = "America/Los_Angeles"', 'timezone = "Mars/Olympus"', "not a time zone"),
        ("help_reply_minutes = 60", 'help_reply_minutes = "soon"', "help_reply_minutes"),
        ("grace_days = 90", "grace_days = 9.5", "grace_days"),
        ('"sale"]', '"gossip"]', "authorization_required_purposes"),
        ("keep_years = 7", "keep_years = true", "keep_years"),
        ("green = 1.0", 'green = "100%"', "green must be a number"),
        ('better = "lower"', 'better = "sideways"', "'sideways' is not one of 'higher', 'lower'"),
        ("help_reply_minutes = 60", "help_reply_minuets = 60", "did you mean 'help_reply_minutes'"),
        ("[retention]", "[retension]", "unknown section 'retension'"),
    ],
)
def test_bad_policy_values_are_refused_naming_the_key(tmp_path, old, new, words):
    with pytest.raises(PolicyError, match=re.escape(words)):
        load_policy(edited_policy(tmp_path, old, new))


ACCESS = 'regime = "hipaa"\nrequest_type = "access"'


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        # a reader of "default 1 %" writes 1: the data-problem guard would be off
        ("data_problem_rate = 0.01", "data_problem_rate = 1", "data_problem_rate 1 must be"),
        ("data_problem_rate = 0.01", "data_problem_rate = 2.0", "data_problem_rate 2.0 must be"),
        ("data_problem_rate = 0.01", "data_problem_rate = nan", "must be a finite number"),
        ("data_problem_rate = 0.01", "data_problem_rate = -1", "data_problem_rate -1 must be"),
        ("data_problem_rate = 0.01", "data_problem_rate = inf", "must be a finite number"),
        # the access deadline made a second one for amendments: every HIPAA access request
        # would count as late, and one of the two amendment deadlines silently unused
        (ACCESS, ACCESS.replace("access", "amend"), "hipaa access has no deadline"),
        (ACCESS, ACCESS.replace("access", "amend"), "hipaa amend has 2 deadlines"),
        (ACCESS, ACCESS.replace("hipaa", "ccpa"), "ccpa has no request type 'access'"),
        ("days = 15", "days = 9223372036854775807", "it may be at most 3,650"),
        ("days = 15", "days = 3651", "it may be at most 3,650"),
        ("keep_years = 7", "keep_years = 1000", "it may be at most 100"),
        ('revocation_phrases = ["no more"', 'revocation_phrases = ["%", "no more"', "'%' holds no"),
        ('help_words = ["', 'help_words = ["*", "', "'*' holds no letter or digit"),
        ("green = 1.0", "green = 95", "shares from 0 to 1"),
    ],
)
def test_a_setting_that_would_change_a_figure_silently_is_refused(tmp_path, old, new, words):
    path = edited_policy(tmp_path, old, new)
    with pytest.raises(PolicyError, match=re.escape(words)):
        load_policy(path)
    done = cli("validate", "--policy", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


def test_bad_policy_gives_exit_2_without_traceback(tmp_path):
    path = edited_policy(tmp_path, "days = 15", "days = -1")
    done = cli("run", "--policy", str(path), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    not_toml = tmp_path / "policy.toml"
    not_toml.write_text("this is [not toml")
    done = cli("run", "--policy", str(not_toml), "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "not valid TOML" in done.stderr


def test_top_level_targets_of_an_older_policy_file_are_refused_with_the_fix(tmp_path):
    path = edited_policy(tmp_path, "[[quality.targets]]", "[[targets]]")
    with pytest.raises(PolicyError, match=re.escape("[[requests.targets]]")):
        load_policy(path)


def test_every_user_error_carries_its_exit_code():
    from analytics import errors
    from analytics.period import PeriodError

    assert PolicyError("x").exit_code == PeriodError("x").exit_code == 2
    assert errors.ExportError("x").exit_code == 3
    assert errors.RunError("x").exit_code == 4
    assert errors.RunLocked("x").exit_code == 5
    assert errors.OutputError("x").exit_code == 6
    assert set(errors.EXIT_CODES) == {0, 1, 2, 3, 4, 5, 6}


def test_an_unexpected_exception_is_an_internal_error_with_its_traceback_in_a_file(monkeypatch):
    import analytics.cli

    def broken(args):
        raise ZeroDivisionError("planted bug")

    monkeypatch.setattr(analytics.cli, "_cmd_validate", broken)  # build_parser reads it
    done = cli("validate", "somewhere")
    assert done.returncode == 1
    assert "internal error" in done.stderr and "planted bug" in done.stderr
    assert "Traceback" not in done.stderr
    path = done.stderr.rsplit(" ", 1)[-1].strip()
    text = Path(path).read_text()
    assert "Traceback" in text and "ZeroDivisionError: planted bug" in text
    Path(path).unlink()


def test_an_out_that_is_a_file_is_one_line_and_its_own_exit_code(tmp_path):
    afile = tmp_path / "reports"
    afile.write_text("not a folder")
    done = cli("run", "--period", "2026-10", "--out", str(afile))
    assert done.returncode == 6 and "is a file" in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_closed_pipe_ends_the_command_quietly():
    import subprocess
    import sys

    head = subprocess.run(
        f"{sys.executable} -m analytics.cli validate | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert head.returncode == 0 and "Traceback" not in head.stderr


def test_a_full_disk_is_one_line_and_nothing_replaced(monkeypatch, tmp_path):
    import errno

    import analytics.cli

    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x"))

    monkeypatch.setattr(analytics.cli, "_cmd_validate", full)
    done = cli("validate")
    assert done.returncode == 6
    assert "No space left on device" in done.stderr and "nothing was replaced" in done.stderr


def test_a_policy_with_three_mistakes_gets_one_message_naming_all_three(tmp_path):
    text = default_policy_path().read_text()
    text = text.replace('unit = "calendar"', 'unit = "rates"', 1)
    text = text.replace('timezone = "America/Los_Angeles"', 'timezone = "Mars/Olympus"', 1)
    text = text.replace('metric = "retention.overdue_disposal"', 'metric = "retention.gone"', 1)
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert "3 problems" in message and "\n" not in message
    assert "requests.deadlines[1].unit: 'rates' is not one of 'calendar', 'business'" in message
    assert "clinic.timezone: 'Mars/Olympus' is not a time zone" in message
    assert "retention.targets[1].metric: no domain writes 'retention.gone'" in message


def test_the_shipped_policy_schema_is_the_registry_s():
    from analytics.devtools import policy_schema_text
    from analytics.schemas import shipped

    assert json.loads(policy_schema_text()) == shipped("policy"), (
        "run python -m analytics.devtools write-schemas"
    )


def test_a_run_without_notebooks_is_refused_never_an_empty_index(tmp_path, monkeypatch):
    empty = tmp_path / "notebooks"
    empty.mkdir()
    monkeypatch.setenv("ANALYTICS_NOTEBOOKS", str(empty))
    done = cli("run", "--period", "2026-10", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "no report notebook" in done.stderr
    assert not (tmp_path / "out" / "2026-10").exists()
