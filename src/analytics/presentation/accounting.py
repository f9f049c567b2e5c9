"""A patient's accounting of disclosures as a self-contained HTML document to send."""

from __future__ import annotations

from datetime import UTC, datetime

from analytics.domains.disclosures.accounting import Accounting
from analytics.loading.context import ReportContext
from analytics.presentation.templates import environment


def render_accounting(
    ctx: ReportContext, acc: Accounting, generated_at: datetime | None = None
) -> str:
    """The accounting as a self-contained HTML document (no scripts, values escaped)."""
    generated_at = generated_at or datetime.now(UTC)
    return (
        environment()
        .get_template("accounting.html.j2")
        .render(
            clinic=ctx.policy.clinic.name,
            clinic_address=ctx.policy.clinic.address,
            patient_id=acc.patient_id,
            as_of=acc.as_of.isoformat(),
            first_day=acc.first_day.isoformat(),
            shown_from=acc.shown_from.isoformat(),
            records_begin=acc.records_begin.isoformat(),
            window_before_records=acc.window_before_records,
            under_review=len(acc.under_review),
            rows=acc.disclosures.to_dict("records"),
            generated=generated_at.strftime("%Y-%m-%d"),
        )
    )
