"""Execute one report notebook with Papermill and render it to offline HTML pages."""

from __future__ import annotations

import contextlib
import html
import logging
import os
import queue
import random
import re
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
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import default

from analytics.errors import RunError
from analytics.files import write_private
from analytics.paths import notebooks_dir
from analytics.presentation.charts import PLOTLY_FILE
from analytics.presentation.templates import FOLDER as TEMPLATES
from analytics.registry import DOMAINS

KERNEL_NAME = "analytics"
# Papermill's lines per notebook (input, output, kernel) are not the run's news
logging.getLogger("papermill").setLevel(logging.WARNING)
T = TypeVar("T")


@dataclass
class NotebookResult:
    """Where one notebook's outputs landed, and its title."""

    name: str
    title: str
    executed: Path
    html: Path
    officer_html: Path
    seconds: float = 0.0  # executing and rendering it


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


class _DropStderr(Preprocessor):
    """Leave warnings and logs in the executed notebook, out of the reader's page."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        return cell, resources


OFFICER_TAG = "officer"
RECORD_TAG = "record"  # cells that record figures for audit, never shown
PLOTLY_MIME = "application/vnd.plotly.v1+json"


PAGE_CSS = "notebook.css"  # the month's one copy of the notebook pages' style sheet


@cache
def page_css() -> str:
    """The style sheet nbconvert's lab template puts inline in every page (its JupyterLab
    styles, about 250 kB), as one text: the month writes it once (``write_page_css``)."""
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nbformat.v4.new_notebook())
    head = body[: body.index("</head>")]
    return "\n".join(re.findall(r'<style type="text/css">(.*?)</style>', head, re.S))


def write_page_css(folder: Path) -> Path:
    """Write the notebook pages' style sheet into a month's folder (``render_html``'s
    ``css_href`` links to it)."""
    path = folder / PAGE_CSS
    write_private(path, page_css(), 0o644)  # leadership's, whatever the umask
    return path


def render_html(
    notebook: nbformat.NotebookNode,
    *,
    drop_tags: tuple[str, ...] = (),
    plotly_src: str = PLOTLY_FILE,
    overview: str = "index.html",
    css_href: str = "",
) -> str:
    """Render an executed notebook as a page with no code and no CDN.

    A page with charts loads plotly.js from ``plotly_src``, a path relative to the page:
    the month's one copy (``write_plotly_js``), not one inlined into every page and
    notebook (a notebook saved in JupyterLab keeps its figures as data).

    With ``css_href`` (a path relative to the page) the page links the month's one copy of
    the notebook style sheet (``write_page_css``) instead of holding it inline.

    Cells carrying any of ``drop_tags`` are left out (the leadership page drops the
    officer's work lists, which name patients, requests and messages). The page opens with
    a link back to the month's ``overview`` and its contents, from its section headings.
    """
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(_DropStderr(), enabled=True)
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={RECORD_TAG, *drop_tags}, enabled=True),
        enabled=True,
    )
    resources = {"plotly_src": plotly_src if _has_charts(notebook) else "", "css_href": css_href}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    return body.replace("<main>", "<main>" + _page_nav(body, overview), 1)


def _page_nav(body: str, overview: str) -> str:
    """A link back to the overview, and the page's contents from its section headings
    (nbconvert gives each an id; their text is already escaped)."""
    sections = re.findall(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', body)
    contents = "".join(f'<li><a href="#{i}">{text}</a></li>' for i, text in sections)
    return (
        '<nav class="page-nav" aria-label="Page">'
        f'<a href="{html.escape(overview)}">&larr; Overview of the month</a>'
        + (f'<ul aria-label="Contents">{contents}</ul>' if contents else "")
        + "</nav>"
    )


def _has_charts(notebook: nbformat.NotebookNode) -> bool:
    """Whether any output is a Plotly figure (its page then inlines plotly.js, once)."""
    return any(
        PLOTLY_MIME in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def report_notebooks(directory: Path | None = None) -> list[Path]:
    """Every notebook of the monthly run: the registered domains' in registry order, then
    any other (a clinic's own) in name order.

    A notebook whose metadata says ``"analytics": {"monthly": false}`` (the accounting of
    disclosures, made for one patient on request) is left out.
    """
    order = {d.notebooks[0]: i for i, d in enumerate(DOMAINS)}
    found = []
    for path in (directory or notebooks_dir()).glob("*.ipynb"):
        meta = nbformat.read(path, as_version=4).metadata.get("analytics", {})
        if meta.get("monthly", True):
            found.append(path)
    return sorted(found, key=lambda p: (order.get(p.name, len(order)), p.name))


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
            preload = "; ".join(f"__import__({m!r})" for m in PRELOAD)
            self._run(preload, timeout)
        except (RuntimeError, TimeoutError, OSError) as e:
            self.close()
            raise KernelStartError(f"the kernel did not start ({e})") from e

    def prepare(self, notebook: Path, timeout: int) -> None:
        """Make the kernel as a fresh one for ``notebook``: nothing left from the last
        notebook, and the notebook's folder as working folder."""
        reset = "get_ipython().run_line_magic('reset', '-f'); " if self.used else ""
        folder = str(notebook.parent)
        code = f"{reset}__import__('gc').collect(); __import__('os').chdir({folder!r})"
        self._run(code, timeout)
        self.used = True

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
    of the run. ``build`` hands each kernel its share of a month's notebooks."""

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

    def build(
        self, notebooks: list[Path], folder: Path, parameters: dict
    ) -> list[Future[list[NotebookResult]]]:
        """Build the notebooks' pages into ``folder``: one future per kernel, for the
        pages of its share."""
        size = len(self.kernels)
        return [
            self.threads[i].submit(self._build_share, i, notebooks[i::size], folder, parameters)
            for i in range(size)
            if notebooks[i::size]
        ]

    def _build_share(
        self, i: int, share: list[Path], folder: Path, parameters: dict
    ) -> list[NotebookResult]:
        self.starting[i].result()  # done (this thread started it): its KernelStartError
        warm = self.kernels[i]
        return [build_pages(nb, folder, parameters, self.timeouts, warm) for nb in share]

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
    warm.prepare(notebook, timeouts.start)
    try:
        return _execute(notebook, output, parameters, timeouts, warm)
    finally:
        warm.manager.close_clients()


def _execute(
    notebook: Path, output: Path, parameters: dict, timeouts: Timeouts, warm: WarmKernel
) -> nbformat.NotebookNode:
    """Papermill writes the executed notebook once, when it ends (with the error banner if
    a cell failed), not after every cell: for a timeout, the cell running is noted as
    each starts."""
    running: dict = {}

    def note(cell: nbformat.NotebookNode, cell_index: int, **_: Any) -> None:
        running.update(index=cell_index, line=(cell.source.strip().splitlines() or [""])[0])

    try:
        return papermill.execute_notebook(
            str(notebook),
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
            f"notebook {notebook.name} failed in cell {e.cell_index} ({first[0][:80]!r}): "
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


def build_pages(
    notebook: Path, folder: Path, parameters: dict, timeouts: Timeouts, warm: WarmKernel
) -> NotebookResult:
    """Execute one notebook for the officer and render both of its pages into ``folder``.

    The notebook runs once with ``audience="officer"``. The leadership page leaves out
    cells tagged ``officer``; the officer's page and the executed notebook go to
    ``folder/officer/``, readable by the owner only.
    """
    started = time.monotonic()
    officer = folder / "officer"
    executed = officer / notebook.name
    node = execute(notebook, executed, {**parameters, "audience": "officer"}, timeouts, warm)
    os.chmod(executed, 0o600)
    page = folder / f"{notebook.stem}.html"
    leadership_page = render_html(node, drop_tags=(OFFICER_TAG,), css_href=PAGE_CSS)
    write_private(page, leadership_page, 0o644)
    officer_page = render_html(
        node, plotly_src=f"../{PLOTLY_FILE}", overview="../index.html", css_href=f"../{PAGE_CSS}"
    )
    write_private(officer / page.name, officer_page, 0o600)
    title = node.metadata.get("title") or notebook.stem.replace("_", " ")
    seconds = time.monotonic() - started
    return NotebookResult(notebook.stem, title, executed, page, officer / page.name, seconds)
