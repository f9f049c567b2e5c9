"""One shape per domain: the registry, its notebooks, policy sections, docs and imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from analytics.paths import notebooks_dir, project_root
from analytics.registry import DOMAINS, load_policy
from helpers import WHOLE_SAMPLE

SRC = Path(__file__).resolve().parents[1] / "src" / "analytics"
ARCHITECTURE = (project_root() / "docs" / "architecture.md").read_text(encoding="utf-8")

# Imports run one way: a module may import only from its own layer or those below it.
LAYERS = [
    {
        "errors",
        "contract",
        "paths",
        "files",
        "period",
        "policy",
        "sql",
        "figures",
        "settings",
        "schemas",
        "business_days",
    },
    {"loading", "imports"},
    {"compute"},
    {"domains", "registry"},
    {"presentation"},
    {"run", "documents"},
    {"cli", "__main__", "sample", "devtools", "docs"},
]


def layer_of(module: str) -> int:
    top = module.split(".")[1] if module.count(".") else ""
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    return 0  # the package itself (__version__)


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path))
    return found


@pytest.mark.parametrize("name", [d.name for d in DOMAINS])
def test_every_domain_has_its_notebook_policy_section_and_targets(name):
    domain = next(d for d in DOMAINS if d.name == name)
    for notebook in domain.notebooks:
        assert (notebooks_dir() / notebook).is_file(), notebook
    policy = load_policy()
    assert isinstance(policy.sections[name], domain.policy_section)
    assert policy.targets(name), f"[[{name}.targets]] is empty"
    assert (SRC / "domains" / name / "__init__.py").is_file()


def test_every_notebook_belongs_to_a_domain():
    registered = {n for d in DOMAINS for n in d.notebooks}
    assert {p.name for p in notebooks_dir().glob("*.ipynb")} == registered


def test_monthly_notebooks_are_the_registry_s_in_its_order():
    from analytics.run.notebooks import report_notebooks

    assert [p.name for p in report_notebooks()] == [d.notebooks[0] for d in DOMAINS]


def test_every_metric_prefix_belongs_to_one_domain():
    prefixes = [p for d in DOMAINS for p in d.metric_prefixes]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_run_one_way(module, path):
    """No module imports from a layer above its own (contract, policy and period <-
    loading <- domains <- presentation <- run <- CLI)."""
    own = layer_of(module)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("analytics"):
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("analytics")]
        else:
            continue
        for name in names:
            assert layer_of(name) <= own, f"{module} imports {name}, a layer above it"


def test_the_architecture_page_lists_every_module():
    layout = ARCHITECTURE.split("## Layout", 1)[1].split("\n## ", 1)[0]
    missing = [
        m
        for m, path in modules()
        if f"`{path.relative_to(SRC.parent.parent).as_posix()}`" not in layout
    ]
    assert missing == []


def test_domains_hold_no_formatted_sql_and_sql_files_bind_only_named_parameters():
    for path in (SRC / "domains").rglob("*.sql"):
        text = path.read_text(encoding="utf-8")
        assert "?" not in re.sub(r"--.*", "", text), f"{path.name}: positional parameter"
        assert "{" not in text, f"{path.name}: a Python placeholder"


def tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


@pytest.mark.parametrize("name", [d.name for d in DOMAINS])
def test_monthly_notebook_reads_in_the_one_order(name):
    """Title, parameters, setup, recorded figures, sections, rules applied, officer cells."""
    cells = nbformat.read(notebooks_dir() / f"{name}.ipynb", as_version=4).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    assert tags(cells[1]) == ["parameters"]
    for parameter in ("source", "period", "policy", "audience"):
        assert re.search(rf"^{parameter} = ", cells[1].source, re.M), parameter
    setup = f"ctx, rows = page.setup({name}.DOMAIN, source, period, policy, audience)"
    assert setup in cells[2].source
    assert tags(cells[3]) == ["record"] and cells[3].source == "page.record_metrics(rows)"
    officer = [i for i, c in enumerate(cells) if "officer" in tags(c)]
    assert officer == list(range(officer[0], len(cells)))
    rules = cells[officer[0] - 2]
    assert rules.cell_type == "markdown" and re.match(r"## The .*applied", rules.source)
    for cell in cells[officer[0] :]:
        if cell.cell_type == "code":
            opening = f"display(page.work_list(ctx, {name}.DOMAIN, "
            assert cell.source.startswith(opening), cell.source


@WHOLE_SAMPLE
def test_each_domain_declares_exactly_the_metrics_it_writes():
    from analytics.registry import open_report

    ctx = open_report(None, "2026-10")
    try:
        for domain in DOMAINS:
            written = list(dict.fromkeys(r["metric"] for r in domain.metrics(ctx)))
            assert written == list(domain.metric_names), domain.name
    finally:
        ctx.export.close()


@pytest.mark.parametrize("name", [d.name for d in DOMAINS if d.queries is not None])
def test_what_each_sql_file_reads_is_found_and_no_table_reads_the_months(name):
    """Every derived table and query of a domain: what it reads is declared there, no
    derived table reads ``periods`` (a view does), and nothing reads itself in a loop."""
    from importlib import resources

    queries = next(d for d in DOMAINS if d.name == name).queries
    files = [f.name[:-4] for f in resources.files(queries.package).iterdir()]
    files = [f for f in files if (SRC / "domains" / name / f"{f}.sql").is_file()]
    with_sql = {name for name, d in queries.derived.items() if d.has_sql}
    assert with_sql <= set(files), "a declared derived table without its .sql file"

    def walk(node: str, seen: tuple[str, ...]) -> None:
        assert node not in seen, f"{' -> '.join((*seen, node))}: a loop"
        for read in queries.reads(node):
            walk(read, (*seen, node))

    for f in files:
        walk(f, ())  # raises on a derived table that reads the months
