"""Docs beside the code: generated parts match the code, and every link leads somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics.docs import generated, marked
from analytics.paths import project_root
from analytics.registry import DOMAINS
from analytics.settings import SETTINGS

ROOT = project_root()
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize(
    ("page", "name"),
    [(p, n) for p, parts in generated().items() for n in parts],
    ids=lambda x: x.name if isinstance(x, Path) else x,
)
def test_a_generated_part_of_the_docs_matches_the_code(page, name):
    """``python -m analytics.devtools write-docs`` writes them again after a change."""
    assert marked(page.read_text(encoding="utf-8"), name) == generated()[page][name].strip()


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {slug(m) for m in re.findall(r"^#+ (.*)$", text, re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_of_the_readme_and_docs_leads_somewhere(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        found = (page.parent / path).resolve() if path else page
        assert found.exists(), f"{page.name}: {target} does not exist"
        if anchor:
            assert anchor in anchors(found), f"{page.name}: {target} has no such heading"


def test_the_readme_is_a_front_door_not_a_manual():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 150
    assert "make report" in readme and "make test" in readme


def test_every_option_and_setting_is_in_the_reference():
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    from analytics.cli import build_parser

    parser = build_parser()
    options = {o for a in parser._actions for o in a.option_strings} - {"-h", "--help"}
    for command in parser._subparsers._group_actions[0].choices.values():  # type: ignore[union-attr]
        options |= {o for a in command._actions for o in a.option_strings} - {"-h", "--help"}
    missing = [o for o in options if f"`{o}`" not in reference]
    missing += [s for s in SETTINGS if f"`{s}`" not in reference]
    assert missing == []


@pytest.mark.parametrize("name", [d.name for d in DOMAINS])
def test_every_domain_has_its_page(name):
    page = ROOT / "docs" / "domains" / f"{name}.md"
    assert page.is_file()
    assert f"[`{name}`]({name}.md)" in (ROOT / "docs" / "domains" / "README.md").read_text()


@pytest.mark.parametrize("code", [0, 4])
def test_the_documented_cron_line_mails_a_failure_only_and_logs_where_it_can(tmp_path, code):
    """The cron entry of docs/operating.md, run as cron runs it (sh, in the job's folder):
    silent on success (cron mails nothing), one line and the log's tail on failure."""
    import re
    import subprocess

    text = (ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
    block = text.split("```cron")[1].split("```")[0]
    entry = next(x for x in block.splitlines() if re.match(r"^[0-9*]", x))
    command = entry.split(None, 5)[5].replace("\\%", "%").replace("/srv/analytics", str(tmp_path))
    stub = tmp_path / "venv" / "bin" / "analytics"
    stub.parent.mkdir(parents=True)
    stub.write_text(f"#!/bin/sh\necho 'analytics: the run said why' >&2\nexit {code}\n")
    stub.chmod(0o755)
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60)
    log = (tmp_path / "logs" / "analytics-run.log").read_text()
    assert "the run said why" in log
    if code == 0:
        assert done.stdout == "" and done.stderr == ""
    else:
        assert done.stdout.startswith(f"analytics run failed (exit {code}): ")
        assert "the run said why" in done.stdout
