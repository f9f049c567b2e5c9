"""The domains of the suite, one declaration each, in report order.

A domain is its package in ``analytics/domains/`` (its ``DOMAIN`` declaration, Python and
``.sql`` files), its notebook ``notebooks/NAME.ipynb``, its policy section ``[NAME]`` (with
its targets), its docs section, its tests, and one line here. The run, ``metrics.json``,
the leadership index and the work lists iterate ``DOMAINS``; none of them names a domain.

This is also where a report opens (``open_report``): the policy's sections are those of
the registered domains.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from analytics.compute.declare import Domain
from analytics.domains import (
    authorizations,
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
from analytics.loading.context import AUDIENCES, ReportContext
from analytics.loading.coverage import check_period, default_period
from analytics.loading.source import open_source, resolve_source
from analytics.period import Period
from analytics.policy import Policy, read_policy
from analytics.schemas import policy_problems
from analytics.settings import load_settings

DOMAINS: tuple[Domain, ...] = (
    quality.DOMAIN,
    requests.DOMAIN,
    consent.DOMAIN,
    retention.DOMAIN,
    disclosures.DOMAIN,
    authorizations.DOMAIN,
    incidents.DOMAIN,
    rights_honoured.DOMAIN,
    safeguards.DOMAIN,
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
    export = open_source(resolve_source(source), pol.timezone)
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
    export = open_source(resolve_source(source), pol.timezone)
    return ReportContext(export, pol, Period(day.year, day.month), "officer", datetime.now(UTC))
