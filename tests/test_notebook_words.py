"""What a notebook says in words comes from the policy: a deadline the policy file does
not hold is never stated (``page.explain`` fills ``{section.value}`` from the policy)."""

from __future__ import annotations

import re
from dataclasses import replace

import nbformat
import pytest

from analytics.paths import notebooks_dir
from analytics.registry import DOMAINS, load_policy

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))
EXPLAIN = re.compile(r'page\.explain\(ctx, """(.*?)"""\)', re.S)
# a number of days, hours... in fixed words: each allowed one says why it is not policy
DURATION = re.compile(r"\b\d+ (?:business |calendar )?(?:days?|hours?|minutes?|months?|years?)\b")
NOT_POLICY = {
    ("retention", "7 years"),  # the notice's own promise, quoted
    ("retention", "90 days"),  # the metric retention.due_next_90_days (metrics.md)
    ("consent", "24 hours"),  # the rolling window of consent.marketing_over_frequency
}


def templates(path) -> list[str]:
    cells = nbformat.read(path, as_version=4).cells
    return [t for c in cells if c.cell_type == "code" for t in EXPLAIN.findall(c.source)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_markdown_states_no_duration_the_policy_holds(path):
    cells = nbformat.read(path, as_version=4).cells
    found = {
        (path.stem, d)
        for c in cells
        if c.cell_type == "markdown"
        for d in DURATION.findall(c.source)
    }
    assert found <= NOT_POLICY


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_explanation_fills_from_the_shipped_policy(path):
    policy = load_policy()
    for template in templates(path):
        text = policy.text(template, period="2026-10", as_of="2026-10-31")
        assert "{" not in text


def test_a_changed_deadline_changes_the_words():
    """A clinic acknowledging CCPA requests within 7 business days reads 7, not 10."""
    policy = load_policy()
    section = policy.sections["requests"]
    changed = replace(
        policy,
        sections={
            **policy.sections,
            "requests": replace(section, acknowledgment=replace(section.acknowledgment, days=7)),
        },
    )
    (template,) = templates(notebooks_dir() / "requests.ipynb")
    assert "within 7 business days" in changed.text(template)
    assert "within 10 business days" in policy.text(template)


@pytest.mark.parametrize("name", [d.name for d in DOMAINS])
def test_a_domain_rule_fills_from_the_policy(name):
    domain = next(d for d in DOMAINS if d.name == name)
    assert "{" not in load_policy().text(domain.rule)
