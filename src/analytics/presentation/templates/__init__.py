"""The Jinja templates of the pages the suite writes itself, and nbconvert's ``offline``."""

from __future__ import annotations

from pathlib import Path

import jinja2

FOLDER = Path(__file__).resolve().parent


def environment() -> jinja2.Environment:
    """Templates with every value escaped and every name required."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(FOLDER)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
