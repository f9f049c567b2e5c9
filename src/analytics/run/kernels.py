"""The kernels the monthly run executes its notebooks on: registered for this interpreter,
listening on Unix sockets in an owner-only folder, started warm (the suite imported) and
reused, and a notebook executed on one with Papermill (``execute``)."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import random
import signal
import stat
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import default

from analytics.errors import RunError

KERNEL_NAME = "analytics"
# Papermill's lines per notebook (input, output, kernel) are not the run's news
logging.getLogger("papermill").setLevel(logging.WARNING)
T = TypeVar("T")


def ensure_kernel() -> str:
    """Return a Jupyter kernel name that runs this very interpreter.

    Registers (or re-registers) the ``analytics`` kernel in this environment when it is
    missing or points at another Python, so Papermill never runs a stale interpreter.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (analytics)", prefix=sys.prefix)
    return KERNEL_NAME


def _socket_folder() -> Path:
    """An owner-only folder for kernels' sockets (one per account, reused)."""
    folder = Path(tempfile.gettempdir()) / f"analytics-kernels-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    st = folder.lstat()
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise RunError(f"{folder} is not a private folder of this account: remove it")
    return folder


class IpcKernelManager(AsyncKernelManager):
    """A kernel reached over Unix sockets in a private folder, not over TCP: no port on
    the machine, no port race between kernels started together, and no warning about
    unencrypted TCP on stderr. What the kernel writes to its own stdout and stderr goes to
    ``kernel_log`` (in the run's owner-only snapshot), never to the terminal or a
    scheduler's log."""

    kernel_log: Path | None = None

    def client(self, **kw):
        """A client of the kernel, remembered so that ``close_clients`` can close it
        (Papermill leaves open the clients of a kernel it did not start)."""
        made = super().client(**kw)
        self.__dict__.setdefault("_made_clients", []).append(made)
        return made

    def close_clients(self) -> None:
        """Close every client made so far, in the thread that made them (a client left
        for the garbage collector complains at exit that it cannot close its sockets)."""
        for made in self.__dict__.pop("_made_clients", []):
            _close_client(made)

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:  # the sockets' path prefix: unique to this kernel
        return str(_socket_folder() / f"kernel-{uuid.uuid4().hex}")

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        if self.kernel_log is None:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        fd = os.open(self.kernel_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:  # the kernel gets its own copy of the descriptor
            return await super()._async_launch_kernel(kernel_cmd, stdout=fd, stderr=fd, **kw)
        finally:
            os.close(fd)


def _close_client(client) -> None:
    """Stop a kernel client's channels and end its sockets' context."""
    client.stop_channels()
    if getattr(client, "_created_context", False) and not client.context.closed:
        client.context.destroy(linger=0)


def _manager_logging_to(log: Path) -> type[IpcKernelManager]:
    """A kernel manager class whose kernels write their output to ``log``."""
    return type("LoggedKernelManager", (IpcKernelManager,), {"kernel_log": log})


@dataclass(frozen=True)
class Timeouts:
    """How long a notebook's kernel may take to start, and one of its cells to run (s)."""

    cell: int = 1800
    start: int = 120


class KernelStartError(Exception):
    """The kernel did not start (the one failure worth a second try)."""


# what every report notebook imports first: loaded while the run computes its figures
PRELOAD = (
    "analytics.registry",
    "analytics.presentation.charts",
    "analytics.presentation.page",
    "plotly.graph_objects",
)


class WarmKernel:
    """One kernel that runs many notebooks in turn: the suite, pandas, Plotly and DuckDB
    are imported once, not once per notebook. Before each notebook its namespace is
    cleared (``%reset -f``) and its working folder set to the notebook's, so a notebook
    sees nothing of the one before. Used from one thread only (its sockets belong to that
    thread's event loop); its own output goes to ``log``."""

    def __init__(self, kernel: str, log: Path) -> None:
        self.kernel = kernel
        self.log = log
        self.manager = _manager_logging_to(log)(kernel_name=kernel)
        self.used = False

    def start(self, timeout: int) -> None:
        """Start the kernel and import what the notebooks will; ``KernelStartError`` if
        it does not become ready within ``timeout`` seconds."""
        try:
            run_sync(self.manager.start_kernel)()
            preload = [f"__import__({m!r})" for m in PRELOAD]
            # a chart drawn unseen loads the rest of Plotly; then what was loaded stays
            # out of the garbage collector's full passes, which ``%reset -f`` makes before
            # each notebook (0.1 to 0.2 s each otherwise)
            warm = "__import__('analytics.presentation.charts').presentation.charts.warm_up()"
            self._run("; ".join([*preload, warm, "__import__('gc').freeze()"]), timeout)
        except (RuntimeError, TimeoutError, OSError) as e:
            self.close()
            raise KernelStartError(f"the kernel did not start ({e})") from e

    def prepare(self, notebook: Path) -> str:
        """The code that makes the kernel as a fresh one for ``notebook``: nothing left
        from the last notebook (``%reset -f``, which also collects the garbage), and the
        notebook's folder as working folder. Run as the notebook's first cell, in the
        same session as its others (``execute``): a session of its own cost a client's
        start, about 0.2 s a notebook."""
        reset = "get_ipython().run_line_magic('reset', '-f')\n" if self.used else ""
        self.used = True
        return f"{reset}__import__('os').chdir({str(notebook.parent)!r})"

    def _run(self, code: str, timeout: int) -> None:
        """Run ``code`` silently and wait for its reply, up to ``timeout`` seconds, and
        no longer than the kernel lives (a kernel killed mid-wait ends the wait)."""
        client = self.manager.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=timeout)
            sent = client.execute(code, silent=True, store_history=False)
            deadline = time.monotonic() + timeout
            while True:
                if not run_sync(self.manager.is_alive)():
                    raise RunError("the kernel died")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no reply within {timeout} s")
                try:
                    reply = run_sync(client.get_shell_msg)(timeout=1)
                except queue.Empty:
                    continue
                if reply["parent_header"].get("msg_id") == sent:
                    break
        finally:
            self.manager.close_clients()
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise RunError(f"the kernel failed: {content.get('ename')}: {content.get('evalue')}")

    def close(self) -> None:
        self.manager.close_clients()
        if self.manager.has_kernel:
            run_sync(self.manager.shutdown_kernel)(now=True)
        self.manager.close_clients()

    def kill(self) -> None:
        """Kill the kernel's process from any thread (its own may be busy running)."""
        pid = getattr(self.manager.provisioner, "pid", None)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class KernelThread:
    """One thread running the calls given to it in order: a kernel's client sockets
    belong to the thread that made them. A daemon thread, so that a run stopped while
    it waits on a kernel ends at once (the kernel is killed; its notebook is lost anyway)."""

    def __init__(self, name: str) -> None:
        self.calls: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self.thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self.calls.put((future, fn, args))
        return future

    def stop(self, wait: bool) -> None:
        """Stop once the calls given so far are done; ``wait`` for that."""
        self.calls.put(None)
        if wait:
            self.thread.join()

    def _serve(self) -> None:
        while (call := self.calls.get()) is not None:
            future, fn, args = call
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as e:  # handed to whoever waits on the future
                future.set_exception(e)


class KernelPool:
    """The run's kernels, each with its own thread: started when the run begins, so that
    they start and import while the run computes its figures, and kept for every month
    of the run. ``share`` hands each kernel its share of a month's notebooks."""

    def __init__(self, size: int, logs: Path, timeouts: Timeouts) -> None:
        self.kernel = ensure_kernel()
        self.timeouts = timeouts
        self.threads = [KernelThread(f"kernel-{i + 1}") for i in range(size)]
        self.kernels = [WarmKernel(self.kernel, logs / f"kernel-{i + 1}.log") for i in range(size)]
        pairs = zip(self.threads, self.kernels, strict=True)
        self.starting = [thread.submit(self._start, warm) for thread, warm in pairs]

    def _start(self, warm: WarmKernel) -> None:
        try:
            warm.start(self.timeouts.start)
        except KernelStartError:  # the one failure worth a second try
            time.sleep(0.5 + random.random())
            warm.start(self.timeouts.start)

    def share(
        self, notebooks: list[Path], work: Callable[[Path, WarmKernel], T]
    ) -> list[Future[list[T]]]:
        """Do ``work`` on each notebook with a kernel of the pool: one future per kernel,
        for the results of its share."""
        size = len(self.kernels)
        return [
            self.threads[i].submit(self._work_share, i, notebooks[i::size], work)
            for i in range(size)
            if notebooks[i::size]
        ]

    def _work_share(
        self, i: int, share: list[Path], work: Callable[[Path, WarmKernel], T]
    ) -> list[T]:
        self.starting[i].result()  # done (this thread started it): its KernelStartError
        return [work(nb, self.kernels[i]) for nb in share]

    def close(self, failed: bool = False) -> None:
        """Shut every kernel down; after a failure, kill them first (a notebook still
        running in one ends at once, its kernel dead, instead of running to its end)."""
        if failed:
            for warm in self.kernels:
                warm.kill()
        for thread, warm in zip(self.threads, self.kernels, strict=True):
            thread.submit(warm.close)
            thread.stop(wait=not failed)

    def log_files(self) -> list[Path]:
        return [k.log for k in self.kernels if k.log.exists()]


def execute(
    notebook: Path, output: Path, parameters: dict, timeouts: Timeouts, warm: WarmKernel
) -> nbformat.NotebookNode:
    """Run one notebook with Papermill in ``warm``'s kernel; raise RunError naming the
    failing cell. A cell that runs past ``timeouts.cell`` seconds, or a kernel that dies,
    is a ``RunError``.
    """
    node = nbformat.read(notebook, as_version=4)
    prepare = nbformat.v4.new_code_cell(warm.prepare(notebook))
    prepare.metadata["tags"] = [PREPARE_TAG]
    node.cells.insert(0, prepare)
    try:
        executed = _execute(node, notebook, output, parameters, timeouts, warm)
    finally:
        warm.manager.close_clients()
    executed.cells = [c for c in executed.cells if PREPARE_TAG not in c.metadata.get("tags", [])]
    nbformat.write(executed, output)  # as the notebook is, without the preparing cell
    return executed


# the first cell of a notebook as the run executes it: the kernel made fresh for it
PREPARE_TAG = "analytics-prepare"


def _execute(
    node: nbformat.NotebookNode,
    notebook: Path,
    output: Path,
    parameters: dict,
    timeouts: Timeouts,
    warm: WarmKernel,
) -> nbformat.NotebookNode:
    """Papermill writes the executed notebook once, when it ends (with the error banner if
    a cell failed), not after every cell: for a timeout, the cell running is noted as
    each starts."""
    running: dict = {}

    def note(cell: nbformat.NotebookNode, cell_index: int, **_: Any) -> None:
        # the notebook's own numbering: the preparing cell is not one of its cells
        line = (cell.source.strip().splitlines() or [""])[0]
        running.update(index=cell_index - 1, line=line)

    try:
        return papermill.execute_notebook(
            node,
            str(output),
            parameters=parameters,
            kernel_name=warm.kernel,
            km=warm.manager,
            request_save_on_cell_execute=False,
            on_cell_start=note,
            progress_bar=False,
            log_output=False,
            start_timeout=timeouts.start,
            execution_timeout=timeouts.cell,
        )
    except papermill.PapermillExecutionError as e:
        first = (e.source or "").strip().splitlines()[:1] or [""]
        raise RunError(
            f"notebook {notebook.name} failed in cell {e.cell_index - 1} ({first[0][:80]!r}): "
            f"{e.ename}: {e.evalue}"
        ) from None
    except CellTimeoutError:
        index, line = running.get("index"), running.get("line", "")
        raise RunError(
            f"notebook {notebook.name} timed out in cell {index} ({line[:80]!r}): a cell may "
            f"run {timeouts.cell} s (--cell-timeout, or cell_timeout in the configuration)"
        ) from None
    except DeadKernelError as e:
        raise RunError(f"notebook {notebook.name}: its kernel died while running ({e})") from None
