"""The parts of ``docs/`` generated from the code, so that docs and code cannot drift apart.

Each generated part stands between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` in
its page: the data contract (``docs/contract.md``), every command-line option and
configuration setting (``docs/reference.md``), and each domain's declaration (its metrics,
work lists, summaries, tables and notebooks, in ``docs/domains/NAME.md``).
``python -m analytics.devtools write-docs`` writes them; ``tests/test_docs.py`` checks
them, and every link of the README and the docs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.cli import build_parser
from analytics.compute.declare import Domain
from analytics.contract import contract_markdown
from analytics.paths import project_root
from analytics.policy import default_policy_path
from analytics.registry import DOMAINS, load_policy
from analytics.settings import SETTINGS, Setting


def marked(text: str, name: str) -> str:
    """The part of a page between its ``name`` markers."""
    start = text.index(f"<!-- {name}:start -->") + len(f"<!-- {name}:start -->")
    return text[start : text.index(f"<!-- {name}:end -->")].strip()


def replace_marked(text: str, name: str, part: str) -> str:
    """The page with the part between its ``name`` markers replaced by ``part``."""
    start = text.index(f"<!-- {name}:start -->") + len(f"<!-- {name}:start -->")
    return text[:start] + "\n" + part.strip() + "\n" + text[text.index(f"<!-- {name}:end -->") :]


def _cell(text: str) -> str:
    """Text for one Markdown table cell: one line, pipes escaped, argparse's %% as %."""
    return " ".join(text.split()).replace("%%", "%").replace("|", "\\|")


def options_markdown(parser: argparse.ArgumentParser | None = None) -> str:
    """Every command and its options, as Markdown tables (from ``cli.build_parser``)."""
    parser = parser or build_parser()
    out = ["## Commands and options", ""]
    out += _options_table(parser, "analytics")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in sub._choices_actions}
    for name, command in sub.choices.items():
        out += ["", f"### `analytics {name}`", "", _cell(helps.get(name) or ""), ""]
        out += _options_table(command, f"analytics {name}")
    return "\n".join(out)


def _options_table(parser: argparse.ArgumentParser, prog: str) -> list[str]:
    rows = ["| option | meaning |", "|---|---|"]
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        names = ", ".join(f"`{o}`" for o in action.option_strings) or f"`{action.dest}`"
        meaning = action.help or ""
        if action.choices and not isinstance(action.choices, dict):
            meaning += f" (one of {', '.join(map(str, action.choices))})"
        rows.append(f"| {names} | {_cell(meaning)} |")
    return rows


def settings_markdown() -> str:
    """Every setting of ``analytics.toml``: its environment variable, type and meaning."""
    rows = [
        "## Settings",
        "",
        "Each comes from the first of: the command-line option, the environment variable, "
        "`analytics.toml`, the default.",
        "",
        "| setting | environment | type | meaning |",
        "|---|---|---|---|",
    ]
    for name, setting in SETTINGS.items():
        rows.append(
            f"| `{name}` | `{setting.env(name)}` | {_kind(setting)} | {_cell(setting.meaning)} |"
        )
    return "\n".join(rows)


def _kind(setting: Setting) -> str:
    if setting.kind is dict:
        return "table"
    return "path" if setting.is_path else setting.kind.__name__.replace("str", "text")


def domain_markdown(domain: Domain) -> str:
    """What a domain declares, in words: its promise, tables, metrics, lists, summaries."""
    rule = load_policy(default_policy_path()).text(domain.rule)
    out = [
        f"Promise of the notice: **{domain.promise}**. Rule stated on its pages (with the "
        f"shipped policy): {rule}.",
        "",
        "Tables read: "
        + (", ".join(f"`{t}`" for t in domain.all_tables) or "every table")
        + ". Notebooks: "
        + ", ".join(f"`notebooks/{n}`" for n in domain.notebooks)
        + f". Policy section: `[{domain.name}]`.",
        "",
    ]
    if domain.logs:
        parts = "; ".join(
            f"`{prefix}.*` needs {', '.join(f'`{log}`' for log in logs)}"
            for prefix, logs in domain.logs.items()
        )
        out += [f"Optional logs (an absent log omits its figures, never zero): {parts}.", ""]
    out += ["| metric in `metrics.json` |", "|---|"]
    out += [f"| `{m}` |" for m in domain.metric_names]
    if domain.lists:
        out += ["", "| work list (`officer/worklists/…csv`) | caption | holds |", "|---|---|---|"]
        for w in domain.lists:
            holds = (
                domain.queries.describe(w.name)
                if domain.queries is not None and w.make is None
                else ""
            )
            out.append(f"| `{domain.list_name(w)}` | {_cell(w.caption)} | {_cell(holds)} |")
    if domain.summaries:
        out += ["", "| summary table | caption | columns |", "|---|---|---|"]
        for key, s in domain.summaries.items():
            columns = ", ".join(s.columns.values())
            out.append(f"| `{key}` | {_cell(s.caption)} | {_cell(columns)} |")
    return "\n".join(out)


def generated() -> dict[Path, dict[str, str]]:
    """Each page of ``docs/`` with a generated part: its markers' names and their text."""
    docs = project_root() / "docs"
    pages: dict[Path, dict[str, str]] = {
        docs / "contract.md": {"contract": contract_markdown()},
        docs / "reference.md": {"options": options_markdown(), "settings": settings_markdown()},
    }
    for d in DOMAINS:
        pages[docs / "domains" / f"{d.name}.md"] = {"declaration": domain_markdown(d)}
    return pages


def write_docs() -> list[Path]:
    """Write every generated part into its page; the pages that changed."""
    changed = []
    for path, parts in generated().items():
        text = path.read_text(encoding="utf-8")
        new = text
        for name, part in parts.items():
            new = replace_marked(new, name, part)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed
