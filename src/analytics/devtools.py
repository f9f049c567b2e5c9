"""Repository hygiene for notebooks: committed notebooks carry no outputs.

``python -m analytics.devtools check-notebooks DIR`` fails if any notebook has outputs,
lacks a ``parameters`` cell, shows its code or leaves a parameter unexplained;
``strip-notebooks DIR`` removes outputs in place and hides the code (``presented``);
``write-schemas`` writes the policy file's JSON Schema from the registered domains;
``write-docs`` the parts of ``docs/`` generated from the code (``analytics.docs``).

``install-git-filter`` (run by ``make install``) configures the git clean filter that
``.gitattributes`` names for ``notebooks/*.ipynb``: ``git add`` stores a notebook with its
outputs stripped (``strip-stdin``), so patient data shown by a run in JupyterLab cannot be
committed with the notebook.
"""

from __future__ import annotations

import copy
import re
import shlex
import sys
from pathlib import Path

import nbformat

# The parameters cell opens as a form: what to change and how to run it.
FORM_HEADER = (
    "# Parameters: a form. Change a value after `=` (each line says what it takes), then\n"
    "# Run > Run All Cells. The monthly run sets its own values after this cell.\n"
)
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=")


def problems(path: Path) -> list[str]:
    """What is wrong with one committed notebook: outputs, no parameters cell, or one that
    does not read as a report (its code shown, a recording's output shown, a parameter
    without its explanation)."""
    nb = nbformat.read(path, as_version=4)
    found = []
    if any(c.get("outputs") or c.get("execution_count") for c in nb.cells):
        found.append(f"{path}: has outputs (run `make format` to strip them)")
    form = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    if not form:
        found.append(f"{path}: no cell tagged parameters")
    if nbformat.writes(presented(copy.deepcopy(nb))) != nbformat.writes(nb):
        found.append(f"{path}: code shown or the form's header missing (run `make format`)")
    for cell in form:
        for line in cell.source.splitlines():
            if _ASSIGNMENT.match(line) and "#" not in line:
                found.append(f"{path}: parameter without its explanation: {line.strip()}")
    return found


def presented(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook as the officer reads it in JupyterLab (in place, and returned): every
    code cell's source collapsed but the parameters form's, a recording's output collapsed,
    and the form opening with how to fill it in."""
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        tags = c.metadata.get("tags", [])
        shown = c.metadata.setdefault("jupyter", {})
        if "parameters" in tags:
            shown.pop("source_hidden", None)
            # the header as it is, or an older one ("# Parameters (...)"), replaced
            header = ("# Parameters", *FORM_HEADER.splitlines())
            body = [line for line in c.source.splitlines() if not line.startswith(header)]
            c.source = FORM_HEADER + "\n".join(body).lstrip("\n")
        else:
            shown["source_hidden"] = True
        if "record" in tags:
            shown["outputs_hidden"] = True
        if not shown:
            del c.metadata["jupyter"]
    return nb


GIT_FILTER = "analytics-strip-outputs"  # the name .gitattributes gives the filter


def stripped(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without outputs or execution counts (in place, and returned)."""
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
    return nb


def strip(path: Path) -> None:
    """Strip a notebook of outputs and lay it out as the officer reads it (``presented``)."""
    nbformat.write(presented(stripped(nbformat.read(path, as_version=4))), path)


def strip_stdin() -> int:
    """git's clean filter: the notebook on stdin, written stripped to stdout. Text that is
    not a notebook passes unchanged (git must never lose a file to the filter)."""
    text = sys.stdin.buffer.read().decode("utf-8")
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception:  # not a notebook: leave it to the linters
        sys.stdout.write(text)
        return 0
    out = nbformat.writes(stripped(nb))
    sys.stdout.write(out if out.endswith("\n") else out + "\n")  # as nbformat.write
    return 0


def install_git_filter(where: Path) -> str:
    """Configure the clean filter in the git repository holding ``where``."""
    import subprocess

    command = f"{shlex.quote(sys.executable)} -m analytics.devtools strip-stdin"
    for key, value in (("clean", command), ("smudge", "cat")):
        subprocess.run(
            ["git", "config", f"filter.{GIT_FILTER}.{key}", value], cwd=where, check=True
        )
    return command


def policy_schema_text() -> str:
    """The policy file's JSON Schema, from the registered domains' sections."""
    import json

    from analytics.registry import DOMAINS
    from analytics.schemas import policy_schema

    schema = policy_schema({d.name: d.policy_section for d in DOMAINS})
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    if argv == ["write-schemas"]:
        from importlib import resources

        target = Path(str(resources.files("analytics.schemas") / "policy.schema.json"))
        target.write_text(policy_schema_text(), encoding="utf-8")
        print(f"wrote {target}")
        return 0
    if argv == ["write-docs"]:
        from analytics.docs import write_docs

        for path in write_docs():
            print(f"wrote {path}")
        return 0
    if argv == ["strip-stdin"]:
        return strip_stdin()
    if argv == ["install-git-filter"]:
        import subprocess

        inside = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True
        )
        if inside.returncode != 0:
            print("not a git checkout: no notebook filter to configure")
            return 0
        print(f"git filter {GIT_FILTER}: {install_git_filter(Path.cwd())}")
        return 0
    if len(argv) != 2 or argv[0] not in ("check-notebooks", "strip-notebooks"):
        print(
            "usage: python -m analytics.devtools check-notebooks|strip-notebooks DIR\n"
            "       python -m analytics.devtools "
            "write-schemas|write-docs|strip-stdin|install-git-filter"
        )
        return 2
    paths = sorted(Path(argv[1]).glob("*.ipynb"))
    if argv[0] == "strip-notebooks":
        for p in paths:
            strip(p)
        return 0
    found = [msg for p in paths for msg in problems(p)]
    for msg in found:
        print(msg, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
