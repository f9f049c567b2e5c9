"""The Jinja templates of the pages the suite writes itself, and nbconvert's ``offline``."""

from __future__ import annotations

from pathlib import Path

import jinja2
import markupsafe

FOLDER = Path(__file__).resolve().parent


def environment() -> jinja2.Environment:
    """Templates with every value escaped and every name required."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(FOLDER)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["css_string"] = css_string
    return env


def css_string(text: str) -> markupsafe.Markup:
    """``text`` as a CSS string's content (inside ``"..."`` in a style sheet): every
    character but letters, digits and spaces written as a CSS escape, so that a clinic's
    name can close neither the string nor the ``<style>`` element."""
    out = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in str(text))
    return markupsafe.Markup(out)
