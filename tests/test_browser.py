"""Reports opened in Debian's headless Chromium, offline: charts drawn, no outside request."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics.report import report_notebooks, run_notebooks
from reports import tiny_month_export

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("browser")
    source = tiny_month_export(tmp / "export")
    target = tmp / "reports" / "2026-10"
    run_notebooks(report_notebooks(), target, {"source": str(source), "period": "2026-10"})
    return sorted(target.glob("*.html")) + sorted((target / "officer").glob("*.html"))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make test`"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_pages_draw_charts_offline_without_outside_requests(pages, browser, tmp_path):
    assert pages
    for page_path in pages:
        context = browser.new_context(offline=True, java_script_enabled=True)
        page = context.new_page()
        requests, errors, dialogs = [], [], []
        page.on("request", lambda r, seen=requests: seen.append(r.url))
        page.on("pageerror", lambda e, seen=errors: seen.append(str(e)))
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        page.goto(page_path.as_uri())
        page.wait_for_timeout(500)
        outside = [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
        assert outside == [], page_path.name
        assert errors == [], page_path.name
        assert dialogs == [] and page.title() != "pwned", page_path.name
        charts = page.locator(".js-plotly-plot .main-svg")
        assert charts.count() >= 1, page_path.name
        box = page.locator(".js-plotly-plot").first.bounding_box()
        assert box and box["height"] > 200 and box["width"] > 300
        shot = tmp_path / f"{page_path.parent.name}-{page_path.stem}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        context.close()
