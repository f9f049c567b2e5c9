"""The README's contract section is generated from the contract in code."""

from __future__ import annotations

from analytics.contract import TABLES, contract_markdown
from analytics.paths import project_root


def test_readme_contract_section_matches_the_code():
    readme = (project_root() / "README.md").read_text()
    start = readme.index("<!-- contract:start -->") + len("<!-- contract:start -->")
    end = readme.index("<!-- contract:end -->")
    assert readme[start:end].strip() == contract_markdown().strip()


def test_every_table_has_an_id_column_and_codes_are_lower_case():
    for t in TABLES:
        assert t.id_column in t.column_names
        assert t.column(t.id_column).required
        for c in t.columns:
            assert all(code == code.lower().strip() for code in c.codes)
