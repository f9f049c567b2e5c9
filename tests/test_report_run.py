"""The monthly run: notebooks executed by Papermill, offline HTML, all-or-nothing months."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs

from analytics.errors import RunError
from analytics.paths import notebooks_dir
from analytics.run.kernels import ensure_kernel
from analytics.run.metrics_json import shape_problems
from analytics.run.notebooks import report_notebooks
from analytics.run.runner import RunLocked, month_lock, run_month
from analytics.sample import PLANTED_BAD_ROWS
from helpers import run_cli as cli
from helpers import tree_hash
from reports import FORMULA, MARKUP, OVERDUE_ID, SCRIPT, SECRET_ID, tiny_month_export

FIXTURES = Path(__file__).parent / "fixtures"


pytestmark = pytest.mark.slow


@pytest.fixture
def month(tiny_month):
    """The shared run of every report notebook over the tiny export, for 2026-10."""
    return tiny_month


def test_kernel_runs_this_interpreter():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(ensure_kernel())
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()


def test_every_notebook_has_a_parameters_cell_and_no_outputs():
    import nbformat

    for path in report_notebooks():
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


def test_run_writes_every_page_index_and_metrics(month):
    result, _ = month
    folder = result.folder
    assert {p.name for p in result.pages} == {p.stem for p in report_notebooks()}
    for p in result.pages:
        assert p.html.is_file() and p.officer_html.is_file() and p.executed.is_file()
        assert stat.S_IMODE(os.stat(p.officer_html).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(p.executed).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder / "officer").st_mode) == 0o700
    assert (folder / "index.html").is_file()
    # made under umask 000: leadership's files are 0644 and the officer's 0600 all the same
    for name in ("index.html", "metrics.json", "manifest.json", "plotly.min.js"):
        assert stat.S_IMODE(os.stat(folder / name).st_mode) == 0o644, name
    assert {stat.S_IMODE(os.stat(p.html).st_mode) for p in result.pages} == {0o644}
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o755
    officer = [p for p in (folder / "officer").rglob("*") if p.is_file()]
    assert officer and {stat.S_IMODE(os.stat(p).st_mode) for p in officer} == {0o600}
    doc = json.loads((folder / "metrics.json").read_text())
    assert shape_problems(doc) == []
    assert doc["period"] == "2026-10"
    # neither the staging folder nor the export's snapshot is left behind (the kept
    # validation, .validation/, stays: it is what the next run reuses)
    leftovers = [".2026", ".validated-"]
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(tuple(leftovers))] == []


def test_metrics_json_counts_equal_the_export(month):
    result, _ = month
    doc = json.loads((result.folder / "metrics.json").read_text())
    values = {(m["metric"], m["segment"]): m["value"] for m in doc["metrics"]}
    assert values[("quality.rows_quarantined", "requests")] == 1
    assert values[("quality.rows_read", "requests")] == 3
    assert values[("quality.rows_quarantined", "all")] == 1
    assert values[("quality.quarantined_rate", "requests")] == pytest.approx(1 / 3)
    # R1: received 5 Oct, answered 10 Oct (on time); OVERDUE: received 1 Sep, open
    assert values[("requests.received", "access")] == 1
    assert values[("requests.on_time_rate", "access")] == 1.0
    assert values[("requests.open_overdue", "all")] == 1
    assert doc["quarantine"] == [{"table": "requests", "reason": "inconsistent_state", "rows": 1}]
    assert doc["source"]["tables"]["requests"] == {
        "rows_read": 3,
        "rows_used": 2,
        "rows_quarantined": 1,
    }


def test_the_month_prints_its_overview_as_a_pdf(month):
    """index.pdf, printed by Debian's chromium with its charts drawn: the board pack."""
    import html
    import re

    from pypdf import PdfReader

    result, _ = month
    reader = PdfReader(str(result.folder / "index.pdf"))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert len(reader.pages) >= 2
    assert "privacy compliance, October 2026" in text and "Period 2026-10" in text
    assert "Twelve-month trends" in text and "What needs action in October 2026" in text
    index = (result.folder / "index.html").read_text()
    first = re.search(r'<ol class="action">\s*<li><a href="[^"]*">([^<]+)</a>', index)
    opening = first[1] if first else "Every headline figure that could be judged is on target"
    assert " ".join(html.unescape(opening).split()) in text  # the overview's first sentence
    # a chart is vector art in the PDF: its axis titles are text on the page
    assert "month (clinic's local dates)" in text
    # paged for Letter (8.5 x 11 in) and for A4 (210 x 297 mm)
    letter = reader.pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    a4 = PdfReader(str(result.folder / "index-a4.pdf"))
    box = a4.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    assert "What needs action in October 2026" in " ".join(p.extract_text() for p in a4.pages)
    assert not list(result.folder.glob(".print-*"))  # the sized copy is gone


def test_every_notebook_records_exactly_its_domains_rows_of_metrics_json(month):
    import nbformat

    from analytics.presentation.page import recorded_metrics
    from analytics.registry import domain

    result, _ = month
    doc = json.loads((result.folder / "metrics.json").read_text())
    for page in result.pages:
        recorded = recorded_metrics(nbformat.read(page.executed, as_version=4))
        prefixes = domain(page.name).metric_prefixes
        expected = [m for m in doc["metrics"] if m["metric"].split(".")[0] in prefixes]
        assert expected, page.name
        assert recorded == expected, page.name


def test_leadership_pages_carry_no_ids_and_officer_pages_escape_markup(month):
    result, _ = month
    folder = result.folder
    for page in [folder / "index.html", folder / "metrics.json", *folder.glob("*.html")]:
        assert SECRET_ID not in page.read_text(), page.name
        assert OVERDUE_ID not in page.read_text(), page.name
        assert "P1" not in page.read_text().replace(get_plotlyjs(), ""), page.name
    assert OVERDUE_ID in (folder / "officer" / "requests.html").read_text()
    consent_officer = (folder / "officer" / "consent.html").read_text()
    assert SCRIPT not in consent_officer
    assert "&lt;script&gt;alert(1)&lt;/script&gt; STOP" in consent_officer
    assert "alert(1)" not in (folder / "consent.html").read_text()
    officer = (folder / "officer" / "quality.html").read_text()
    assert SECRET_ID in officer
    assert MARKUP not in officer  # shown escaped, never as markup
    assert "&lt;img src=x onerror=" in officer


def test_pages_load_only_the_months_plotly_js(month):
    """No page fetches anything from another host: the one script file a page loads is
    the month's copy of plotly.js, by a relative path inside the month's folder."""
    import re

    result, _ = month
    folder = result.folder
    assert (folder / "plotly.min.js").read_text() == get_plotlyjs()
    for page in [folder / "index.html", *folder.glob("*.html"), *folder.glob("officer/*.html")]:
        text = page.read_text()
        sources = re.findall(r"<script[^>]*\ssrc=\"([^\"]*)\"", text)
        if "plotly-graph-div" in text:
            assert sources == ["../plotly.min.js" if page.parent != folder else "plotly.min.js"]
            assert (page.parent / sources[0]).resolve() == (folder / "plotly.min.js").resolve()
        else:
            assert sources == [], page
        assert "plotly.js v" not in text  # never inlined
        assert 'href="http' not in text
        assert "cdn.jsdelivr" not in text and "cdnjs" not in text and "unpkg" not in text
        assert "hl-ipython3" not in text and "open_report(" not in text  # no code


def test_pages_are_what_nbconverts_own_exporter_makes(month, monkeypatch):
    """The run renders pages with its own exporter (compiled once, no validation after each
    preprocessor, no BeautifulSoup pass): every page of every notebook, parsed, equals what
    nbconvert's HTMLExporter makes of it, focusable outputs and cells included."""
    import nbformat
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from analytics.run import pages

    result, _ = month
    executed = [nbformat.read(p.executed, as_version=4) for p in result.pages]
    ours = [pages.render_html(node, drop_tags=(pages.OFFICER_TAG,)) for node in executed]
    monkeypatch.setattr(pages, "_PageExporter", HTMLExporter)
    monkeypatch.setattr(pages, "_EXPORTERS", {})
    theirs = [pages.render_html(node, drop_tags=(pages.OFFICER_TAG,)) for node in executed]
    for page, made in zip(ours, theirs, strict=True):
        assert 'tabindex="0"' in page
        assert str(BeautifulSoup(page, "html.parser")) == str(BeautifulSoup(made, "html.parser"))


def test_every_table_of_every_page_has_its_caption(month):
    """A table says what it holds (pandas 3 writes <table> without the border attribute
    the caption code once looked for, and every caption vanished unnoticed)."""
    import re

    result, _ = month
    folder = result.folder
    for page in [folder / "index.html", *folder.glob("*.html"), *folder.glob("officer/*.html")]:
        text = page.read_text()
        tables = re.findall(r"<table[^>]*>\s*(<caption>[^<]+</caption>)?", text)
        assert tables, page.name
        assert all(caption for caption in tables), page.name


def test_every_page_links_back_to_the_overview_and_lists_its_sections(month):
    result, _ = month
    folder = result.folder
    page = (folder / "consent.html").read_text()
    assert '<a href="index.html">&larr; Overview of the month</a>' in page
    assert '<li><a href="#Twelve-month-trend">Twelve-month trend</a></li>' in page
    officer = (folder / "officer" / "consent.html").read_text()
    assert '<a href="../index.html">&larr; Overview of the month</a>' in officer


def test_pages_name_their_rule_and_period(month):
    result, _ = month
    text = (result.folder / "quality.html").read_text()
    assert "Period:</b> 2026-10" in text
    assert "Rule:</b> data contract v1" in text
    index = (result.folder / "index.html").read_text()
    assert "Period 2026-10" in index and "Rule: data contract v1" in index


def test_index_tile_is_coloured_against_its_target(month):
    result, _ = month
    index = (result.folder / "index.html").read_text()
    # 1 of 20 rows read (15 tables; 4 messages, 3 requests) is quarantined:
    # far above the 0.1 % amber limit
    assert 'class="tile red" data-metric="quality.quarantined_rate"' in index
    assert "5.0 %" in index
    # one STOP reply nobody recorded: red against a target of zero
    assert 'class="tile red" data-metric="consent.missed_keyword_optouts"' in index


def test_failed_run_leaves_the_last_good_month_untouched(month):
    result, ctx = month
    before = tree_hash(result.folder)
    notebooks = [*report_notebooks(), FIXTURES / "broken.ipynb"]
    with pytest.raises(RunError) as info:
        run_month(ctx, result.folder.parent, notebooks=notebooks, jobs=2)
    message = str(info.value)
    assert "broken.ipynb" in message and "RuntimeError: planted failure" in message
    assert "raise RuntimeError" in message  # the failing cell is named by its code
    assert tree_hash(result.folder) == before
    leftovers = [
        p.name
        for p in result.folder.parent.iterdir()
        if p.name.startswith((".2026", ".validated-"))
    ]
    assert leftovers == []
    assert (result.folder.parent / "failed" / "2026-10" / "broken.ipynb").is_file()


def test_a_second_run_of_the_same_month_is_refused_while_one_runs(month):
    result, ctx = month
    with month_lock(result.folder.parent, ctx.period):
        with pytest.raises(RunLocked):
            run_month(ctx, result.folder.parent)


def test_rerun_replaces_the_month(month):
    result, ctx = month
    marker = result.folder / "stale.txt"
    marker.write_text("from an earlier run")
    run_month(ctx, result.folder.parent, jobs=2)
    assert not marker.exists()
    assert (result.folder / "index.html").is_file()


def test_run_cli_makes_the_default_month_from_a_source(tmp_path):
    source = tiny_month_export(tmp_path / "export")
    out = tmp_path / "reports"
    done = cli("run", "--source", str(source), "--out", str(out), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert (out / "2026-10" / "index.html").is_file()  # default period: last full month
    assert done.stderr.count("[1/") == 0  # no progress lines when stderr is not a terminal


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--period", "2026-13"], 2, "not a month written YYYY-MM"),
        (["--period", "Oct 2026"], 2, "not a month written YYYY-MM"),
        (["--period", "1990-01"], 2, "before the export's first record"),
        (["--from", "2026-09"], 2, "give --from and --to together"),
        (["--source", "/nonexistent/export"], 3, "does not exist"),
        (["--policy", "/nonexistent/policy.toml"], 2, "cannot read policy file"),
        (["--jobs", "0"], 2, "--jobs must be 1 or more"),
    ],
)
def test_run_cli_rejects_bad_arguments_with_documented_codes(args, code, words):
    done = cli("run", "--out", "/tmp/analytics-never-written", *args)
    assert done.returncode == code, done.stderr
    assert words in done.stderr
    assert "Traceback" not in done.stderr
    assert not Path("/tmp/analytics-never-written/1990-01").exists()


def test_run_cli_exit_code_for_a_failing_notebook(tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "broken.ipynb").write_bytes((FIXTURES / "broken.ipynb").read_bytes())
    source = tiny_month_export(tmp_path / "export")
    env = {**os.environ, "ANALYTICS_NOTEBOOKS": str(notebooks)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics.cli",
            "run",
            "--source",
            str(source),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 4, done.stderr
    assert "broken.ipynb" in done.stderr and "nothing replaced" in done.stderr
    assert not (tmp_path / "out" / "2026-10").exists()


def test_notebooks_folder_is_the_projects():
    assert (notebooks_dir() / "quality.ipynb").is_file()


@pytest.fixture(scope="module")
def sample_month(tmp_path_factory):
    """The README's run: `analytics run` on the shipped sample, as a scheduler starts it."""
    out = tmp_path_factory.mktemp("sample")
    done = cli("run", "--out", str(out), "--jobs", "2", process=True)
    assert done.returncode == 0, done.stderr
    return out / "2026-10", done


def test_a_successful_run_says_one_line_and_nothing_on_stderr(sample_month):
    _, done = sample_month
    assert done.stderr == ""  # no kernel warning reaches a scheduler's log
    assert done.stdout.splitlines() == [f"wrote {sample_month[0] / 'index.html'}"]


def test_end_to_end_on_the_shipped_sample(sample_month):
    folder, _ = sample_month
    for nb in report_notebooks():
        assert (folder / f"{nb.stem}.html").is_file()
        assert (folder / "officer" / f"{nb.stem}.html").is_file()
    doc = json.loads((folder / "metrics.json").read_text())
    assert shape_problems(doc) == []
    assert doc["source"]["path"].endswith("data/sample")
    assert sum(q["rows"] for q in doc["quarantine"]) == sum(PLANTED_BAD_ROWS.values())
    assert (folder / "manifest.json").is_file()


def test_the_sample_month_weighs_under_10_mb(sample_month):
    """One copy of plotly.js per month, loaded by every page with charts; notebooks keep
    their figures as data (the month weighed 55 MB with plotly.js in every page)."""
    folder, _ = sample_month
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 10_000_000
    assert [p.name for p in files if "plotly.js v" in p.read_text(errors="ignore")[:2000]] == [
        "plotly.min.js"
    ]
    for page in [*folder.glob("*.html"), *folder.glob("officer/*.html")]:
        text = page.read_text()
        if 'class="plotly-graph-div"' in text:
            src = "../plotly.min.js" if page.parent.name == "officer" else "plotly.min.js"
            assert f'src="{src}"' in text, page.name


def test_the_officers_page_holds_every_row_of_each_work_list(sample_month):
    """Not the first 200: the destruction queue of the sample (349 records) is whole on
    the officer's page, as it is in its CSV file."""
    import csv

    folder, _ = sample_month
    page = (folder / "officer" / "retention.html").read_text()
    with (folder / "officer" / "worklists" / "retention.destruction_queue.csv").open() as f:
        ids = [row["record_id"] for row in csv.DictReader(f)]
    assert len(ids) > 300
    assert all(f">{record}</td>" in page for record in ids)
    assert f"Download the list as CSV ({len(ids):,} rows)" in page


def test_leadership_artefacts_of_a_sample_run_hold_no_id_and_no_message_body(sample_month):
    sample_month = sample_month[0]
    """Every patient, request, message, disclosure, record and event id of the export, and
    every message body of ten characters or more, is absent from the leadership pages."""
    import html
    import re

    from analytics.loading.loader import open_export
    from analytics.paths import sample_path
    from analytics.registry import load_policy

    export = open_export(sample_path())
    ids = set()
    for sql in [
        "SELECT patient_id FROM consent_events UNION SELECT patient_id FROM messages "
        "UNION SELECT patient_id FROM requests UNION SELECT patient_id FROM disclosures "
        "UNION SELECT patient_id FROM records",
        "SELECT request_id FROM requests UNION SELECT message_id FROM messages "
        "UNION SELECT disclosure_id FROM disclosures UNION SELECT record_id FROM records "
        "UNION SELECT event_id FROM consent_events",
        "SELECT json_extract_string(row_json, '$.' || CASE table_name "
        "WHEN 'requests' THEN 'request_id' WHEN 'messages' THEN 'message_id' "
        "WHEN 'disclosures' THEN 'disclosure_id' WHEN 'records' THEN 'record_id' "
        "ELSE 'event_id' END) FROM quarantine",
    ]:
        ids |= {r[0] for r in export.con.execute(sql).fetchall() if r[0]}
    keywords = {
        w for k in ("withdrawal_words", "help_words") for w in load_policy().data["consent"][k]
    }
    bodies = {
        r[0]
        for r in export.con.execute(
            "SELECT DISTINCT body FROM messages WHERE length(body) >= 10"
        ).fetchall()
        if r[0].strip().lower() not in keywords  # a bare keyword is also the rule's wording
    }
    export.close()
    assert len(ids) > 50_000 and bodies
    js = get_plotlyjs()
    artefacts = [
        sample_month / "index.html",
        sample_month / "metrics.json",
        sample_month / "manifest.json",
        *sample_month.glob("*.html"),
    ]
    for page in artefacts:
        text = page.read_text().replace(js, "")
        tokens = set(re.findall(r"[A-Za-z0-9_-]+", text))
        assert tokens & ids == set(), page.name
        for body in bodies:
            assert body not in text and html.escape(body) not in text, (page.name, body)
    officer = (sample_month / "officer" / "requests.html").read_text()
    assert set(re.findall(r"[A-Za-z0-9_-]+", officer)) & ids  # the officer's page names them


class _Visible(HTMLParser):
    """The text a reader sees on a page: none of its scripts, styles or attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden:
            self.text.append(data)


CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # confidential_comms, baa_signed_on
PYTHON = re.compile(r"\b(?:True|False|None|NaN|nan|NaT)\b")


def test_no_leadership_page_shows_a_code_or_a_python_value(sample_month):
    """Leadership reads words: every page of the month, the overview and the index of
    months, in their text and in their charts' legends and axis labels, without a code of
    the contract or the policy or a Python value (the server's paths aside)."""
    from analytics.paths import sample_path
    from analytics.policy import default_policy_path

    folder = sample_month[0]
    js = get_plotlyjs()
    paths = (str(sample_path()), str(default_policy_path()))
    pages = [*folder.glob("*.html"), folder.parent / "index.html"]
    assert len(pages) >= 10
    for page in pages:
        source = page.read_text().replace(js, "")
        seen = _Visible()
        seen.feed(source)
        text = " ".join(seen.text)
        for path in paths:
            text = text.replace(path, "")
        # what a chart draws: its series' names and its axes' categories
        drawn = re.findall(r'"(?:name|text|title)":"([^"]*)"', source)
        drawn += [c for xs in re.findall(r'"x":\[([^\]]*)\]', source) for c in xs.split(",")]
        for shown in (text, " ".join(drawn)):
            assert CODE.findall(shown) == [], (page.name, sorted(set(CODE.findall(shown)))[:10])
            assert PYTHON.findall(shown) == [], (page.name, sorted(set(PYTHON.findall(shown))))


def test_the_sample_months_board_pack_is_at_most_ten_pages(sample_month):
    """Two charts to a page, the scorecard in three: at most ten Letter pages (and A4)."""
    from pypdf import PdfReader

    folder = sample_month[0]
    for name in ("index.pdf", "index-a4.pdf"):
        pages = len(PdfReader(folder / name).pages)
        assert 3 <= pages <= 10, (name, pages)


def test_accounting_notebook_is_not_part_of_the_monthly_run():
    names = {p.name for p in report_notebooks()}
    assert "disclosures_accounting.ipynb" not in names
    assert (notebooks_dir() / "disclosures_accounting.ipynb").is_file()
    assert {"quality.ipynb", "requests.ipynb", "consent.ipynb"} <= names
    assert {"retention.ipynb", "disclosures.ipynb"} <= names


def test_same_month_twice_gives_identical_metrics_and_manifest(month, tmp_path):
    """The session's run of the month, and the same month run again elsewhere."""
    result, ctx = month
    docs = []
    for folder in (result.folder, run_month(ctx, tmp_path / "again", jobs=2).folder):
        metrics_doc = json.loads((folder / "metrics.json").read_text())
        manifest_doc = json.loads((folder / "manifest.json").read_text())
        for d in (metrics_doc, manifest_doc):
            d.pop("generated_at")
        docs.append((metrics_doc, manifest_doc))
    assert docs[0] == docs[1]
    metrics_doc, manifest_doc = docs[0]
    assert metrics_doc["source"]["sha256"] == manifest_doc["source"]["sha256"]
    assert len(manifest_doc["source"]["sha256"]) == 64
    assert {n["name"] for n in manifest_doc["notebooks"]} == {p.name for p in report_notebooks()}
    assert manifest_doc["versions"]["duckdb"].startswith("2.")


def test_work_lists_are_private_csv_with_formulas_neutralised(month):
    import csv

    result, _ = month
    folder = result.folder / "officer" / "worklists"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    files = sorted(folder.glob("*.csv"))
    assert {f.stem for f in files} >= {
        "requests.open_overdue",
        "consent.missed_keyword_optouts",
        "retention.destruction_queue",
        "disclosures.disclosure_problems",
        "authorizations.disclosures_not_authorized",
    }
    assert all(stat.S_IMODE(os.stat(f).st_mode) == 0o600 for f in files)
    with (folder / "consent.missed_keyword_optouts.csv").open() as f:
        bodies = [r["text_as_received"] for r in csv.DictReader(f)]
    assert "'" + FORMULA in bodies and FORMULA not in bodies
    assert SCRIPT in bodies  # text is kept as received: CSV is not HTML
    with (folder / "requests.open_overdue.csv").open() as f:
        assert [r["request_id"] for r in csv.DictReader(f)] == [OVERDUE_ID]


def test_leadership_audience_renders_no_officer_list_even_with_every_cell_kept(month, tmp_path):
    """The second safeguard behind the officer tag: a notebook run for leadership and
    rendered whole (no cell dropped) names no request of the work queue."""
    import papermill

    from analytics.run.kernels import ensure_kernel
    from analytics.run.pages import render_html

    _, ctx = month
    node = papermill.execute_notebook(
        str(notebooks_dir() / "requests.ipynb"),
        str(tmp_path / "requests.ipynb"),
        parameters={
            "source": str(ctx.export.source),
            "period": "2026-10",
            "audience": "leadership",
        },
        kernel_name=ensure_kernel(),
        progress_bar=False,
    )
    page = render_html(node)
    assert OVERDUE_ID not in page
    assert "Open and overdue at the end of" not in page  # the list's caption: not rendered


def test_every_link_of_the_index_leads_to_a_page_of_the_month(month):
    import re

    result, _ = month
    index = (result.folder / "index.html").read_text()
    links = set(re.findall(r'href="([^"#:]+)"', index))
    assert "quality.html" in links
    assert [link for link in links if not (result.folder / link).is_file()] == []


def test_metrics_and_manifest_follow_their_shipped_schemas(month):
    from analytics.schemas import problems, shipped

    result, _ = month
    for name in ("metrics", "manifest"):
        doc = json.loads((result.folder / f"{name}.json").read_text())
        assert problems(shipped(name), doc) == [], name


def test_every_link_of_both_pdfs_leads_to_a_page_of_the_month(month):
    """The board pack's links: inside the document (its own destinations) or relative to
    the month's folder, to a page and heading that exist; page 1 carries no server path or
    hash, and every page its number and the running header."""
    import re
    from urllib.parse import unquote

    from pypdf import PdfReader

    result, _ = month
    folder = result.folder
    for name in ("index.pdf", "index-a4.pdf"):
        reader = PdfReader(folder / name)
        destinations = set(reader.trailer["/Root"].get("/Dests", {}).keys())
        followed = 0
        for page in reader.pages:
            for ref in page.get("/Annots") or []:
                link = ref.get_object()
                action = link.get("/A")
                if action is None:
                    assert str(link["/Dest"]) in destinations, name
                else:
                    target, _, anchor = unquote(str(action["/URI"])).partition("#")
                    assert not re.match(r"^[a-z]+:", target), (name, target)  # no file://
                    page_file = folder / target
                    assert page_file.is_file(), (name, target)
                    if anchor:
                        assert f'id="{anchor}"' in page_file.read_text(), (name, target, anchor)
                followed += 1
        assert followed >= 10, name
        first = reader.pages[0].extract_text()
        assert str(folder.parent) not in first and not re.search(r"[0-9a-f]{64}", first)
        count = len(reader.pages)
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text()
            assert f"Page {number} of {count}" in text, (name, number)
            assert "privacy compliance, October 2026" in text.splitlines()[0], (name, number)


def test_the_run_writes_the_index_of_months_beside_the_month(month):
    result, _ = month
    page = (result.folder.parent / "index.html").read_text()
    assert '<a href="2026-10/index.html">October 2026</a>' in page
    manifest = json.loads((result.folder / "manifest.json").read_text())
    summary = manifest["summary"]
    assert summary["figures"] == sum(
        summary[k] for k in ("off_target", "watch", "on_target", "not_judged")
    )
