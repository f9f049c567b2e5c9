"""Small SQL helpers shared by every module that writes a query."""

from __future__ import annotations


def ident(name: str) -> str:
    """Quote an identifier for DuckDB (identifiers only: values are always bound)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """Quote a string literal, for the few statements DuckDB cannot prepare.

    ``ATTACH`` and ``EXPORT DATABASE`` paths are the only users; everything else binds.
    """
    return "'" + value.replace("'", "''") + "'"
