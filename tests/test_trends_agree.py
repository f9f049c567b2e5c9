"""Twelve-month trends computed in one pass give each month's own figures.

The trend queries count a year at once (retention spreads each record's runs of months;
consent counts changes by local month and probes coverage at every month end), while a
month's report computes that month alone. On the sample, the two must agree month by
month, so a chart can never disagree with the report of the month it shows.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from analytics.compute.memo import bounded_passes
from analytics.domains import consent, retention
from analytics.period import Period
from analytics.registry import DOMAINS, domain, open_report

pytestmark = pytest.mark.slow  # every domain over the whole shipped sample


@pytest.fixture(scope="module")
def ctx():
    context = open_report(None, "2026-10")
    yield context
    context.export.close()


@pytest.fixture(autouse=True)
def afresh(ctx):
    """Each test computes its figures afresh: none kept from another test's months."""
    ctx.export.figures.clear()


def _by_month(ctx, months, compute) -> pd.DataFrame:
    """Each month computed alone (nothing kept from the others)."""
    frames = []
    for p in months:
        ctx.export.figures.clear()
        frames.append(compute(replace(ctx, period=p)))
    ctx.export.figures.clear()
    return pd.concat(frames, ignore_index=True)


def test_retention_year_in_one_pass_equals_month_by_month(ctx):
    months = ctx.period.trailing(12)
    year = retention.monthly_frame(ctx, months)
    single = _by_month(ctx, months, lambda c: retention.monthly_frame(c, [c.period]))
    pd.testing.assert_frame_equal(year, single, check_dtype=False)
    assert year["held"].gt(0).all() and year["overdue_disposal"].sum() > 0


def test_retention_months_must_be_consecutive(ctx):
    with pytest.raises(ValueError, match="consecutive"):
        retention.monthly_frame(ctx, [Period.parse("2026-01"), Period.parse("2026-03")])


def test_consent_changes_and_coverage_of_a_year_equal_each_month(ctx):
    months = ctx.period.trailing(12)
    year = consent.trend_frame(ctx)
    single = _by_month(
        ctx,
        months,
        lambda c: consent.monthly_frame(c)[["period", "segment", "opt_ins", "opt_outs"]].merge(
            consent.coverage_frame(c, [c.period])[["period", "segment", "coverage_rate"]],
            on=["period", "segment"],
            how="left",
        ),
    )
    pd.testing.assert_frame_equal(year, single, check_dtype=False)
    assert year["opt_outs"].sum() > 0
    assert year.loc[year["segment"] == "all", "coverage_rate"].notna().all()


def test_consent_month_tables_follow_the_period(ctx):
    """The per-message tables are built for one month; asking another rebuilds them."""
    october = consent.monthly_frame(ctx)
    march = consent.monthly_frame(replace(ctx, period=Period.parse("2026-03")))
    again = consent.monthly_frame(ctx)
    assert set(march["period"]) == {"2026-03"}
    pd.testing.assert_frame_equal(october, again)
    assert not october.drop(columns="period").equals(march.drop(columns="period"))


def test_a_back_fill_computes_each_month_once_for_its_figures_and_histories(ctx, monkeypatch):
    """Two consecutive months of a run: the second's overview history reuses the eleven
    months the first computed, so only the new month is computed."""
    from analytics.run import metrics_json

    computed: list[str] = []

    def counting(month):
        computed.append(str(month.period))
        return [{"metric": "quality.rows_read", "segment": "all", "value": len(computed)}]

    monkeypatch.setattr(metrics_json, "compute_all", counting)
    ctx.export.figures.clear()
    september = replace(ctx, period=Period.parse("2026-09"))
    october = replace(ctx, period=Period.parse("2026-10"))
    first = metrics_json.history(september, metrics_json.month_figures(september))
    year = [str(p) for p in Period.parse("2026-09").trailing(12)]  # 2025-10 to 2026-09
    assert computed == [year[-1], *year[:-1]]  # the month itself, then its history
    metrics_json.history(october, metrics_json.month_figures(october))
    assert computed[12:] == ["2026-10"]  # the other eleven are September's
    assert first[("quality.rows_read", "all")][-1] == 1  # September, computed first
    ctx.export.figures.clear()


@pytest.mark.parametrize("name", [d.name for d in DOMAINS])
def test_a_domains_year_of_metrics_in_one_pass_equals_month_by_month(ctx, name):
    """``prefetch`` computes a domain's twelve months in one pass (the overview's history,
    a back-fill); each month's figures are those of the month computed alone, in the same
    order, and the month's own tables are rebuilt for it afterwards."""
    found = domain(name)
    months = Period.parse("2026-10").trailing(12)
    ctx.export.figures.clear()
    found.metrics.prefetch(ctx, months)
    year = {str(p): found.metrics(replace(ctx, period=p)) for p in months}
    ctx.export.figures.clear()
    for p in reversed(months):  # alone, each after another month's tables were built
        assert found.metrics(replace(ctx, period=p)) == year[str(p)], str(p)
    ctx.export.figures.clear()
    assert any(r["value"] for r in year["2026-10"])


def test_consent_passes_are_bounded_by_the_messages_they_hold(ctx, monkeypatch):
    """A pass holds at most ``PASS_MESSAGES`` messages: with a bound below any month's, a
    year is computed a month per pass, with the same figures as in one pass."""
    months = Period.parse("2026-10").trailing(12)
    ctx.export.figures.clear()
    consent.metrics.prefetch(ctx, months)
    year = {str(p): consent.metrics(replace(ctx, period=p)) for p in months}
    ctx.export.figures.clear()
    monkeypatch.setattr(consent, "PASS_MESSAGES", 1)
    passes: list[list[str]] = []
    fn = consent.metrics.fn
    monkeypatch.setattr(
        consent.metrics,
        "fn",
        lambda c, months: passes.append(list(map(str, months))) or fn(c, months),
    )
    consent.metrics.prefetch(ctx, months)
    assert passes == [[str(p)] for p in months]
    assert {str(p): consent.metrics(replace(ctx, period=p)) for p in months} == year
    ctx.export.figures.clear()


def test_passes_hold_consecutive_months_up_to_the_bound():
    months = Period.parse("2026-06").trailing(6)  # 2026-01 .. 2026-06
    sizes = {"2026-01": 4, "2026-02": 5, "2026-03": 12, "2026-04": 1, "2026-05": 9}
    passes = bounded_passes(sizes, months, 10)
    assert [[str(p) for p in run] for run in passes] == [
        ["2026-01", "2026-02"],  # 9
        ["2026-03"],  # 12: bigger than the bound, alone
        ["2026-04", "2026-05", "2026-06"],  # 1 + 9 + 0
    ]


def test_big_frames_in_passes_of_one_month_equal_one_pass(ctx, monkeypatch):
    """Safeguards' access review and consent's coverage (whose queries hold a big log's
    rows for every month they compute) give the same year in passes of one month."""
    from analytics.domains import safeguards

    months = Period.parse("2026-10").trailing(12)
    whole = (safeguards.access_frame(ctx, months), consent.coverage_frame(ctx, months))
    ctx.export.figures.clear()
    monkeypatch.setattr(safeguards, "PASS_EVENTS", 1)
    monkeypatch.setattr(consent, "PASS_COVERAGE", 1)
    assert len(safeguards._access_passes(ctx, months)) == 12
    assert len(consent._coverage_passes(ctx, months)) == 12
    apart = (safeguards.access_frame(ctx, months), consent.coverage_frame(ctx, months))
    for a, b in zip(whole, apart, strict=True):  # the access frame's rows come in any order
        key = [c for c in ("figure", "period", "segment") if c in a.columns]
        pd.testing.assert_frame_equal(
            a.sort_values(key, ignore_index=True),
            b.sort_values(key, ignore_index=True),
            check_dtype=False,
        )
    assert whole[0]["value"].sum() > 0
