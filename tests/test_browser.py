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


def test_no_banner_or_chart_title_is_wider_than_a_phone(pages, browser):
    """At 390 px every report's banner (period, rule, source, policy path) and every
    chart's title wrap inside the screen. A chart's title is page text above it: Plotly's
    own title (``.gtitle``) does not wrap and was cut off at a phone's edge."""
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 800})
    page = context.new_page()
    wide, plotly_titles, titles = [], [], 0
    for page_path in pages:
        page.goto(page_path.as_uri())
        for box in page.locator(".report-banner, .chart-title").all():
            sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
            if sizes[0] > sizes[1]:
                wide.append((page_path.name, sizes))
        titles += page.locator(".chart-title").count()
        plotly_titles += [
            (page_path.name, t) for t in page.locator(".gtitle").all_inner_texts() if t.strip()
        ]
    context.close()
    assert wide == [] and plotly_titles == []
    assert titles >= 3


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


@pytest.fixture(scope="module")
def worklist_page(tmp_path_factory) -> Path:
    """An officer page as the run renders it (offline template, its CSP), holding one list
    of 60 rows: more than a page of the table, so paging, search and sort all show."""
    import nbformat
    import pandas as pd

    from analytics.presentation.worklist import worklist_html
    from analytics.run.pages import render_html

    frame = pd.DataFrame(
        {
            "record_id": [f"R{i:02d}" for i in range(60)],
            "days_overdue": [(i * 7) % 60 for i in range(60)],
            "note": ["=cmd|' /C calc'!A0"] + ["text"] * 59,
        }
    )
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("display(...)")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/html": worklist_html(frame, "Records due", "due")}
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Record retention"), cell]
    path = tmp_path_factory.mktemp("worklist") / "retention.html"
    path.write_text(render_html(nb))
    return path


def test_an_officer_list_sorts_searches_and_pages_offline(worklist_page, browser):
    context = browser.new_context(offline=True, accept_downloads=True)
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(worklist_page.as_uri())
    status = page.locator(".worklist-status")
    visible = page.locator(".worklist-table tbody tr:visible")
    assert status.inner_text() == "rows 1-25 of 60, page 1 of 3"
    assert visible.count() == 25 and page.locator(".worklist-table tbody tr").count() == 60
    page.get_by_role("button", name="Next page").click()
    assert status.inner_text() == "rows 26-50 of 60, page 2 of 3"
    assert visible.first.locator("td").first.inner_text() == "R25"
    page.get_by_label("Search the list").fill("r59")
    assert status.inner_text() == "rows 1-1 of 1 matching (60 in all), page 1 of 1"
    page.get_by_label("Search the list").fill("")
    header = page.get_by_role("button", name="Days overdue")
    header.click()  # ascending, by value: 0, 1, 2 ... not "0", "1", "10"
    firsts = [visible.nth(i).locator("td").nth(1).inner_text() for i in range(3)]
    assert firsts == ["0", "1", "2"]
    assert page.locator("th[aria-sort=ascending]").inner_text() == "Days overdue"
    header.click()
    assert visible.first.locator("td").nth(1).inner_text() == "59"
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the list as CSV (60 rows)").click()
    download = info.value
    text = Path(download.path()).read_text()
    assert download.suggested_filename == "due.csv" and len(text.splitlines()) == 61
    assert "'=cmd|' /C calc'!A0" in text  # a formula stays text in a spreadsheet
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert errors == []
    context.close()


def violations(browser, page_path: Path, width: int = 1280, scheme: str = "light") -> list[str]:
    """axe-core (bundled with axe-playwright-python, nothing fetched) on one page, in the
    given colour scheme: every violation, of any impact."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(
        offline=True, viewport={"width": width, "height": 900}, color_scheme=scheme
    )
    page = context.new_page()
    page.goto(page_path.as_uri())
    page.wait_for_timeout(300)
    found = Axe().run(page).response["violations"]
    context.close()
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}" for v in found]


def test_pages_have_no_accessibility_violation_in_light_or_dark(pages, browser, worklist_page):
    """The index, every leadership and officer page, a work list and the index of months:
    no violation of any impact, in light and in dark mode, on a desktop and (the overview)
    on a phone."""
    found = {}
    months = pages[0].parent.parent / "index.html"
    for scheme in ("light", "dark"):
        for page_path in dict.fromkeys([*pages, worklist_page, months]):
            if problems := violations(browser, page_path, scheme=scheme):
                found[f"{page_path.parent.name}/{page_path.name} ({scheme})"] = problems
        if problems := violations(browser, pages[0], width=390, scheme=scheme):
            found[f"index.html at 390 px ({scheme})"] = problems
    assert found == {}, "\n".join(f"{page}: {p}" for page, ps in found.items() for p in ps)


def test_the_overview_works_with_the_keyboard(pages, browser):
    """Tab from the top: the contents first, then each sentence of what needs action,
    every one a link that Enter follows."""
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(pages[0].as_uri())
    focused = []
    for _ in range(8):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert focused[:5] == ["What needs action", "Scorecard", "Trends", "Reports", "Provenance"]
    sentences = page.locator("ol.action a")
    if sentences.count():
        first = sentences.first.inner_text().strip()
        assert first in focused[5:7]  # after at most the data-quality details link
        for _ in range(10):  # back to it
            if page.evaluate("document.activeElement.textContent.trim()") == first:
                break
            page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_timeout(200)
        assert page.url != pages[0].as_uri() and ".html" in page.url
    context.close()


def test_a_work_list_works_with_the_keyboard(worklist_page, browser):
    context = browser.new_context(offline=True)
    page = context.new_page()
    page.goto(worklist_page.as_uri())
    status = page.locator(".worklist-status")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "worklist-next":
            break
    page.keyboard.press("Enter")
    assert status.inner_text() == "rows 26-50 of 60, page 2 of 3"
    context.close()
