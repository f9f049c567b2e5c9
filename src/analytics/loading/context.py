"""What every report starts from: a validated export, the policy and the period.

``analytics.registry.open_report`` builds it from a notebook's parameters; the domains
read everything they need from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from analytics.loading.coverage import Coverage, coverage
from analytics.loading.export import Export
from analytics.period import Period, has_ended
from analytics.policy import Policy

AUDIENCES = ("leadership", "officer")


@dataclass
class ReportContext:
    """A validated export with the policy and period a report applies."""

    export: Export
    policy: Policy
    period: Period
    audience: str
    generated_at: datetime
    # the consecutive months computed together in one pass, ending with ``period``
    # (``per_months``); empty: the period alone
    months: tuple[Period, ...] = ()

    @property
    def timezone(self) -> str:
        return self.policy.timezone

    @property
    def span(self) -> list[Period]:
        """The months the context's figures are computed for: ``months``, else the period."""
        return list(self.months) or [self.period]

    @property
    def for_officer(self) -> bool:
        """Whether this report may show the officer's row-level lists (ids, texts)."""
        return self.audience == "officer"

    @property
    def coverage(self) -> Coverage:
        """How far the export reaches (``analytics.loading.coverage``), as of today."""
        return coverage(self.export, self.timezone)

    @property
    def incomplete(self) -> bool:
        """Whether the export does not cover the month to its last day (the month is
        under way, or the export's logs end before it does): its figures count only what
        the logs hold, and none is shown on target."""
        return not self.coverage.covers(self.period)

    def incomplete_text(self) -> str:
        """Why the month is incomplete, in words; empty when it is not."""
        if not self.incomplete:
            return ""
        cov = self.coverage
        if not has_ended(self.period, self.timezone):
            if cov.through is not None and cov.through >= self.period.first_day:
                return (
                    f"{self.period} has not ended; these figures cover it only up to "
                    f"{cov.through} and will change; none is shown on target."
                )
            return (
                f"{self.period} has not ended, and the export does not reach it: "
                f"{cov.gap(self.period)}. None of these figures is shown on target."
            )
        return (
            f"the export does not cover {self.period} to its end: {cov.gap(self.period)}. "
            "These figures count only what those logs hold; none is shown on target."
        )

    def missing_logs(self, logs: tuple[str, ...]) -> list[str]:
        """The optional (v2) logs among ``logs`` that the export does not have: figures
        that need one of them are omitted, never reported as zero."""
        return [log for log in logs if not self.export.tables[log].present]

    def no_log_text(self, logs: tuple[str, ...]) -> str:
        """What a report section says when a log it needs is not in the export."""
        names = " and ".join(m.replace("_", " ") for m in self.missing_logs(logs))
        return (
            f"No {names} log in this export: nothing here is measured (this is not the same "
            "as none)."
        )
