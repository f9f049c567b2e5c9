"""The officer's latency: a notebook opened in JupyterLab until its kernel is ready, and
until its first figure is drawn after Run All (kernel start included), as the officer
sees it (issue 34).

    .venv/bin/python benchmarks/officer_latency.py [--source PATH] [--notebooks consent,requests]
        [--runs 3]

Makes a workspace (``analytics workspace``) over the export in a temporary folder, starts
its JupyterLab (the workspace's own configuration, as ``make lab`` does) on a free port of
127.0.0.1, and drives it with Playwright on Debian's chromium (no browser download), as the
browser tests do. Each run opens the notebook in a fresh page (its own new kernel), waits
for the kernel to be idle, runs every cell from the Run menu and waits for the first chart,
then until its kernel is idle (the last cell done,
within half a second). Prints one Markdown table of medians (seconds from opening).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
BIN = Path(sys.executable).parent
TIMEOUT_MS = 180_000  # a step that takes longer fails, with a screenshot of the page


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(workspace: Path, token: str, port: int, log: Path) -> subprocess.Popen:
    """The workspace's JupyterLab, as ``make lab`` starts it; returns once it answers."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(workspace / ".jupyter")}
    command = [str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}"]
    command += [f"--notebook-dir={workspace}", f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:  # a container's root (the machine the numbers come from)
        command.append("--allow-root")
    server = subprocess.Popen(command, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"JupyterLab did not start: see {log}")


def step(what: str) -> None:
    """Progress on stderr: a run that waits forever says on what."""
    print(f"  {time.strftime('%H:%M:%S')} {what}", file=sys.stderr, flush=True)


def _api(url: str, path: str, method: str = "GET"):
    """A call to the server's REST API, with the page's token."""
    base, token = url.split("/lab/")[0], url.split("token=")[1]
    request = urllib.request.Request(
        f"{base}{path}", method=method, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request) as answer:
        body = answer.read()
    return json.loads(body) if body else None


def wait_idle(url: str, quiet: float = 0.5) -> float:
    """Wait until the server has a kernel and every kernel has been idle for ``quiet``
    seconds; return when they became idle (``time.perf_counter``)."""
    since, deadline = None, time.perf_counter() + TIMEOUT_MS / 1000
    while time.perf_counter() < deadline:
        states = {k["execution_state"] for k in _api(url, "/api/kernels")}
        if states == {"idle"}:
            since = since or time.perf_counter()
            if time.perf_counter() - since >= quiet:
                return since
        else:
            since = None
        time.sleep(0.05)
    raise TimeoutError(f"no kernel idle within {TIMEOUT_MS / 1000:.0f} s")


def end_sessions(url: str) -> None:
    """Shut down every session's kernel (the REST API, with the token): the next opening
    starts a kernel of its own, as a notebook opened afresh does."""
    for session in _api(url, "/api/sessions"):
        try:
            _api(url, f"/api/sessions/{session['id']}", "DELETE")
        except urllib.error.HTTPError:  # its kernel already ending (the page closed)
            continue


def one_open(browser, url: str) -> dict[str, float]:
    """Open one notebook in a new page; seconds from opening to its kernel idle, to the
    first chart of Run All, and to the last cell done."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    try:
        return _timed(page, url)
    except Exception:
        shot = Path(tempfile.gettempdir()) / "officer-latency-failed.png"
        page.screenshot(path=str(shot))
        step(f"failed: the page as it stood is {shot}")
        raise
    finally:
        page.close()
        end_sessions(url)


def _timed(page, url: str) -> dict[str, float]:
    started = time.perf_counter()
    page.goto(url)
    step("opened")
    # attached, not visible: JupyterLab leaves cells out of view unpainted
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        state="attached"
    )
    ready = wait_idle(url, quiet=0.0) - started  # the kernel started and answered
    step("kernel ready")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    # enabled only once the page's session has its kernel (a click before did nothing)
    page.locator(
        ".lm-Menu-item:not(.lm-mod-disabled) .lm-Menu-itemLabel", has_text="Run All Cells"
    ).first.click()
    ran = time.perf_counter()
    page.locator(".jp-OutputArea-output .main-svg").first.wait_for(state="attached")
    figure = time.perf_counter() - started
    step("first figure")
    # the kernel idle for half a second: Run All queues every cell at once (JupyterLab
    # leaves cells out of view out of the page, so their outputs cannot be waited on)
    done = wait_idle(url) - started
    return {
        "kernel ready": ready,
        "first figure": figure,
        "run all, to its last cell": done,
        "run all alone": done - (ran - started),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="", help="export (default: the shipped sample)")
    parser.add_argument("--notebooks", default="consent,requests")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    token, port = secrets.token_hex(16), free_port()
    with tempfile.TemporaryDirectory(prefix="officer-latency-") as tmp:
        workspace = Path(tmp) / "workspace"
        command = [str(BIN / "analytics"), "workspace", str(workspace)]
        if args.source:
            command += ["--source", args.source]
        subprocess.run(command, check=True, capture_output=True)
        server = start_lab(workspace, token, port, Path(tmp) / "lab.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                results: dict[str, list[dict[str, float]]] = {}
                for name in args.notebooks.split(","):
                    url = f"http://127.0.0.1:{port}/lab/tree/{name}.ipynb?token={token}"
                    results[name] = [one_open(browser, url) for _ in range(args.runs)]
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"| notebook | phase | median of {args.runs} (s) | range (s) |")
    print("|---|---|---:|---:|")
    for name, runs in results.items():
        for phase in runs[0]:
            values = [r[phase] for r in runs]
            middle, low, high = statistics.median(values), min(values), max(values)
            print(f"| {name} | {phase} | {middle:.1f} | {low:.1f} to {high:.1f} |")


if __name__ == "__main__":
    main()
