"""Metric rows, trends and work lists: what a domain hands to presentation and the run.

A metric row is ``{"metric", "segment", "value"}``: counts are integers, rates fractions
in [0, 1], and a rate over an empty population is ``None``. This module imports no
domain: every domain builds its figures with it, and the run gathers them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from analytics.policy import Target

MetricRow = dict[str, Any]


def row(metric: str, value: int | float | None, segment: str = "all") -> MetricRow:
    """One metric row, with NaN turned into None (an empty population)."""
    if isinstance(value, float) and math.isnan(value):
        value = None
    return {"metric": metric, "segment": segment, "value": value}


def rate(numerator: int, denominator: int) -> float | None:
    """A fraction, or None over an empty population."""
    return None if not denominator else numerator / denominator


def month_of(frame: pd.DataFrame, period: object) -> pd.DataFrame:
    """The rows of a frame of many months (its ``period`` column, 'YYYY-MM') that are
    ``period``'s, in their order: a domain computing its months in one pass builds each
    month's metric rows from them."""
    return frame[frame["period"] == str(period)]


def number(value: Any) -> int | float | None:
    """A DuckDB or pandas scalar as a JSON number: an integer when it is one, None if missing."""
    if value is None or pd.isna(value):
        return None
    if float(value).is_integer() and not isinstance(value, float):
        return int(value)
    return float(value)


def segment_table(rows: list[MetricRow], names: dict[str, str], segment_label: str) -> pd.DataFrame:
    """Metric rows as one line per segment ('all' last) and one named column per metric."""
    frame = pd.DataFrame([r for r in rows if r["metric"] in names])
    if frame.empty:
        return pd.DataFrame(columns=[segment_label, *names.values()])
    table = frame.pivot(index="segment", columns="metric", values="value")
    table = table.reindex(columns=list(names)).rename(columns=names)
    order = sorted(table.index, key=lambda s: (s == "all", s))
    table = table.loc[order].reset_index().rename(columns={"segment": segment_label})
    table.columns.name = None
    return table


def rules_table(*rules: tuple[str, str, str]) -> pd.DataFrame:
    """The rules a page applied, one line each: the rule, how it was applied (the policy's
    values), and its source."""
    return pd.DataFrame(rules, columns=["rule", "applied as", "source"])


TrendKind = Literal["rate", "count", "rows_per_month", "consent", "share"]


@dataclass(frozen=True)
class Trend:
    """A twelve-month trend as data: presentation draws it (``charts.trend_figure``).

    ``kind`` names the chart's shape: ``rate`` (``value`` per segment, each month's
    ``population`` as hover text), ``count`` (``value`` per segment), ``rows_per_month``
    (rows per table), ``consent`` (opt-ins and opt-outs) and ``share`` (``value``, a
    share, per segment, every line shown). ``target``: the policy's target for the figure
    it draws (a line on the chart); ``overview``: False for a chart that serves the
    officer or data quality, not leadership (kept off the overview).
    """

    kind: TrendKind
    frame: pd.DataFrame = field(repr=False)
    title: str
    y_label: str = ""
    value: str = ""
    population: str = ""
    legend: str = ""
    all_label: str = "all types"  # the legend's name for the pooled 'all' line
    target: Target | None = None
    overview: bool = True
