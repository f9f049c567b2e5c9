"""Faults lose nothing: each ends with a clear message and exit code, the previous good
month untouched, no partial output and no stray kernel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.errors import RunError
from analytics.paths import notebooks_dir
from analytics.registry import open_report
from analytics.run.notebooks import report_notebooks
from analytics.run.runner import run_month
from helpers import full_export, run_cli, tree_hash, write_export
from reports import tiny_month_export

FIXTURES = Path(__file__).parent / "fixtures"


def descendants(root: int) -> set[int]:
    """PIDs of the running processes below ``root`` (children, their children, ...), from
    ``/proc``: what this test started, never another user's or another test's."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] not in ("Z", "X"):  # a zombie or a dead process runs nothing
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def kernels() -> set[int]:
    """PIDs of running ipykernel processes that this test process started (an officer's
    JupyterLab, or another test worker, may run kernels of its own beside it)."""
    return {pid for pid in descendants(os.getpid()) if b"ipykernel_launcher" in _cmdline(pid)}


def test_kernels_counts_only_this_processes_own_descendants():
    """A kernel that this test process did not start (here one detached from it, as an
    officer's JupyterLab kernel is) is not counted: the checks below never depend on what
    else runs on the machine."""
    import signal
    import time

    script = f"{sys.executable} -c 'import time; time.sleep(60)' ipykernel_launcher"
    started = subprocess.run(
        ["sh", "-c", f"({script} >/dev/null 2>&1 & echo $!)"], capture_output=True, text=True
    )
    other = int(started.stdout.strip())
    try:
        time.sleep(0.2)
        assert b"ipykernel_launcher" in _cmdline(other)  # it runs, and pgrep -f would count it
        assert other not in kernels()
    finally:
        os.kill(other, signal.SIGKILL)


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def good_month(tiny_month):
    """An export and a reports folder holding a good 2026-10 (the tests that follow must
    leave it untouched; the concurrent-run test, last, rewrites it)."""
    result, ctx = tiny_month
    out = result.folder.parent
    return ctx, out, tree_hash(out / "2026-10")


def assert_untouched(out: Path, before: str) -> None:
    assert tree_hash(out / "2026-10") == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".2026")] == []


def test_kernel_that_dies_mid_run(good_month):
    ctx, out, before = good_month
    running = kernels()
    with pytest.raises(RunError, match="kernel_dies.ipynb: its kernel died"):
        run_month(ctx, out, notebooks=[FIXTURES / "kernel_dies.ipynb", *report_notebooks()], jobs=2)
    assert_untouched(out, before)
    assert kernels() <= running  # no stray kernel left behind


def test_notebook_that_raises_leaves_no_stray_kernel(good_month):
    ctx, out, before = good_month
    running = kernels()
    with pytest.raises(RunError, match="broken.ipynb"):
        run_month(ctx, out, notebooks=[*report_notebooks(), FIXTURES / "broken.ipynb"], jobs=2)
    assert_untouched(out, before)
    assert kernels() <= running


def test_cell_that_hangs_fails_the_run_within_its_timeout(good_month):
    """A hanging cell ends the run (exit 4 at the command) after the cell timeout plus the
    kernel's start-up, naming the notebook and the cell; the last good month stays."""
    import time

    from analytics.run.kernels import Timeouts

    ctx, out, before = good_month
    running = kernels()
    started = time.monotonic()
    with pytest.raises(RunError) as info:
        run_month(ctx, out, notebooks=[FIXTURES / "sleeps.ipynb"], timeouts=Timeouts(cell=3))
    elapsed = time.monotonic() - started
    assert elapsed < 3 + 60, elapsed  # far below the cell's 600 s
    message = str(info.value)
    assert "sleeps.ipynb timed out in cell 2" in message and "import time" in message
    assert "--cell-timeout" in message
    assert_untouched(out, before)
    assert kernels() <= running


def test_export_that_vanishes_halfway(good_month, tmp_path):
    """Once validated, the run works from its own copy: an export deleted while the
    notebooks run changes nothing, and the month records the source it read."""
    ctx, _, _ = good_month
    copy = tmp_path / "copy"
    shutil.copytree(ctx.export.source, copy)
    moving = open_report(copy, "2026-10")
    out = tmp_path / "out"
    notebooks = [FIXTURES / "a_vanish.ipynb", *report_notebooks()]
    result = run_month(moving, out, notebooks=notebooks, jobs=1)
    assert not copy.exists()
    doc = json.loads((result.folder / "metrics.json").read_text())
    good = json.loads((good_month[1] / "2026-10" / "metrics.json").read_text())
    assert doc["metrics"] == good["metrics"]
    assert {p.name for p in result.folder.glob("*.html")} >= {"index.html", "quality.html"}


def test_export_gone_before_the_run_is_a_clear_error(tmp_path):
    done = run_cli("run", "--source", str(tmp_path / "gone"), "--out", str(tmp_path / "out"))
    assert done.returncode == 3 and "does not exist" in done.stderr


def test_two_runs_of_the_same_month_started_together(good_month):
    ctx, out, _ = good_month
    args = ["run", "--source", str(ctx.export.source), "--out", str(out), "--jobs", "1"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "analytics.cli", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 0], [0, 5]), results
    if codes == [0, 5]:
        assert any("another run of 2026-10" in err for _, err in results)
    month = out / "2026-10"
    doc = json.loads((month / "metrics.json").read_text())
    assert doc["period"] == "2026-10"
    assert {p.stem for p in report_notebooks()} <= {p.stem for p in month.glob("*.html")}
    assert [p.name for p in out.iterdir() if p.name.startswith(".2026")] == []


def test_failing_notebook_exit_code_and_message(tmp_path):
    notebooks = tmp_path / "nbs"
    notebooks.mkdir()
    shutil.copy(FIXTURES / "kernel_dies.ipynb", notebooks)
    source = tiny_month_export(tmp_path / "export")
    import os

    done = run_cli(
        "run",
        "--source",
        str(source),
        "--out",
        str(tmp_path / "out"),
        env={**os.environ, "ANALYTICS_NOTEBOOKS": str(notebooks)},
    )
    assert done.returncode == 4
    assert "kernel_dies.ipynb: its kernel died" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["validate", "run", "accounting"])
def test_duckdb_source_bytes_are_identical_after_every_command(tmp_path, command):
    source = write_export(full_export(), "duckdb", tmp_path / "src")
    before = tree_hash(source.parent)
    args = {
        "validate": ["validate", str(source)],
        "run": ["run", "--source", str(source), "--out", str(tmp_path / "out"), "--jobs", "2"],
        "accounting": [
            "accounting",
            "--patient",
            "P1",
            "--as-of",
            "2026-10-07",  # the export's last record: a later date is refused
            "--source",
            str(source),
            "--out",
            str(tmp_path / "acc.html"),
        ],
    }[command]
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    assert tree_hash(source.parent) == before
    assert sorted(p.name for p in source.parent.iterdir()) == [
        "export.duckdb",
        "export.export-manifest.json",
    ]


def test_sigterm_stops_workers_and_kernels_and_leaves_no_folder(tmp_path):
    """systemd stopping the unit mid-run: exit 143, one line, no process and no temporary
    folder (month staging, export snapshot) left behind."""
    import os
    import signal
    import time

    from analytics.run.runner import _descendants

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURES / "sleeps.ipynb", notebooks)
    shutil.copy(notebooks_dir() / "quality.ipynb", notebooks)
    source = tiny_month_export(tmp_path / "export")
    out = tmp_path / "reports"
    env = {**os.environ, "ANALYTICS_NOTEBOOKS": str(notebooks)}
    args = ["run", "--source", str(source), "--period", "2026-10", "--out", str(out)]
    child = subprocess.Popen(
        [sys.executable, "-m", "analytics.cli", *args, "--jobs", "2"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    below: list[int] = []
    while time.monotonic() < deadline:  # until a kernel runs the sleeping cell
        below = _descendants(child.pid)
        if any(b"ipykernel" in _cmdline(p) for p in below):
            break
        time.sleep(0.5)
    time.sleep(2)
    below = _descendants(child.pid)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 143, err
    assert err.strip().splitlines() == ["analytics: stopped (SIGTERM); nothing was replaced"]
    # a process killed a moment ago may still be ending on a busy machine: wait for it, but
    # a process that keeps running is a leak
    left = _still_running(below, seconds=20)
    assert left == [], [(p, _cmdline(p)[:200], _state(p)) for p in left]
    assert [p.name for p in out.iterdir() if p.name.startswith((".2026", ".validated"))] == []
    assert not (out / "2026-10").exists()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _state(pid: int) -> str:
    """The process's state letter from ``/proc`` (``Z`` a zombie), or ``gone``."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "gone"


def _still_running(pids: list[int], seconds: float) -> list[int]:
    """The ``pids`` that still run (neither gone nor a zombie) after up to ``seconds``."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        left = [p for p in pids if _state(p) not in ("gone", "Z", "X")]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_leftovers_of_a_killed_run_are_removed_by_the_next(tmp_path):
    import fcntl

    from analytics.period import Period
    from analytics.run.runner import IN_USE, remove_leftovers

    out = tmp_path / "reports"
    for name in (".2026-10-abc", ".validated-dead", ".validated-busy", ".2026-09-other"):
        (out / name).mkdir(parents=True)
    (out / ".validated-dead" / IN_USE).touch()
    with (out / ".validated-busy" / IN_USE).open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a run of another month is reading it
        remove_leftovers(out, Period.parse("2026-10"))
    assert sorted(p.name for p in out.iterdir()) == [".2026-09-other", ".validated-busy"]


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [("SIGTERM", 143, "stopped (SIGTERM)"), ("SIGINT", 130, "interrupted")],
)
def test_a_signal_during_a_query_stops_the_command_not_a_bug(monkeypatch, signum, code, said):
    """DuckDB reports a signal that arrives while one of its queries runs as the query
    interrupted (a RuntimeError), not as the handler's exception: the command still says
    it was stopped, with the signal's exit code, not that the suite has a bug."""
    import signal

    import duckdb

    from analytics import cli

    def a_query_when_the_signal_comes(args):
        con = duckdb.connect()
        try:
            signal.getsignal(getattr(signal, signum))(getattr(signal, signum), None)
        except KeyboardInterrupt:
            pass  # what DuckDB does with the handler's exception
        con.interrupt()
        raise RuntimeError("Query interrupted")

    parser = cli.build_parser()
    monkeypatch.setattr(
        cli, "build_parser", lambda: _with_func(parser, a_query_when_the_signal_comes)
    )
    result = run_cli("validate", "nowhere")
    assert result.returncode == code
    assert result.stderr.strip().splitlines()[-1] == f"analytics: {said}; nothing was replaced"
    assert "internal error" not in result.stderr


def _with_func(parser, func):
    """The command's parser, with every subcommand running ``func``."""
    original = parser.parse_args

    def parse(argv=None):
        args = original(argv)
        args.func = func
        return args

    parser.parse_args = parse
    return parser
