"""The leadership overview: what needs action first, in sentences made from the figures,
then a scorecard grouped by the notice's promises."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from analytics.presentation.index import (
    change_text,
    needs_action,
    render_index,
    sparkline,
    tiles,
)
from analytics.registry import DOMAINS, open_report
from analytics.run.metrics_json import compute_all, history
from helpers import WHOLE_SAMPLE

REPORTS = [{"name": d.name, "title": d.title, "file": f"{d.name}.html"} for d in DOMAINS]
NAMES = {d.name for d in DOMAINS}


@pytest.fixture(scope="module")
def sample():
    ctx = open_report(None, "2026-10")
    rows = compute_all(ctx)
    yield ctx, rows, history(ctx, rows)
    ctx.export.close()


def with_value(rows, metric, value, segment="all"):
    return [
        {**m, "value": value} if (m["metric"], m["segment"]) == (metric, segment) else m
        for m in rows
    ]


@WHOLE_SAMPLE
def test_a_sentence_is_made_from_the_figure_and_follows_it(sample):
    ctx, rows, _ = sample
    first = {t.metric: t.sentence for t in tiles(rows, ctx.policy, NAMES)}
    assert first["consent.marketing_after_optout"] == (
        "6 marketing messages went to patients who had opted out."
    )
    changed = with_value(rows, "consent.marketing_after_optout", 7)
    again = {t.metric: t.sentence for t in tiles(changed, ctx.policy, NAMES)}
    assert again["consent.marketing_after_optout"] == (
        "7 marketing messages went to patients who had opted out."
    )
    one = with_value(rows, "consent.marketing_after_optout", 1)
    assert {t.metric: t.sentence for t in tiles(one, ctx.policy, NAMES)}[
        "consent.marketing_after_optout"
    ] == "1 marketing message went to a patient who had opted out."
    on_target = with_value(rows, "consent.marketing_after_optout", 0)
    assert {t.metric: t.sentence for t in tiles(on_target, ctx.policy, NAMES)}[
        "consent.marketing_after_optout"
    ] == ""


@WHOLE_SAMPLE
def test_the_overview_leads_with_the_figures_off_target_worst_first(sample):
    ctx, rows, past = sample
    ranked = needs_action(tiles(rows, ctx.policy, NAMES, history=past))
    assert {t.status for t in ranked} == {"red"}
    # a breach notice past its legal due date (weight 100 in the policy) comes first; then
    # 67 marketing texts in quiet hours against 0 (the 8:45 p.m. campaign, late in New York
    # and Texas: 67); 5 records opened by a departed member's account (weight 10: 50); then
    # 309 records against an amber limit of 10 (29.9) before 10 disclosures against 0 (10)
    metrics = [(t.metric, t.segment) for t in ranked]
    assert metrics[:5] == [
        ("incidents.notices_overdue", "all"),
        ("consent.marketing_quiet_hours", "all"),
        ("access.alerts", "after_termination"),
        ("retention.overdue_disposal", "all"),
        ("disclosures.ba_without_baa", "all"),
    ]
    metrics = [t.metric for t in ranked]
    assert metrics.index("incidents.unassessed_late") < metrics.index("requests.open_overdue")
    assert [t.severity for t in ranked] == sorted((t.severity for t in ranked), reverse=True)
    page = render_index(ctx, rows, [], REPORTS, datetime.now(UTC), past)
    action = page[page.index('id="action"') : page.index('id="scorecard"')]
    # five actions: the two worst legal findings, what falls due, the worst internal one
    assert action.count("<li>") == 5
    assert action.index("1 breach notice is past its legal due date and not sent.") < action.index(
        "67 marketing texts or calls reached patients outside the hours allowed where they are."
    )
    assert "2 breach notices due Nov 15, 2026 to Nov 27, 2026" in action
    assert "321 people concerned" in action
    assert "all 67: campaign CMP-2026-10-SMS-EVE (to FL, NY, TX)" in action
    assert "<b>Acts:</b> Marketing lead" in action
    assert 'href="incidents.html#Notices-owed,-by-notice"' in action
    assert '<a href="#scorecard">see the scorecard</a>' in action


@WHOLE_SAMPLE
def test_the_scorecard_groups_by_promise_with_last_month_change_and_sparkline(sample):
    ctx, rows, past = sample
    page = render_index(ctx, rows, [], REPORTS, datetime.now(UTC), past)
    captions = re.findall(r"<caption>([^<]*)</caption>", page)
    assert captions == [
        "Your rights",
        "Marketing and texts",
        "Sharing and business associates",
        "Safeguards and breaches",
        "Retention and destruction",
        "Data quality",
    ]
    assert page.count("<table") == len(captions)  # every table captioned
    row = re.search(
        r'<tr class="tile red" data-metric="retention.overdue_disposal".*?</tr>', page, re.S
    )
    assert row is not None
    cells = re.findall(r'<td class="num[^"]*">([^<]*)<', row[0])
    assert cells == ["309", "307", "+2"]  # this month, last month, change
    # two more records overdue is worse: coloured so, and said so to a screen reader
    assert '<td class="num worse">+2<span class="visually-hidden"> (worse)</span>' in row[0]
    assert '<svg class="spark" role="img"' in row[0] and "Twelve months, oldest first" in row[0]
    assert "OFF TARGET" not in row[0] and "off target" in row[0]  # in words, not colour alone


@WHOLE_SAMPLE
def test_request_types_with_no_activity_share_one_line(sample):
    ctx, rows, past = sample
    page = render_index(ctx, rows, [], REPORTS, datetime.now(UTC), past)
    quiet = page[page.index('class="quiet"') :].split("</p>")[0]
    for kind in ("accounting", "amend", "restriction"):
        assert f">On time: {kind}</a>" in quiet
        assert f'data-segment="{kind}"' not in page  # no row of its own
    assert 'data-segment="access"' in page  # a type with requests closed keeps its row


def test_change_is_in_points_for_a_rate_and_a_difference_for_a_count():
    assert change_text(0.8, 0.9, "rate") == "-10.0 pts"
    assert change_text(5, 6, "count") == "-1"
    assert change_text(5, 5, "count") == "no change"
    assert change_text(None, 5, "count") == "—"


def test_a_sparkline_leaves_a_gap_for_a_month_without_a_figure():
    svg = sparkline((1, 2, None, 4, 5), "count")
    assert svg.count("<polyline") == 2
    assert "Twelve months, oldest first: 1, 2, no data, 4, 5" in svg
    assert sparkline((None, None, 3), "count") == ""


@WHOLE_SAMPLE
def test_every_chart_carries_its_text_alternative(sample):
    from analytics.presentation.charts import figure_html, trend_figure
    from analytics.run.metrics_json import all_trends

    ctx, rows, past = sample
    figures = [trend_figure(t) for t in all_trends(ctx)]
    page = render_index(ctx, rows, figures, REPORTS, datetime.now(UTC), past)
    assert page.count('class="plotly-graph-div"') == len(figures) == page.count("<figcaption")
    assert page.count('<p class="chart-title"') == len(figures)  # titles as page text
    assert figures[1].layout.title.text  # the figure itself (JupyterLab's) keeps its title
    on_time = figure_html(figures[1])
    assert "<figcaption" in on_time and "all types: 12 points from 2025-11 to 2026-10" in on_time
    assert "last 83.3 %." in on_time  # a rate reads as a percentage


def test_the_opt_out_histograms_text_alternative_says_how_many_waited_past_the_limit():
    """The opt-out histogram is drawn from counts per bin; its caption must describe the
    waits, not say there is nothing to draw. Hand-made bins of one hour: 3 opt-outs up to
    1 h, 2 in (23, 24] (24 h itself is on time: late means over the limit), 1 in
    (24, 25] and 1 past 48 h, so 7 processed and 2 past 24 h."""
    import pandas as pd

    from analytics.presentation.charts import hours_histogram, text_alternative

    bins = pd.DataFrame(
        {
            "bin": [1, 24, 25, 49],
            "up_to_hours": [1.0, 24.0, 25.0, None],
            "opt_outs": [3, 2, 1, 1],
            "shortest_hours": [0.0, 23.5, 24.01, 100.0],
            "longest_hours": [1.0, 24.0, 24.01, 100.0],
        }
    )
    fig = hours_histogram(bins, 1.0, 24, "Hours to process an opt-out, opt-outs of 2026-10")
    assert text_alternative(fig) == (
        "Hours to process an opt-out, opt-outs of 2026-10. 7 opt-outs processed, waiting"
        " from 0 to 100 h; 2 processed past the policy limit of 24 h."
    )
    assert list(fig.data[0].customdata) == [
        "up to 1 h",
        "more than 23 h, up to 24 h",
        "more than 24 h, up to 25 h",
        "more than 48 h",
    ]
    assert list(fig.data[0].x) == [0.5, 23.5, 24.5, 48.5]
    assert list(fig.layout.xaxis.range) == [0, 49.0]


@WHOLE_SAMPLE
def test_every_section_a_figure_links_to_is_a_heading_of_its_page(sample):
    """The overview's links land on the heading that explains the figure, on the page that
    leadership reads (not an officer-only section)."""
    import nbformat

    from analytics.paths import notebooks_dir

    ctx, _, _ = sample
    for domain in DOMAINS:
        nb = nbformat.read(notebooks_dir() / f"{domain.name}.ipynb", as_version=4)
        headings = {
            line[3:].strip()
            for cell in nb.cells
            if cell.cell_type == "markdown" and "officer" not in cell.metadata.get("tags", [])
            for line in cell.source.splitlines()
            if line.startswith("## ")
        }
        for target in ctx.policy.targets(domain.name):
            if target.section:
                assert target.section in headings, (domain.name, target.section)


def test_an_export_without_the_incident_log_shows_no_data_not_zero(tmp_path):
    from helpers import full_export, write_export

    tables = full_export()
    del tables["incidents"]
    ctx = open_report(write_export(tables, "files_parquet", tmp_path), "2026-10")
    try:
        rows = compute_all(ctx)
        assert not [m for m in rows if m["metric"].startswith("incidents.")]
        shown = [t for t in tiles(rows, ctx.policy, NAMES, absent_logs=("incidents",))]
        mine = [t for t in shown if t.report == "incidents"]
        assert mine and {(t.status, t.value_text) for t in mine} == {("grey", "no data")}
        assert {t.problem for t in mine} == {"no incidents log in this export"}
        page = render_index(ctx, rows, [], REPORTS, datetime.now(UTC), {})
        assert "Not judged: no incidents log in this export." in page
        assert "Data problems" not in page  # an absent v2 log is not a data problem
    finally:
        ctx.export.close()


def test_the_index_of_months_shows_a_missing_month_as_a_gap(tmp_path):
    import json

    from analytics.presentation.months import month_rows, render_months

    for month, off in (("2026-08", 3), ("2026-10", 1)):
        (tmp_path / month).mkdir()
        manifest = {
            "period": month,
            "generated_at": f"{month}-02T14:00:00+00:00",
            "summary": {
                "figures": 5,
                "off_target": off,
                "watch": 1,
                "on_target": 2,
                "not_judged": 1,
            },
        }
        (tmp_path / month / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "2026-11").mkdir()  # a month folder without a manifest: not a finished month
    (tmp_path / ".2026-12-abc").mkdir()  # a run's staging folder
    rows = month_rows(tmp_path)
    assert [(r["period"], r["written"]) for r in rows] == [
        ("2026-10", True),
        ("2026-09", False),
        ("2026-08", True),
    ]
    page = render_months(tmp_path, "Contour <Medical> Spa", "America/Los_Angeles")
    assert '<a href="2026-10/index.html">October 2026</a>' in page
    # made at 14:00 UTC on 2 October: 07:00 in Los Angeles (PDT)
    assert '<td class="made">2026-10-02 07:00 PDT</td>' in page
    assert 'September 2026</th><td colspan="5">No report for this month.' in page
    assert "Contour &lt;Medical&gt; Spa" in page and "<script" not in page


def test_a_chart_states_its_finding_and_keeps_its_text_alternative_hidden():
    """A count chart: this month's total and its largest part, last month's, the highest
    month when it was higher, the target; whole-number ticks; the caption shows the
    finding and keeps the screen reader's description."""
    import pandas as pd

    from analytics.policy import Target
    from analytics.presentation.charts import count_trend, figure_html

    frame = pd.DataFrame(
        {
            "period": ["2026-08", "2026-08", "2026-09", "2026-10", "2026-10"],
            "segment": ["medical", "billing", "medical", "medical", "billing"],
            "records": [4, 1, 2, 2, 1],
        }
    )
    target = Target("retention.overdue_disposal", "Records", "lower", 0, 10, "rule")
    fig = count_trend(frame, "records", "Records overdue", "records (count)", target)
    assert fig.layout.meta["finding"] == (
        "3 in 2026-10 (2 medical), 2 in 2026-09; highest 5 in 2026-08; "
        "target none allowed (watch up to 10)."
    )
    assert fig.layout.yaxis.tickformat == ",d" and fig.layout.yaxis.dtick == 1
    html = figure_html(fig)
    assert '<figcaption class="chart-caption">3 in 2026-10' in html
    assert '<span class="chart-alt visually-hidden">Records overdue. billing: 2 points' in html
    assert 'document.addEventListener("DOMContentLoaded"' in html  # after plotly.js
