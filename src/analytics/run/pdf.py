"""PDF copies of pages, printed by Debian's headless chromium (no browser download).

A board pack is made of PDFs: the run prints the month's overview, and ``analytics
accounting`` the patient's document, with the same chromium the browser tests use, offline
(``--disable-background-networking``; the pages load nothing from another host anyway).
Without chromium the PDF is skipped with a warning that says how to get it; the HTML is
made as before.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser")
PRINT_TIMEOUT = 120  # seconds: a page with charts prints in two or three
# time the page's scripts get to draw the charts before it is printed (virtual milliseconds)
SCRIPT_BUDGET_MS = 10_000


def chromium() -> str | None:
    """The chromium to print with: ``$ANALYTICS_CHROMIUM``, else Debian's on the PATH."""
    explicit = os.environ.get("ANALYTICS_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def print_pdf(page: Path, pdf: Path, mode: int = 0o644, paper: str | None = None) -> bool:
    """Print ``page`` to ``pdf`` (created with ``mode``) on chromium's default Letter, or
    on ``paper`` (a CSS page size such as ``A4``); False, with a warning, when it cannot
    be printed. Printed into a private folder first: a half-written PDF never takes the
    name, and an owner-only document is never readable by others."""
    if paper:
        return _print_on(page, pdf, mode, paper)
    browser = chromium()
    if browser is None:
        log.warning(
            "PDF skipped: no chromium to print %s with (install Debian's chromium, e.g. "
            "`make browser`); the HTML is complete",
            page.name,
        )
        return False
    with tempfile.TemporaryDirectory(prefix="analytics-pdf-") as tmp:
        printed = Path(tmp) / pdf.name
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-pdf-header-footer",
            f"--virtual-time-budget={SCRIPT_BUDGET_MS}",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={printed}",
            page.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as e:
            log.warning("PDF skipped: chromium could not print %s (%s)", page.name, e)
            return False
        if done.returncode != 0 or not printed.is_file() or printed.stat().st_size == 0:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
            log.warning("PDF skipped: chromium failed to print %s %s", page.name, tail)
            return False
        relative_links(printed, page.parent)
        os.chmod(printed, mode)
        shutil.move(printed, pdf)
    return True


def relative_links(pdf: Path, folder: Path) -> int:
    """Make the PDF's links to pages of ``folder`` (where its page was printed) relative to
    it: chromium writes them as ``file://`` links into that folder, which the run renames
    (its staging folder) and which leak the server's path. Links that stay inside the
    document are chromium's own destinations; a ``file://`` link elsewhere is removed.
    Return how many links were rewritten."""
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


def _print_on(page: Path, pdf: Path, mode: int, paper: str) -> bool:
    """Print a copy of ``page`` whose CSS asks for ``paper`` (chromium honours ``@page
    size``), made beside it so that its relative links (plotly.js) still resolve."""
    text = page.read_text(encoding="utf-8")
    sized = text.replace("<head>", f"<head><style>@page {{ size: {paper}; }}</style>", 1)
    fd, name = tempfile.mkstemp(prefix=".print-", suffix=".html", dir=page.parent)
    copy = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(sized)
        return print_pdf(copy, pdf, mode)
    finally:
        copy.unlink(missing_ok=True)
