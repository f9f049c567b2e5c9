"""PDF copies of pages, printed by Debian's headless chromium (no browser download).

A board pack is made of PDFs: the run prints the month's overview, and ``analytics
accounting`` the patient's document, with the same chromium the browser tests use, offline
(``--disable-background-networking``; the pages load nothing from another host anyway).
Without chromium the PDF is skipped with a warning that says how to get it; the HTML is
made as before.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import logging
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser")
PRINT_TIMEOUT = 120  # seconds: a page with charts loads and prints in two or three


def chromium() -> str | None:
    """The chromium to print with: ``$ANALYTICS_CHROMIUM``, else Debian's on the PATH."""
    explicit = os.environ.get("ANALYTICS_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def print_pdf(page: Path, pdf: Path, mode: int = 0o644, paper: str | None = None) -> bool:
    """Print ``page`` to ``pdf`` (created with ``mode``) on its CSS page size (chromium's
    default Letter), or on ``paper`` (a CSS page size such as ``A4``); False, with a
    warning, when it cannot be printed. Printed into a private folder first: a
    half-written PDF never takes the name, and an owner-only document is never readable
    by others."""
    return print_papers(page, [(pdf, paper)], mode)


class Session:
    """One headless chromium driven over the DevTools protocol on a pipe (no port, no
    websocket: ``--remote-debugging-pipe``, messages of JSON ended by a NUL byte). A
    page loaded once is printed on as many papers as asked: the board pack's Letter and
    A4 copies cost one browser start and one load of plotly.js, not two of each."""

    def __init__(self, browser: str, profile: Path) -> None:
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()

        def pipes() -> None:  # in the child: chromium reads fd 3 and writes fd 4
            reading, writing = os.dup(to_browser), os.dup(from_browser)  # above 4
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=pipes,  # noqa: PLW1509 - dup calls only
            # the child keeps what is inheritable: fds 3 and 4, made by dup2 in it (the
            # suite opens every other file not inheritable, as Python does)
            close_fds=False,
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next = 0
        self.session = ""

    def call(self, method: str, timeout: float = PRINT_TIMEOUT, **params: object) -> dict:
        """Send one command (to the page's session once attached) and wait for its reply;
        events that arrive meanwhile are dropped, but ``load`` is remembered."""
        self._next += 1
        message: dict = {"id": self._next, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        try:
            os.write(self._write, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:  # it exited before reading: the same as closing its pipe
            raise RuntimeError("chromium closed its pipe") from None
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})

    def _receive(self, deadline: float) -> dict:
        """The next message from chromium."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed its pipe")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(raw)

    def open(self, page: Path) -> None:
        """Load ``page`` in a new tab and wait until its charts are drawn."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.navigate", url=page.resolve().as_uri())
        # deferred plotly.js and the charts' DOMContentLoaded scripts have run once the
        # document is complete; then two frames for the last layout
        self.call(
            "Runtime.evaluate",
            awaitPromise=True,
            expression=(
                "new Promise(done => { const ready = () => requestAnimationFrame(() => "
                "requestAnimationFrame(done)); document.readyState === 'complete' ? "
                "ready() : addEventListener('load', ready); })"
            ),
        )

    def print(self, pdf: Path, paper: str | None = None) -> None:
        """Print the open page to ``pdf`` on its CSS page size, or on ``paper``."""
        if paper:
            self.call(
                "Runtime.evaluate",
                expression="const s = document.createElement('style'); s.textContent = "
                + json.dumps(f"@page {{ size: {paper}; }}")
                + "; document.head.appendChild(s); undefined",
            )
        data = self.call(
            "Page.printToPDF",
            preferCSSPageSize=True,
            printBackground=True,
            displayHeaderFooter=False,
            generateDocumentOutline=False,
        )["data"]
        pdf.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.call("Browser.close", timeout=5)
        for fd in (self._write, self._read):
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# a chromium started before its page is ready (``start_early``), by executable
_EARLY: dict[str, tuple[Session, tempfile.TemporaryDirectory[str]]] = {}


def _started(browser: str) -> tuple[Session, tempfile.TemporaryDirectory[str]]:
    """A chromium started now, with its own profile in a private temporary folder."""
    folder = tempfile.TemporaryDirectory(prefix="analytics-pdf-")
    return Session(browser, Path(folder.name) / "profile"), folder


def start_early() -> None:
    """Start the chromium the next print will use, now: it starts (about 0.3 s) while the
    command computes the document. Closed at exit if nothing is printed."""
    browser = chromium()
    if browser is None or browser in _EARLY:
        return
    _EARLY[browser] = _started(browser)
    atexit.register(_close_early)


def _close_early() -> None:
    for session, folder in _EARLY.values():
        session.close()
        folder.cleanup()
    _EARLY.clear()


def print_papers(page: Path, pdfs: list[tuple[Path, str | None]], mode: int = 0o644) -> bool:
    """Print ``page`` once loaded to each ``(pdf, paper)`` (paper None: its own CSS page
    size, else a CSS size such as ``A4``) with one chromium; False, with a warning, when
    they cannot be printed (none of them is then written)."""
    browser = chromium()
    if browser is None:
        log.warning(
            "PDF skipped: no chromium to print %s with (install Debian's chromium, e.g. "
            "`make browser`); the HTML is complete",
            page.name,
        )
        return False
    session, folder = _EARLY.pop(browser) if browser in _EARLY else _started(browser)
    with folder as tmp:
        printed = []
        try:
            session.open(page)
            session.call("Runtime.evaluate", expression=_UNLINK_ELSEWHERE)
            for pdf, paper in pdfs:  # Letter before A4: a size once set stays set
                done = Path(tmp) / pdf.name
                session.print(done, paper)
                printed.append((done, pdf))
        except (OSError, RuntimeError, TimeoutError, ValueError, KeyError) as e:
            log.warning("PDF skipped: chromium could not print %s (%s)", page.name, e)
            return False
        finally:
            session.close()
        for done, pdf in printed:
            relative_links(done, page.parent)
            os.chmod(done, mode)
            shutil.move(done, pdf)
    return True


# a link to a file outside the page's folder (the index of months) is dead anywhere but
# this machine: printed as text (its PDF link would name the server's path)
_UNLINK_ELSEWHERE = """
const folder = new URL('.', location.href).href;
for (const a of document.querySelectorAll('a[href]')) {
  if (a.href.startsWith('file:') && !a.href.startsWith(folder)) a.removeAttribute('href');
}
"""


def relative_links(pdf: Path, folder: Path) -> int:
    """Make the PDF's links to pages of ``folder`` (where its page was printed) relative to
    it: chromium writes them as ``file://`` links into that folder, which the run renames
    (its staging folder) and which leak the server's path. Links that stay inside the
    document are chromium's own destinations; a ``file://`` link elsewhere is removed.
    Return how many links were rewritten.

    Chromium writes each link as a plain ``/URI (...)`` string outside any compressed
    stream: each is rewritten in place, padded with spaces to its old length, so that no
    offset of the file moves (about 0.01 s, against 0.35 s for reading and writing the
    whole document). Any other form (an escaped or hex string, a link outside the folder,
    compressed objects) is rewritten by pypdf."""
    data = pdf.read_bytes()
    rewritten = _links_in_place(data, (folder.resolve().as_uri() + "/").encode())
    if rewritten is not None:
        pdf.write_bytes(rewritten[0])
        return rewritten[1]
    return _links_rewritten(pdf, folder)


_URI = re.compile(rb"/URI\s*\(([^()\\]*)\)")  # a link as chromium writes it
_URI_KEY = re.compile(rb"/URI\s*[(<]")  # any link (not the action's type, ``/S /URI``)


def _links_in_place(data: bytes, base: bytes) -> tuple[bytes, int] | None:
    """``data`` with every link into ``base`` made relative, same length; None when a
    link is of a form this does not rewrite (``_links_rewritten`` then does)."""
    if b"/ObjStm" in data or len(_URI.findall(data)) != len(_URI_KEY.findall(data)):
        return None
    changed = 0

    def relative(match: re.Match[bytes]) -> bytes:
        nonlocal changed
        uri = match[1]
        if not uri.startswith(base):
            return match[0]
        changed += 1
        made = match[0][: match.start(1) - match.start(0)] + uri[len(base) :] + b")"
        return made + b" " * (len(match[0]) - len(made))

    rewritten = _URI.sub(relative, data)
    if b"file:" in rewritten:  # a link elsewhere on this machine: removed by pypdf
        return None
    return rewritten, changed


def _links_rewritten(pdf: Path, folder: Path) -> int:
    """``relative_links`` for any PDF: read and written whole by pypdf."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    base = folder.resolve().as_uri() + "/"
    writer = PdfWriter(clone_from=PdfReader(pdf))
    changed = 0
    for page in writer.pages:
        annotations = page.get("/Annots")
        if not annotations:
            continue
        kept = ArrayObject()
        for ref in annotations:
            annotation = ref.get_object()
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith(base):
                action[NameObject("/URI")] = TextStringObject(uri[len(base) :])
                changed += 1
            elif uri.startswith("file:"):
                continue  # a link to this machine outside the month: dead anywhere else
            kept.append(ref)
        page[NameObject("/Annots")] = kept
    with pdf.open("wb") as f:
        writer.write(f)
    return changed
