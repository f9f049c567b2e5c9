"""The annual log of small breaches for HHS (45 CFR 164.408(c)), as a document.

Every breach discovered in a calendar year that affected fewer than 500 individuals, as
of a date the export can speak for, with the notices each owed and whether they were on
time. A breach not yet assessed is listed as presumed (164.402(2)); quarantined incident
records of the year are named, and the log is refused unless the officer accepts a log
that says some records are under review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

import analytics.documents as documents
from analytics.compute.queries import Queries, set_span
from analytics.domains import incidents
from analytics.domains.incidents import HHS_LOCATION, HHS_TYPE, KIND_WORDS, KINDS, annual_log_due
from analytics.errors import UsageError
from analytics.loading.context import ReportContext
from analytics.loading.coverage import day_gap
from analytics.registry import load_policy, open_for_date

# its .sql file (in this folder) reads the incidents domain's owed notices
QUERIES = Queries("analytics.documents", uses=(incidents.QUERIES,))
ROWS = documents.Rows("incidents", "incident_id", "discovered_at", "incident record")


class BreachLogError(UsageError):
    """A log that cannot be made: the message says why."""


class IncompleteBreachLog(documents.IncompleteDocument):
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
        documents.refuse_incomplete(
            self.under_review,
            ROWS,
            f"that may be from {self.year}",
            allow_incomplete,
            lambda text: IncompleteBreachLog(f"no log written: {text}"),
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
    first, _ = incidents.QUERIES.one(ctx, "incident_span")
    return first if first is not None else ctx.coverage.first


def _check(ctx: ReportContext, year: int, as_of: date) -> None:
    if not incidents.DOMAIN.has_log(ctx):
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
    set_span(ctx, str(year), date(year, 1, 1), as_of)
    year_days = {"first": date(year, 1, 1), "last": date(year, 12, 31)}
    threshold = {"hhs_at_least": incidents.DOMAIN.policy(ctx).hhs_at_least}
    frame = QUERIES.run(ctx, "breach_log", {**year_days, **threshold}, months_set=True)
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
    review = documents.under_review(ctx, ROWS, date(year, 1, 1), date(year, 12, 31))
    return BreachLog(year, as_of, annual_log_due(ctx, year), frame.drop(columns="notices"), review)


def default_output(out_dir, year: int, as_of: date):
    """Where the log is written by default: beside the accountings, named by year."""
    return out_dir / incidents.NAME / f"breach-log-{year}-as-of-{as_of.isoformat()}.html"


def _text(value) -> str:
    """A cell as the document shows it: dates as YYYY-MM-DD, missing values empty."""
    if value is None or (not isinstance(value, str | list) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d")
    return str(value)


def render(ctx: ReportContext, log: BreachLog, generated_at: datetime | None = None) -> str:
    """The log as a self-contained HTML document (no scripts, every value escaped)."""
    generated_at = generated_at or datetime.now(UTC)
    p = incidents.DOMAIN.policy(ctx)
    rows = [{k: _text(v) for k, v in r.items()} for r in log.breaches.to_dict("records")]
    return documents.template("breach_log.html.j2").render(
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


def make(
    source: str | Path | None,
    policy: str | Path | None,
    year: int,
    as_of: date | None = None,
    allow_incomplete: bool = False,
) -> documents.Document:
    """The year's log as of a date (the last day the export covers when none): the one
    builder of the command, with every refusal."""
    load_policy(policy)  # a bad policy file is refused before the export is read
    if not 1990 <= year <= 9999:
        raise UsageError(f"--year {year} is not a year written YYYY")
    # the month that holds the as-of date (the export's last record when none is given)
    ctx = open_for_date(source, policy, as_of or date(year, 12, 31))
    try:
        day = as_of or last_record(ctx)
        log = breach_log(ctx, year, day)
        log.require_complete(allow_incomplete)
        page = render(ctx, log)
    finally:
        ctx.export.close()
    n = len(log.breaches)
    notes = (
        [] if log.year_over else [f"{year} is not over on {day}; make the log again after it ends"]
    )
    warnings = []
    if not log.under_review.empty:
        warnings.append(
            f"{len(log.under_review)} quarantined incident record(s) left out; "
            "the log says some records are under review"
        )
    return documents.Document(
        page,
        default_output(Path("."), year, day),
        f"{n} breach{'es' if n != 1 else ''} of fewer than 500 discovered in {year}, "
        f"as of {day}; due to HHS by {log.due}",
        notes,
        warnings,
    )
