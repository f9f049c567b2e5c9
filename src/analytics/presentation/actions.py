"""The overview's actions: what a director must see in one minute, grouped by urgency.

Three groups, in this order: a legal rule or deadline missed, a deadline due in the next
days the policy names (``[clinic] due_soon_days``), an internal target missed. Each
action says how bad (days late, people concerned, "n of m"), who acts (the target's
``owner``, a role), the next date, and what it comes down to (a campaign, a vendor, a
state: aggregates only, never a patient). At most ``LIMIT`` actions, taken from the
groups in turn (``pick``); every other figure off target is counted, in the scorecard.

The figures come from the tiles (the month's metric rows); the dates and people from the
domains' clocks (``Clock``), the root causes from their causes (``Cause``), each a
``.sql`` file of aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from analytics.compute.declare import Clock, Domain
from analytics.loading.context import ReportContext
from analytics.policy import Target
from analytics.presentation.formatting import (
    count_of,
    day_text,
    days_text,
    in_words,
    listed,
    plain,
)
from analytics.registry import DOMAINS

if TYPE_CHECKING:  # the overview (``index``) calls this module: the type only, no import
    from analytics.presentation.index import Tile

Urgency = Literal["legal", "due_soon", "internal"]
LIMIT = 5
CAUSES_NAMED = 3
GROUP_TITLES: dict[Urgency, str] = {
    "legal": "Legal rule or deadline missed",
    "due_soon": "Due in the next {days} days",
    "internal": "Internal target missed",
}


@dataclass(frozen=True)
class ClockState:
    """A clock's open items in one state as of the month's last day."""

    state: Literal["missed", "due_soon"]
    items: int
    people: int
    first_due: date
    last_due: date


@dataclass(frozen=True)
class Action:
    """One line of the overview's actions."""

    urgency: Urgency
    text: str  # what, with its number
    how_bad: str  # days late, people concerned, n of m
    owner: str  # the role that acts
    when: str  # the next date
    cause: str = ""  # what it comes down to (aggregates)
    href: str = ""
    rule: str = ""
    rank: float = 0.0  # what falls due: the larger first
    items: int = 0  # a deadline's open items (breach notices, requests, records)


@dataclass(frozen=True)
class Agenda:
    """The overview's opening: its one-line summary and the actions shown."""

    summary: str
    groups: list[tuple[str, list[Action]]] = field(default_factory=list)
    more: int = 0  # figures off target not shown as actions (in the scorecard)


def clock_states(
    ctx: ReportContext, days: int, reports: set[str] | None = None
) -> dict[str, tuple[Clock, list[ClockState]]]:
    """Every clock of the domains (those whose report ran, ``reports``) whose logs the
    export has, by the metric it details."""
    found: dict[str, tuple[Clock, list[ClockState]]] = {}
    for domain in DOMAINS:
        if reports is not None and domain.name not in reports:
            continue
        for clock in domain.clocks:
            if ctx.missing_logs(clock.logs):
                continue
            frame = domain.clock_frame(ctx, clock, days)
            states = [
                ClockState(
                    r.state, int(r.items), int(r.people or 0), _day(r.first_due), _day(r.last_due)
                )
                for r in frame.itertuples()
                if int(r.items)
            ]
            found[clock.metric] = (clock, states)
    return found


def _day(value: object) -> date:
    """A date from DuckDB's frame (a pandas timestamp or a date)."""
    return value.date() if hasattr(value, "date") else value  # type: ignore[return-value]


def causes(ctx: ReportContext, domain: Domain, metric: str) -> str:
    """What a figure comes down to this month, in words: its largest causes."""
    for cause in domain.causes:
        if cause.metric != metric or ctx.missing_logs(cause.logs):
            continue
        frame = domain.cause_frame(ctx, cause)
        if frame.empty:
            return ""
        total = int(frame["items"].sum())
        named = [
            f"{plain(r.cause)} ({in_words(r.detail)})"
            if getattr(r, "detail", "")
            else plain(r.cause)
            for r in frame.head(CAUSES_NAMED).itertuples()
        ]
        if len(frame) == 1:
            return f"all {total:,}: {named[0]}"
        shown = [
            f"{int(n):,} {text}"
            for n, text in zip(frame["items"].head(CAUSES_NAMED), named, strict=True)
        ]
        rest = len(frame) - CAUSES_NAMED
        return listed(shown) + (f", and {count_of(rest, 'other')}" if rest > 0 else "")
    return ""


def _missed_text(state: ClockState, as_of: date) -> str:
    """How late a clock's missed items are, and how many people they concern."""
    most, least = (as_of - state.first_due).days, (as_of - state.last_due).days
    late = days_text(most) if most == least else f"{least:,} to {days_text(most)}"
    people = f"; {count_of(state.people, 'person', 'people')} concerned" if state.people else ""
    return f"{late} late{people}"


def _shortfall(tile: Tile, target: Target | None, values: dict[tuple[str, str], float]) -> str:
    """A rate's shortfall as "n of m" in the target's words."""
    if target is None or not target.population or tile.value is None:
        return ""
    m = values.get((target.population, tile.segment))
    if not m:
        return ""
    share = tile.value if target.better == "lower" else 1 - tile.value
    return target.shortfall.format(n=f"{round(share * m):,}", m=f"{int(m):,}")


def _against_last_month(ctx: ReportContext, tile: Tile) -> str:
    """'up from 0 in September 2026': a figure against last month's, when there was one."""
    if not tile.previous_text or tile.previous_text == "no data":
        return ""
    month = ctx.period.shift(-1).first_day.strftime("%B %Y")
    if tile.previous_text == tile.value_text:
        return f"the same in {month}"
    way = "up" if (tile.value or 0) > _number(tile.history[-2]) else "down"
    return f"{way} from {tile.previous_text} in {month}"


def _number(value: float | None) -> float:
    return 0.0 if value is None else value


def tile_action(
    ctx: ReportContext,
    tile: Tile,
    clocks: dict[str, tuple[Clock, list[ClockState]]],
    values: dict[tuple[str, str], float],
) -> Action:
    """A figure off target as an action: its sentence, how bad, who and when."""
    target = ctx.policy.target(tile.metric, tile.segment)
    as_of = ctx.period.as_of
    clock, states = clocks.get(tile.metric, (None, []))
    missed = next((s for s in states if s.state == "missed"), None)
    soon = next((s for s in states if s.state == "due_soon"), None)
    if clock is not None and missed is not None and tile.segment == "all":
        how_bad = _missed_text(missed, as_of)
        when = f"overdue since {day_text(missed.first_due)}"
        if soon is not None:
            when += f"; next due {day_text(soon.first_due)}"
    else:
        how_bad = _shortfall(tile, target, values) or _against_last_month(ctx, tile)
        next_month = ctx.period.shift(1)
        when = f"measured again for {next_month.first_day.strftime('%B %Y')}"
    domain = next(d for d in DOMAINS if d.name == tile.report)
    legal = target is None or target.obligation == "legal"
    return Action(
        urgency="legal" if legal else "internal",
        text=tile.sentence,
        how_bad=how_bad,
        owner=target.owner if target else "Privacy officer",
        when=when,
        cause=causes(ctx, domain, tile.metric) if tile.segment == "all" else "",
        href=tile.href,
        rule=tile.rule,
    )


def due_soon_actions(
    ctx: ReportContext, clocks: dict[str, tuple[Clock, list[ClockState]]], days: int
) -> list[Action]:
    """Every clock with items due in the next ``days`` days, the nearest first."""
    as_of = ctx.period.as_of
    out = []
    for metric, (clock, states) in clocks.items():
        for s in states:
            if s.state != "due_soon":
                continue
            target = ctx.policy.target(metric)
            first_in = (s.first_due - as_of).days
            span = (
                day_text(s.first_due)
                if s.first_due == s.last_due
                else f"{day_text(s.first_due)} to {day_text(s.last_due)}"
            )
            people = count_of(s.people, "person", "people") if s.people else ""
            out.append(
                Action(
                    urgency="due_soon",
                    text=f"{count_of(s.items, *clock.what)} due {span}",
                    how_bad=f"{people} concerned" if people else "",
                    owner=target.owner if target else "Privacy officer",
                    when=(
                        f"first due {day_text(s.first_due)}, "
                        + (
                            "the month's last day"
                            if first_in <= 0
                            else f"{days_text(first_in)} after the month's end"
                        )
                    ),
                    href=_href_of(metric),
                    rule=target.rule if target else "",
                    # the weightiest target first (a breach notice before a request), then
                    # the nearest
                    rank=(target.weight if target else 1.0) * 1000 - first_in,
                    items=s.items,
                )
            )
    return out


def _href_of(metric: str) -> str:
    """The report page of the domain writing ``metric``."""
    return next(f"{d.name}.html" for d in DOMAINS if metric in d.metric_names)


def agenda(
    ctx: ReportContext,
    all_tiles: list[Tile],
    off: list[Tile],
    values: dict[tuple[str, str], float],
    reports: set[str],
) -> Agenda:
    """The overview's summary line and its actions, at most ``LIMIT``, by urgency
    (``all_tiles``: the figures the scorecard shows; ``off``: those off target, worst
    first, ``index.needs_action``; ``values``: the month's metric rows by metric and
    segment)."""
    days = ctx.policy.clinic.due_soon_days
    clocks = clock_states(ctx, days, reports)
    by_urgency: dict[Urgency, list[Action]] = {"legal": [], "due_soon": [], "internal": []}
    for tile in off:  # worst first: each group keeps that order
        action = tile_action(ctx, tile, clocks, values)
        by_urgency[action.urgency].append(action)
    by_urgency["due_soon"] = sorted(due_soon_actions(ctx, clocks, days), key=lambda a: -a.rank)
    chosen = pick(by_urgency)
    groups = [(GROUP_TITLES[u].format(days=days), chosen[u]) for u in by_urgency if chosen[u]]
    return Agenda(
        summary=summary_line(all_tiles, by_urgency, days),
        groups=groups,
        more=len(off) - len(chosen["legal"]) - len(chosen["internal"]),
    )


def pick(by_urgency: dict[Urgency, list[Action]]) -> dict[Urgency, list[Action]]:
    """At most ``LIMIT`` actions, taken in turns from the groups in their order (a legal
    rule missed, then what falls due, then an internal target): every group that has an
    action shows its first, and no group crowds out what is coming."""
    chosen: dict[Urgency, list[Action]] = {u: [] for u in by_urgency}
    taken = 0
    while taken < LIMIT:
        before = taken
        for u, actions in by_urgency.items():
            if taken < LIMIT and len(chosen[u]) < len(actions):
                chosen[u].append(actions[len(chosen[u])])
                taken += 1
        if taken == before:
            break
    return chosen


def summary_line(all_tiles: list[Tile], by_urgency: dict[Urgency, list[Action]], days: int) -> str:
    """One sentence: how many figures are off target, how many of them legal, what is due."""
    red = sum(1 for t in all_tiles if t.status == "red")
    legal = len(by_urgency["legal"])
    parts = [f"{red} of {count_of(len(all_tiles), 'figure')} off target"]
    if red:
        rules = "a legal rule or deadline" if legal == 1 else "legal rules or deadlines"
        parts.append(f"{legal} of them {rules}")
    not_judged = sum(1 for t in all_tiles if t.status not in ("red", "amber", "green"))
    if not_judged:
        parts.append(f"{not_judged} not judged")
    due = sum(a.items for a in by_urgency["due_soon"])
    parts.append(f"{count_of(due, 'deadline') if due else 'no deadline'} in the next {days} days")
    return "; ".join(parts) + "."
