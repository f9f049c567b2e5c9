"""Repository hygiene for notebooks: committed notebooks carry no outputs.

``python -m analytics.devtools check-notebooks DIR`` fails if any notebook has outputs
or lacks a ``parameters`` cell; ``strip-notebooks DIR`` removes outputs in place;
``write-schemas`` writes the policy file's JSON Schema from the registered domains.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def problems(path: Path) -> list[str]:
    """What is wrong with one committed notebook."""
    nb = nbformat.read(path, as_version=4)
    found = []
    if any(c.get("outputs") or c.get("execution_count") for c in nb.cells):
        found.append(f"{path}: has outputs (run `make format` to strip them)")
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        found.append(f"{path}: no cell tagged parameters")
    return found


def strip(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = []
            c.execution_count = None
    nbformat.write(nb, path)


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
    if len(argv) != 2 or argv[0] not in ("check-notebooks", "strip-notebooks"):
        print(
            "usage: python -m analytics.devtools check-notebooks|strip-notebooks DIR\n"
            "       python -m analytics.devtools write-schemas"
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
