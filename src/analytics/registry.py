"""The domains of the suite, one declaration each, in report order.

A domain is its package in ``analytics/domains/`` (Python and ``.sql`` files), its
notebook ``notebooks/NAME.ipynb``, its policy section ``[NAME]`` (with its targets), its
README section, its tests, and one entry here. The run, ``metrics.json``, the leadership
index and the work lists iterate ``DOMAINS``; none of them names a domain.

This is also where a report opens (``open_report``): the policy's sections are those of
the registered domains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from analytics.domains import (
    consent,
    disclosures,
    incidents,
    quality,
    requests,
    retention,
    rights_honoured,
    safeguards,
)
from analytics.errors import UsageError
from analytics.figures import MetricRow, Trend
from analytics.loading.context import (
    AUDIENCES,
    MonthFigures,
    ReportContext,
    open_source,
    resolve_source,
)
from analytics.loading.coverage import check_period, default_period
from analytics.period import Period
from analytics.policy import Policy, read_policy
from analytics.schemas import policy_problems
from analytics.settings import load_settings


@dataclass(frozen=True)
class Domain:
    """One domain: what it is called and the functions that give its figures."""

    name: str  # its package, notebook, policy section and README section
    title: str
    promise: str  # the notice's promise it measures: its group on the leadership overview
    metric_names: tuple[str, ...]  # every metric it writes to metrics.json
    tables: tuple[str, ...]  # the export tables its figures read
    policy_section: type
    metrics: MonthFigures[list[MetricRow]]  # a month's; ``prefetch`` computes many at once
    trends: Callable[[ReportContext], list[Trend]]
    work_lists: Callable[[ReportContext], dict[str, pd.DataFrame]]
    on_request: tuple[str, ...] = ()  # its notebooks not in the monthly run
    # metric prefix -> the optional (v2) logs its figures need: one absent, they are omitted
    logs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # metric -> the tables it reads besides ``tables`` (consent's quiet hours: patients)
    metric_tables: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # metric prefix -> {table: the columns it reads (empty: every column)}, for a domain
    # whose figures read different tables: a broken table or column then marks only the
    # figures that read it (rights honoured's notice figures read three columns of records)
    reads: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def tables_of(self, metric: str) -> tuple[str, ...]:
        """The export tables one of its metrics is computed from."""
        return tuple(self.columns_read(metric))

    def columns_read(self, metric: str) -> dict[str, tuple[str, ...]]:
        """Each export table one of its metrics reads, with the columns it reads (empty:
        every column)."""
        declared = self.reads.get(metric.split(".")[0])
        tables = declared if declared is not None else {t: () for t in self.tables}
        return {**tables, **{t: () for t in self.metric_tables.get(metric, ())}}

    @property
    def all_tables(self) -> tuple[str, ...]:
        """Every export table any of its figures reads."""
        extra = (t for tables in self.metric_tables.values() for t in tables)
        return tuple(dict.fromkeys((*self.tables, *extra)))

    @property
    def metric_prefixes(self) -> tuple[str, ...]:
        """The names its metrics start with ('requests', 'ccpa')."""
        return tuple(dict.fromkeys(m.split(".")[0] for m in self.metric_names))

    @property
    def notebooks(self) -> tuple[str, ...]:
        """Its notebooks' file names: the monthly one first."""
        return (f"{self.name}.ipynb", *(f"{n}.ipynb" for n in self.on_request))


def _domain(module, title: str, promise: str, section: type, **kw) -> Domain:
    return Domain(
        name=module.NAME,
        title=title,
        promise=promise,
        metric_names=module.METRICS,
        tables=module.SOURCE_TABLES,
        policy_section=section,
        metrics=module.metrics,
        trends=module.trends,
        work_lists=module.work_lists,
        logs=getattr(module, "LOGS", {}),
        metric_tables=getattr(module, "METRIC_TABLES", {}),
        reads=getattr(module, "READS", {}),
        **kw,
    )


DOMAINS: tuple[Domain, ...] = (
    _domain(quality, "Data quality", "Data quality", quality.QualityPolicy),
    _domain(requests, "Privacy-rights requests", "Your rights", requests.RequestsPolicy),
    _domain(consent, "Consent and opt-out", "Marketing and texts", consent.ConsentPolicy),
    _domain(retention, "Record retention", "Retention and destruction", retention.RetentionPolicy),
    _domain(
        disclosures,
        "Disclosures",
        "Sharing and business associates",
        disclosures.DisclosuresPolicy,
        on_request=("disclosures_accounting",),
    ),
    _domain(
        incidents,
        "Incidents and breach notices",
        "Safeguards and breaches",
        incidents.IncidentsPolicy,
    ),
    _domain(
        rights_honoured,
        "Rights honoured",
        "Your rights",
        rights_honoured.RightsHonouredPolicy,
    ),
    _domain(safeguards, "Safeguards", "Safeguards and breaches", safeguards.SafeguardsPolicy),
)


def domain(name: str) -> Domain:
    """The registered domain called ``name``."""
    for d in DOMAINS:
        if d.name == name:
            return d
    raise KeyError(name)


def load_policy(path: str | Path | None = None) -> Policy:
    """Read a policy file with every registered domain's section, typed and checked.

    No path: the configured policy (environment or configuration file), else the shipped one.
    """
    path = path or load_settings().policy
    sections = {d.name: d.policy_section for d in DOMAINS}
    metrics = {m for d in DOMAINS for m in d.metric_names}
    return read_policy(path, sections, lambda data: policy_problems(data, sections, metrics))


def open_report(
    source: str | Path | None = None,
    period: str | None = None,
    policy: str | Path | None = None,
    audience: str = "leadership",
) -> ReportContext:
    """Open and validate everything a report needs; raise a clear error if unusable.

    The parameters arrive as plain strings from Papermill or JupyterLab: each is checked.
    """
    if audience not in AUDIENCES:
        raise UsageError(f"audience {audience!r} is not one of {', '.join(AUDIENCES)}")
    pol = load_policy(policy)
    export = open_source(resolve_source(source))
    try:
        if period:
            per = Period.parse(period)
            # a month chosen by name may be under way or cut short by the export: its
            # pages then say which logs end when (``ReportContext.incomplete``)
            check_period(export, per, pol.timezone, partial=True)
        else:
            per = default_period(export, pol.timezone)
    except Exception:
        export.close()
        raise
    return ReportContext(export, pol, per, audience, datetime.now(UTC))


def open_for_date(source: str | Path | None, policy: str | Path | None, day: date) -> ReportContext:
    """A report context for one day's request (an accounting): the month holding ``day``."""
    pol = load_policy(policy)  # a bad policy file is refused before the export is opened
    export = open_source(resolve_source(source))
    return ReportContext(export, pol, Period(day.year, day.month), "officer", datetime.now(UTC))
