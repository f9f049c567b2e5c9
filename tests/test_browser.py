"""Reports opened in Debian's headless Chromium, offline: charts drawn, no outside request."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pages(tiny_month) -> list[Path]:
    folder = tiny_month[0].folder
    return [folder / "index.html", *sorted(folder.glob("*.html")), *folder.glob("officer/*.html")]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run `make test`"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_pages_draw_every_chart_offline_without_outside_requests(pages, browser, tmp_path):
    assert len(pages) >= 3
    for page_path in pages:
        expected_charts = page_path.read_text().count('class="plotly-graph-div"')
        context = browser.new_context(offline=True)
        page = context.new_page()
        requests, errors, dialogs = [], [], []
        page.on("request", lambda r, seen=requests: seen.append(r.url))
        page.on("pageerror", lambda e, seen=errors: seen.append(str(e)))
        page.on(
            "console",
            lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None,
        )
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        page.goto(page_path.as_uri())
        page.wait_for_timeout(300)
        outside = [u for u in requests if not u.startswith(("file:", "data:", "about:"))]
        assert outside == [], page_path.name
        assert errors == [], page_path.name
        assert dialogs == [] and page.title() != "pwned", page_path.name
        drawn = page.locator(".js-plotly-plot:has(.main-svg)")
        assert expected_charts >= 1
        assert drawn.count() == expected_charts, page_path.name
        box = drawn.first.bounding_box()
        assert box and box["height"] > 200 and box["width"] > 300
        shot = tmp_path / f"{page_path.parent.name}-{page_path.stem}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
        context.close()


def test_index_shows_every_tile(pages, browser):
    index = pages[0]
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(index.as_uri())
    tiles = page.locator(".tile")
    assert tiles.count() >= 1
    for i in range(tiles.count()):
        assert tiles.nth(i).is_visible()
        assert tiles.nth(i).locator(".value").inner_text().strip() != ""
    context.close()
