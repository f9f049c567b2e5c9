"""The annual log of small breaches as a self-contained HTML document for HHS."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from analytics.domains.incidents import DOMAIN
from analytics.domains.incidents.breach_log import BreachLog
from analytics.loading.context import ReportContext
from analytics.presentation.templates import environment


def _text(value) -> str:
    """A cell as the document shows it: dates as YYYY-MM-DD, missing values empty."""
    if value is None or (not isinstance(value, str | list) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)


def render_breach_log(
    ctx: ReportContext, log: BreachLog, generated_at: datetime | None = None
) -> str:
    """The log as a self-contained HTML document (no scripts, every value escaped)."""
    generated_at = generated_at or datetime.now(UTC)
    p = DOMAIN.policy(ctx)
    rows = [{k: _text(v) for k, v in r.items()} for r in log.breaches.to_dict("records")]
    return (
        environment()
        .get_template("breach_log.html.j2")
        .render(
            clinic=ctx.policy.clinic.name,
            clinic_address=ctx.policy.clinic.address,
            year=log.year,
            as_of=log.as_of.isoformat(),
            year_over=log.year_over,
            due=log.due.isoformat(),
            annual_days=p.hhs_annual_days,
            threshold=f"{p.hhs_at_least:,}",
            ca_effective=p.ca_rule_effective,
            rows=rows,
            under_review=len(log.under_review),
            timezone=ctx.timezone,
            source=str(ctx.export.source),
            policy_path=ctx.policy.path,
            policy_sha=ctx.policy.sha256[:12],
            generated=generated_at.strftime("%Y-%m-%d"),
        )
    )
