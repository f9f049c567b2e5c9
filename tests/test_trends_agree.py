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

from analytics.domains import consent, retention
from analytics.period import Period
from analytics.registry import open_report


@pytest.fixture(scope="module")
def ctx():
    context = open_report(None, "2026-10")
    yield context
    context.export.close()


def _by_month(ctx, months, compute) -> pd.DataFrame:
    frames = [compute(replace(ctx, period=p)) for p in months]
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
