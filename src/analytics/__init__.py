"""Privacy-compliance analytics for a California medical spa.

The import package is ``analytics``; it is distributed as ``medspa-compliance-analytics``
(the name ``analytics`` on PyPI belongs to an unrelated project). The version is the
distribution's, as ``pyproject.toml`` sets it: this is the one place it is read.
"""

import sys
from importlib.metadata import PackageNotFoundError, version

# jsonschema (which nbformat, Papermill and our own schemas import) builds 38 Lark grammars
# when ``rfc3987_syntax`` is installed (Jupyter's events pull it in), to check the "iri"
# formats no schema of ours uses: 1.1 s of every command's start and every notebook
# kernel's. Without it jsonschema leaves those two formats unchecked, as it documents.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

DISTRIBUTION = "medspa-compliance-analytics"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
