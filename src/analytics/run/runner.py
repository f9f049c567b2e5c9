"""The monthly run: every report notebook, metrics.json and the leadership index.

A month is built in a temporary folder beside its target and swapped into place only
when every notebook succeeded: a failed run never leaves a half-written month and never
overwrites the last good one. Notebooks run in parallel processes, each with its own
kernel; a kernel that fails to start is retried once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from analytics.errors import RunError, RunLocked, UsageError
from analytics.files import check_out, write_private
from analytics.loading.context import ReportContext
from analytics.loading.coverage import check_period as check_coverage
from analytics.loading.handoff import Handoff
from analytics.loading.snapshot import open_validated, write_figures
from analytics.paths import notebooks_dir
from analytics.period import Period
from analytics.presentation import charts, index
from analytics.presentation.months import render_months
from analytics.registry import open_report
from analytics.run import metrics_json
from analytics.run.kernels import KernelPool, KernelStartError, Timeouts, WarmKernel
from analytics.run.notebooks import (
    NotebookResult,
    build_pages,
    notebook_title,
    report_notebooks,
)
from analytics.run.pages import write_page_css
from analytics.run.pdf import print_papers
from analytics.run.provenance import manifest, source_sha256
from analytics.run.worklists import write_work_lists

Progress = Callable[[str], None]
log = logging.getLogger("analytics.run")
DEFAULT_TIMEOUTS = Timeouts()


@dataclass
class MonthResult:
    """What one month's run wrote."""

    period: Period
    folder: Path
    pages: list[NotebookResult]


def _quiet(_: str) -> None:
    pass


def terminal_progress() -> Progress:
    """Progress lines on stderr for a person at a terminal; silence for a scheduler."""
    if sys.stderr.isatty():
        return lambda line: print(line, file=sys.stderr, flush=True)
    return _quiet


@contextmanager
def kernel_pool(jobs: int, notebooks: int, logs: Path, timeouts: Timeouts):
    """The run's kernels (``KernelPool``): up to ``jobs``, no more than notebooks; shut
    down at the end, killed first if the run failed. Their own output goes to ``logs``."""
    pool = KernelPool(max(1, min(jobs, notebooks)), logs, timeouts)
    done = False
    try:
        yield pool
        done = True
    finally:
        pool.close(failed=not done)


def execute_all(
    pool: KernelPool,
    notebooks: list[Path],
    folder: Path,
    parameters: dict,
    progress: Progress,
) -> list[NotebookResult]:
    """Run every notebook into ``folder``, each kernel of ``pool`` running its share in
    turn; raise on the first failure."""
    results: dict[str, NotebookResult] = {}
    try:

        def pages(notebook: Path, warm: WarmKernel) -> NotebookResult:
            return build_pages(notebook, folder, parameters, pool.timeouts, warm)

        for future in as_completed(pool.share(notebooks, pages)):
            for page in future.result():
                results[page.executed.name] = page
                progress(f"[{len(results)}/{len(notebooks)}] {page.executed.name} done")
                log.info(
                    "%s: %s done in %.1f s", parameters["period"], page.executed.name, page.seconds
                )
    except KernelStartError as e:
        raise RunError(str(e)) from None
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: stop the kernels and anything below
        stop_descendants()
        raise
    return [results[nb.name] for nb in notebooks]


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux ``/proc``): the pool's workers and their kernels."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _is_resource_tracker(pid: int) -> bool:
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs: a zombie (dead, not yet reaped) does not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_until_stopped(pids: set[int], seconds: float) -> set[int]:
    """Wait up to ``seconds`` for ``pids`` to end; return those still running."""
    deadline = time.monotonic() + seconds
    running = {p for p in pids if _alive(p)}
    while running and time.monotonic() < deadline:
        time.sleep(0.1)
        running = {p for p in running if _alive(p)}
    return running


def stop_descendants(grace: float = 5.0) -> None:
    """Stop every process this one started (workers, kernels): SIGTERM, then SIGKILL.

    The tree is read again after each round, so that a process started while the others
    were stopping (a kernel being launched) is stopped too; a process is remembered once
    seen, since a kernel whose worker died is no longer below this one. multiprocessing's
    resource tracker is left to end by itself once the pool is gone.
    """
    seen: set[int] = set()
    for _ in range(3):
        found = {p for p in _descendants(os.getpid()) if not _is_resource_tracker(p)}
        fresh = {p for p in found | seen if _alive(p)}
        if not fresh:
            return
        seen |= fresh
        for pid in fresh:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in _wait_until_stopped(fresh, grace):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _wait_until_stopped(fresh, grace)


IN_USE = ".in-use"  # a snapshot's lock file: held for as long as its run lasts


def remove_leftovers(out: Path, period: Period) -> None:
    """Remove what a run killed outright (SIGKILL, power loss) left in ``out``: this
    month's staging folders (the caller holds the month's lock) and every export snapshot
    whose run is over (its lock is free)."""
    for stale in out.glob(f".{period}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for snapshot in out.glob(".validated-*"):
        try:
            with (snapshot / IN_USE).open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # another run is reading it
        except OSError:
            pass  # no lock file: left before it was made
        shutil.rmtree(snapshot, ignore_errors=True)


@contextmanager
def snapshot(ctx: ReportContext, out: Path):
    """Snapshot the validated export in ``out`` and yield a context reading it.

    The runner and every notebook of every month of the run read the snapshot (the
    source's files copied as they are, with the validation's results), so none validates
    again and a source replaced or deleted mid-run changes nothing.
    """
    folder = Path(tempfile.mkdtemp(prefix=".validated-", dir=out))
    in_use = (folder / IN_USE).open("w")
    fcntl.flock(in_use, fcntl.LOCK_EX)
    snap = None
    try:
        ctx.export.write_validated(folder)
        snap = replace(ctx, export=open_validated(folder))
        snap.export.figures.update(ctx.export.figures)  # kept from an earlier run, if any
        with Handoff(ctx.export.source.resolve(), folder).handed():
            yield snap
        snap.export.keep_figures()  # for the next run over these rows, and the notebooks
    finally:
        if snap is not None:
            snap.export.close()
        shutil.rmtree(folder, ignore_errors=True)
        in_use.close()


@contextmanager
def month_lock(out: Path, period: Period):
    """Hold an exclusive lock on one month of ``out`` for the length of its run."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f".lock-{period}"
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"another run of {period} is writing {out / str(period)}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_month(
    ctx: ReportContext,
    out: Path,
    *,
    jobs: int = os.cpu_count() or 1,
    notebooks: list[Path] | None = None,
    progress: Progress = _quiet,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    partial: bool = False,
    snapshotted: bool = False,
    kernels: KernelPool | None = None,
) -> MonthResult:
    """Write ``out/YYYY-MM/``: every page, index.html and metrics.json, all or nothing.

    ``snapshotted``: the context already reads a snapshot of the export (``snapshot``),
    and ``kernels`` are already started, as the months of ``run_months`` share them;
    else this month takes its own."""
    check_period(ctx, partial)
    notebooks = notebooks if notebooks is not None else report_notebooks()
    if not notebooks:
        raise UsageError(
            f"no report notebook in {notebooks_dir()}: check ANALYTICS_NOTEBOOKS (or the "
            "configuration's notebooks); a run without notebooks would write an empty index"
        )
    target = out / str(ctx.period)
    generated_at = datetime.now(UTC)
    parameters = {
        "source": str(ctx.export.source.resolve()),
        "period": str(ctx.period),
        "policy": str(Path(ctx.policy.path).resolve()),
    }
    with month_lock(out, ctx.period):
        remove_leftovers(out, ctx.period)
        staging = Path(tempfile.mkdtemp(prefix=f".{ctx.period}-", dir=out))
        try:
            with (
                nullcontext(ctx) if snapshotted else snapshot(ctx, out) as month,
                nullcontext(kernels)
                if kernels
                else kernel_pool(jobs, len(notebooks), _logs(month), timeouts) as pool,
            ):
                month = replace(month, generated_at=generated_at)
                pages = _build_month(month, staging, notebooks, parameters, pool, progress)
                os.chmod(staging, 0o755)
                _swap_into_place(staging, target)
                write_months_index(out, ctx.policy.clinic_name, ctx.timezone)
        finally:
            _remove_staging(staging)
    moved = [replace(p, **_relocate(p, staging, target)) for p in pages]
    return MonthResult(ctx.period, target, moved)


def _build_month(
    ctx: ReportContext,
    staging: Path,
    notebooks: list[Path],
    parameters: dict,
    pool: KernelPool,
    progress: Progress,
) -> list[NotebookResult]:
    """Write the month into ``staging``: notebooks, work lists, index, metrics, manifest."""
    generated_at = ctx.generated_at
    progress(f"{ctx.period}: computing metrics")
    started = time.monotonic()
    rows = metrics_json.month_figures(ctx)
    doc = metrics_json.document(ctx, rows, generated_at)
    doc["source"]["sha256"] = source_sha256(ctx.export.source)
    (staging / "officer").mkdir(mode=0o700, exist_ok=True)  # the officer's only
    write_work_lists(ctx, staging / "officer" / "worklists")
    trends = metrics_json.all_trends(ctx)
    write_figures(ctx.export)  # the notebooks read the month's figures, not compute them
    log.info("%s: figures, work lists and trends in %.1f s", ctx.period, _since(started))
    progress(f"{ctx.period}: running {len(notebooks)} notebooks")
    started = time.monotonic()
    with ThreadPoolExecutor(1) as meanwhile:
        # the overview (its history: last month, the change, the sparklines) and its PDFs
        # are made while the notebooks run: they need the notebooks' names, not their
        # pages, and this process would only wait; a failed notebook discards them
        overview = meanwhile.submit(_overview, ctx, rows, trends, notebooks, staging)
        try:
            pages = execute_all(pool, notebooks, staging, parameters, progress)
        except BaseException as e:
            _abandon(overview, ctx)
            if not isinstance(e, RunError):
                raise
            kept = _keep_failed(staging, staging.parent, ctx.period, pool.log_files())
            where = f"\n  failed notebooks kept in {kept}" if kept else ""
            raise RunError(f"{e}{where}") from None
        log.info("%s: notebooks in %.1f s", ctx.period, _since(started))
        computed = overview.result()
    log.info("%s: notebooks and the overview in %.1f s", ctx.period, _since(started))
    started = time.monotonic()
    write_private(
        staging / "metrics.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n", 0o644
    )
    record = manifest(ctx, parameters, notebooks, generated_at, doc["source"]["sha256"])
    record["summary"] = index.month_summary(computed[0])  # for the index of months
    write_private(
        staging / "manifest.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n", 0o644
    )
    log.info("%s: files in %.1f s", ctx.period, _since(started))
    return pages


def _overview(
    ctx: ReportContext, rows: list[dict], trends: list, notebooks: list[Path], staging: Path
) -> tuple:
    """Write the month's overview into ``staging`` with the files its pages share, and
    print its board pack; return its tiles (``index.month_tiles``)."""
    started = time.monotonic()
    history = metrics_json.history(ctx, rows)
    reports = [
        {"name": nb.stem, "title": notebook_title(nb), "file": f"{nb.stem}.html"}
        for nb in notebooks
    ]
    figures = [charts.trend_figure(t) for t in trends if t.overview]  # leadership's charts
    computed = index.month_tiles(ctx, rows, reports, history)
    page = index.render_index(ctx, rows, figures, reports, ctx.generated_at, history, computed)
    charts.write_plotly_js(staging)  # the one copy every page of the month loads
    write_page_css(staging)  # and the one copy of their style sheet
    # leadership's files are 0644 whatever the umask (as every page is); the officer's 0600
    write_private(staging / "index.html", page, 0o644)
    # the board pack's page, for US Letter and for A4: loaded once in one chromium
    print_papers(
        staging / "index.html",
        [(staging / "index.pdf", None), (staging / "index-a4.pdf", "A4")],
    )
    log.info("%s: overview and PDFs in %.1f s", ctx.period, _since(started))
    return computed


def _remove_staging(staging: Path, seconds: float = 10.0) -> None:
    """Remove the month's staging folder. After a failure, a notebook's thread whose kernel
    was killed may still write its executed notebook there for a moment (the pool does not
    wait for it): removed again until nothing comes back, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        shutil.rmtree(staging, ignore_errors=True)
        if not staging.exists() or time.monotonic() > deadline:
            return
        time.sleep(0.2)


def write_months_index(out: Path, clinic: str, timezone: str) -> None:
    """``out/index.html``: every month written, and the gaps (written whole, then renamed);
    when each was made, in the clinic's zone."""
    page = render_months(out, clinic, timezone)
    fd, name = tempfile.mkstemp(prefix=".index-", suffix=".html", dir=out)
    os.close(fd)
    write_private(Path(name), page, 0o644)
    Path(name).replace(out / "index.html")


def _since(started: float) -> float:
    return time.monotonic() - started


def _abandon(work: Future, ctx: ReportContext) -> None:
    """Stop work on the export's connection that the run no longer needs (a failed or
    stopped run does not wait for the overview's history): interrupt its queries."""
    work.cancel()
    while not work.done():
        ctx.export.con.interrupt()
        wait([work], timeout=0.1)


def _relocate(page: NotebookResult, staging: Path, target: Path) -> dict:
    return {
        k: target / getattr(page, k).relative_to(staging)
        for k in ("executed", "html", "officer_html")
    }


def check_period(ctx: ReportContext, partial: bool = False) -> None:
    """Refuse a month that has not begun or lies before the export, and unless
    ``partial`` asks for it, one that has not ended or that the export does not cover to
    its last day (``analytics.loading.coverage``)."""
    check_coverage(ctx.export, ctx.period, ctx.timezone, partial=partial)


def run_months(
    source: str | None,
    periods: list[str | None],
    policy: str | None,
    out: Path,
    *,
    jobs: int = os.cpu_count() or 1,
    progress: Progress = _quiet,
    timeouts: Timeouts = DEFAULT_TIMEOUTS,
    partial: bool = False,
) -> list[MonthResult]:
    """Run several months over one validated export, oldest first; the output folder and
    every month are checked before the first is written."""
    check_out(out)
    started = time.monotonic()
    ctx = open_report(source, periods[0], policy)
    log.info("%s validated in %.1f s", ctx.export.source, time.monotonic() - started)
    try:
        months = [
            ctx if p is None or p == periods[0] else replace(ctx, period=Period.parse(p))
            for p in periods
        ]
        for month in months:
            check_period(month, partial)
        out.mkdir(parents=True, exist_ok=True)
        # one snapshot and one set of kernels for every month: they share its figures
        with (
            snapshot(ctx, out) as snap,
            kernel_pool(jobs, len(report_notebooks()), _logs(snap), timeouts) as pool,
        ):
            if len(months) > 1:  # every month's figures and histories, each domain in one pass
                started = time.monotonic()
                metrics_json.prefetch(
                    snap, metrics_json.months_shown(snap, [m.period for m in months])
                )
                log.info("figures of every month shown in %.1f s", _since(started))
            return [
                run_month(
                    replace(snap, period=month.period),
                    out,
                    progress=progress,
                    partial=partial,
                    snapshotted=True,
                    kernels=pool,
                )
                for month in months
            ]
    finally:
        ctx.export.close()


def _logs(ctx: ReportContext) -> Path:
    """Where the run's kernels write their own output: its snapshot's folder."""
    assert ctx.export.snapshot is not None, "a run reads a snapshot"
    return ctx.export.snapshot


def _keep_failed(staging: Path, out: Path, period: Period, logs: list[Path]) -> Path | None:
    """Keep the month's executed notebooks (with Papermill's error banner) and kernels' logs."""
    executed = sorted((staging / "officer").glob("*.ipynb")) + logs
    if not executed:
        return None
    failed = out / "failed" / str(period)
    shutil.rmtree(failed, ignore_errors=True)
    failed.mkdir(parents=True, mode=0o700)
    os.chmod(failed.parent, 0o700)
    for nb in executed:
        shutil.copyfile(nb, failed / nb.name)
        os.chmod(failed / nb.name, 0o600)
    return failed


def _swap_into_place(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames on the same file system."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{staging.name}")
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
