"""The annual log of small breaches for HHS (45 CFR 164.408(c)), as a document.

Every breach discovered in a calendar year that affected fewer than 500 individuals, as
of a date the export can speak for, with the notices each owed and whether they were on
time. A breach not yet assessed is listed as presumed (164.402(2)); quarantined incident
records of the year are named, and the log is refused unless the officer accepts a log
that says some records are under review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analytics.domains.incidents import (
    HHS_LOCATION,
    HHS_TYPE,
    KIND_WORDS,
    KINDS,
    LOGS,
    NAME,
    QUERIES,
    annual_log_due,
)
from analytics.errors import ExportError, UsageError
from analytics.loading.context import ReportContext
from analytics.loading.coverage import day_gap
from analytics.sql import use_span


class BreachLogError(UsageError):
    """A log that cannot be made: the message says why."""


class IncompleteBreachLog(ExportError):
    """Incident records of the year were quarantined: a log would leave them out."""


@dataclass
class BreachLog:
    """The year's small breaches as of a date, and what could not be read."""

    year: int
    as_of: date
    due: date  # when HHS must have it
    breaches: pd.DataFrame
    under_review: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def year_over(self) -> bool:
        """Whether the year had ended by the as-of date (else more may still be added)."""
        return self.as_of > date(self.year, 12, 31)

    def require_complete(self, allow_incomplete: bool = False) -> None:
        """Refuse a log that would leave quarantined incidents out without saying so."""
        if self.under_review.empty or allow_incomplete:
            return
        listed = "; ".join(
            f"row {r['row']} {r['incident_id'] or '(unreadable line)'} "
            f"discovered {r['date as read'] or '?'}: {r['reason']}"
            for r in self.under_review.to_dict("records")
        )
        n = len(self.under_review)
        raise IncompleteBreachLog(
            f"no log written: {n} incident record{'s' if n != 1 else ''} that may be from "
            f"{self.year} {'are' if n != 1 else 'is'} quarantined ({listed}). Correct them in "
            "the system that writes the export, or allow an incomplete log (it then says "
            "that some records are under review)"
        )


def last_record(ctx: ReportContext) -> date:
    """The last day the export covers (``analytics.loading.coverage``): the log is judged as of
    it when no as-of date is given."""
    through = ctx.coverage.through
    if through is None:
        raise BreachLogError(f"no log written: {ctx.coverage.gap(ctx.period)}")
    return through


def log_begins(ctx: ReportContext) -> date | None:
    """The first local date the incident log speaks for: its first incident (before it,
    the export cannot say whether the log was kept); a log with no incident at all (zero,
    as the contract says) speaks from the export's first record."""
    first, _ = QUERIES.one(ctx, "incident_span")
    return first if first is not None else ctx.coverage.first


def _check(ctx: ReportContext, year: int, as_of: date) -> None:
    if ctx.missing_logs(LOGS[NAME]):
        raise BreachLogError(
            "the export has no incident log (no incidents table): a breach log made from it "
            "would claim there were no breaches"
        )
    first = log_begins(ctx)
    if first is None or year < first.year:
        raise BreachLogError(
            f"no log written: {year} is before the incident log's first record "
            f"({first or 'none'}); a log from it would claim there were no breaches"
        )
    if as_of < date(year, 1, 1):
        raise BreachLogError(f"as-of date {as_of} is before {year} begins")
    gap = day_gap(ctx.export, ctx.timezone, as_of)
    if gap:
        raise BreachLogError(
            f"no log written, it would speak for days the export does not hold: as-of date {gap}"
        )


def _notice_text(notices: list[dict], as_of: date) -> tuple[str, str]:
    """Each owed notice in words (due, sent, on time), individuals first, and the verdict:
    all sent on time, some late or overdue, or on time so far with some not yet due."""
    parts, verdicts = [], []
    for n in sorted(notices, key=lambda n: KINDS.index(n["kind"])):
        due, sent = n["due"], n["sent"]
        who = KIND_WORDS.get(n["kind"], n["kind"])
        if sent is None:
            verdict = "overdue" if due < as_of else "pending"
            parts.append(f"{who}: due {due}, not sent" + (" (overdue)" if due < as_of else ""))
        elif sent <= due:
            verdict = "on time"
            parts.append(f"{who}: due {due}, sent {sent} (on time)")
        else:
            verdict = "late"
            parts.append(f"{who}: due {due}, sent {sent} (late by {(sent - due).days} days)")
        verdicts.append(verdict)
    if any(v in ("late", "overdue") for v in verdicts):
        summary = "no"
    elif "pending" in verdicts:
        summary = f"so far ({verdicts.count('pending')} not yet due)"
    else:
        summary = "yes"
    return "; ".join(parts), summary


def breach_log(ctx: ReportContext, year: int, as_of: date) -> BreachLog:
    """The year's breaches under the HHS threshold, judged as of ``as_of``."""
    _check(ctx, year, as_of)
    # the view reads `periods`: here the year so far, judged as of the as-of date itself
    use_span(ctx.export.con, ctx.timezone, str(year), date(year, 1, 1), as_of)
    year_days = {"first": date(year, 1, 1), "last": date(year, 12, 31)}
    frame = QUERIES.run(ctx, "breach_log", year_days, months_set=True)
    texts = [_notice_text(list(n), as_of) for n in frame["notices"]]
    frame["notices owed"] = [t[0] for t in texts]
    frame["all on time"] = [t[1] for t in texts]
    frame["category"] = [HHS_TYPE.get(c, c) for c in frame["category"]]
    frame["location"] = [HHS_LOCATION.get(x, x) if x else x for x in frame["location"]]
    frame["assessment"] = [
        "breach"
        if d == "breach" and a is not None and not pd.isna(a) and a.date() <= as_of
        else "not yet assessed: presumed a breach"
        for d, a in zip(frame["determination"], frame["assessed_date"], strict=True)
    ]
    review = QUERIES.run(ctx, "breach_log_under_review", year_days, months_set=True)
    return BreachLog(year, as_of, annual_log_due(ctx, year), frame.drop(columns="notices"), review)


def default_output(out_dir, year: int, as_of: date):
    """Where the log is written by default: beside the accountings, named by year."""
    return out_dir / NAME / f"breach-log-{year}-as-of-{as_of.isoformat()}.html"
